// An app's value (a service, route or attribute) quoted in a log line. JSON.stringify escapes
// quotes and C0 controls; a log line also must not carry what a terminal or log viewer acts on
// or reorders: DEL and C1 controls, line and paragraph separators, and the bidi controls of
// UAX #9 (§2: embeddings and overrides U+202A–202E, isolates U+2066–2069, and the marks
// U+200E, U+200F, U+061C), with which a name could make the rest of the line read backwards
// ("Trojan Source", CVE-2021-42574). Each becomes its escape (\u202e): visible, and unambiguous.
const UNSAFE = /[\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

function escape(c: string): string {
  return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

/** `value` as a double-quoted string, every control character escaped. */
export function quoteForLog(value: string): string {
  return JSON.stringify(value).replace(UNSAFE, escape);
}
