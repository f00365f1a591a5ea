// Queue wait: the time a request spent in front of the app (load balancer, proxy, accept
// queue), from the timestamp a front proxy puts in X-Request-Start or X-Queue-Start.
// Proxies disagree on the format — nginx `t=${msec}` (seconds with a millisecond fraction),
// Heroku milliseconds, Apache `%t` / `t=%D`-style microseconds, some nanoseconds — with or
// without `t=`; the unit is told apart by magnitude (epoch seconds ≈ 1.7e9, ms ≈ 1.7e12,
// µs ≈ 1.7e15, ns ≈ 1.7e18). Pure: the caller passes the clock.

export const QUEUE_HEADERS = ['x-request-start', 'x-queue-start'] as const;

/** Starts further in the future than this are not clock skew but a wrong or forged value. */
export const MAX_FUTURE_MS = 5_000;
/** A wait longer than this is taken to be a misread unit or a forged value. */
export const MAX_QUEUE_WAIT_MS = 10 * 60_000;

export type QueueWaitResult =
  | { kind: 'ok'; ms: number }
  | { kind: 'dropped'; reason: 'invalid' | 'future' | 'absurd' };

const NUMBER = /^t=\s*(\d+(?:\.\d+)?)|^(\d+(?:\.\d+)?)/;

/** Epoch milliseconds from a header value, or null when it is not a number in a known unit. */
export function parseRequestStart(value: string): number | null {
  const match = NUMBER.exec(value.trim());
  const text = match?.[1] ?? match?.[2];
  if (text === undefined) return null;
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0) return null;
  if (n < 1e11) return n * 1e3; // seconds (until the year 5138)
  if (n < 1e14) return n; // milliseconds
  if (n < 1e17) return n / 1e3; // microseconds
  if (n < 1e20) return n / 1e6; // nanoseconds
  return null;
}

/** Queue wait in ms for a header value at `nowMs` (epoch ms). */
export function queueWaitFrom(value: string, nowMs: number): QueueWaitResult {
  const startMs = parseRequestStart(value);
  if (startMs === null) return { kind: 'dropped', reason: 'invalid' };
  const wait = nowMs - startMs;
  if (wait < -MAX_FUTURE_MS) return { kind: 'dropped', reason: 'future' };
  if (wait > MAX_QUEUE_WAIT_MS) return { kind: 'dropped', reason: 'absurd' };
  // A start slightly after "now" is clock skew between the proxy's host and ours: count 0.
  return { kind: 'ok', ms: wait < 0 ? 0 : wait };
}

type Headers = Record<string, string | string[] | undefined>;

/**
 * Looks at the known headers in order; null when none is present. `now` is wall-clock epoch
 * ms, like the proxy's stamp, read only when a header is there.
 */
export function queueWaitFromHeaders(headers: Headers, now: () => number = Date.now): QueueWaitResult | null {
  for (const name of QUEUE_HEADERS) {
    const raw = headers[name];
    const value = Array.isArray(raw) ? raw[0] : raw;
    if (value !== undefined) return queueWaitFrom(value, now());
  }
  return null;
}
