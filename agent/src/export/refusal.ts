// What a collector's refusal says. The OTLP exporter keeps a failed answer's status code and
// body (OTLPExporterError `code`, `data`: the body as text); the OTLP/HTTP specification has
// an error answered with a google.rpc.Status, whose `message` (field 2) says why — Headroom's
// collector says "HR_API_INGEST_UNAUTHORIZED: missing or wrong ingest token …". In protobuf, as
// the agent sends: read here without a decoder (two fields, the rest ignored).

/** The HTTP status of a failed export's answer; null for a network error or a timeout. */
export function refusalStatus(error: unknown): number | null {
  const code = (error as { code?: unknown } | null | undefined)?.code;
  return typeof code === 'number' ? code : null;
}

/** Whether the collector refused the credentials: nothing sent with them will be taken. */
export function isAuthRefusal(status: number | null): boolean {
  return status === 401 || status === 403;
}

/** Past a varint at `i` of the body's text (its bytes ≥ 0x80 may have become U+FFFD: any char ≥ 0x80 continues it). */
function skipVarint(text: string, i: number): number {
  while (i < text.length && text.charCodeAt(i) >= 0x80) i++;
  return i + 1;
}

/** Control characters (and undecodable bytes) as spaces. */
function printable(text: string): string {
  let out = '';
  for (const ch of text) {
    const c = ch.charCodeAt(0);
    out += c < 0x20 || c === 0x7f || c === 0xfffd ? ' ' : ch;
  }
  return out.replace(/ {2,}/g, ' ');
}

/** The status message of a refusal's body (google.rpc.Status, protobuf or JSON); null when it has none. */
export function refusalMessage(error: unknown): string | null {
  const data = (error as { data?: unknown } | null | undefined)?.data;
  if (typeof data !== 'string' || data.length === 0) return null;
  let message: string | null = null;
  if (data.startsWith('{')) {
    try {
      const parsed = JSON.parse(data) as { message?: unknown };
      message = typeof parsed.message === 'string' ? parsed.message : null;
    } catch {
      message = null;
    }
  } else {
    // Field 1 (code) is tag 0x08 and a varint; field 2 (message) is tag 0x12, a length, the text.
    let i = 0;
    if (data.charCodeAt(i) === 0x08) i = skipVarint(data, i + 1);
    if (data.charCodeAt(i) === 0x12) {
      const start = skipVarint(data, i + 1);
      // The text runs to the next field's tag, or the end (details, field 3, are rarely sent).
      const end = data.indexOf('\x1a', start);
      message = data.slice(start, end === -1 ? undefined : end);
    }
  }
  // One line, printable, bounded: this goes to the app's stderr.
  const line = message === null ? '' : printable(message).trim().slice(0, 300);
  return line !== '' ? line : null;
}
