// Unicode bidirectional controls made visible. An app chooses its service, route, span and error
// texts; a U+202E (RIGHT-TO-LEFT OVERRIDE) in one makes "evil" display as "live" and can reorder
// the text around it (the "Trojan Source" spoof, CVE-2021-42574). The controls are invisible, so
// each is shown as "⟨U+202E⟩" and the text reads in its stored order. Right-to-left letters
// themselves are left alone: they are text, not controls.

// The explicit formatting characters of UAX #9 (§2): embeddings and overrides U+202A–U+202E,
// isolates U+2066–U+2069, and the marks LRM, RLM and ALM.
const BIDI_CONTROLS = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/g;
const HAS_BIDI_CONTROL = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/;

export function hasBidiControls(text: string): boolean {
  return HAS_BIDI_CONTROL.test(text);
}

/** `text` with each bidi control replaced by its visible code point, e.g. "⟨U+202E⟩". */
export function showBidiControls(text: string): string {
  if (!HAS_BIDI_CONTROL.test(text)) return text;
  return text.replace(BIDI_CONTROLS, (c) => `⟨U+${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}⟩`);
}
