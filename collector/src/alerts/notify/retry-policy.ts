// When to try a webhook again. Network errors, timeouts, 5xx and 429 are worth another try;
// any other 4xx means the request itself is wrong and will stay wrong (no retry). The wait is
// exponential with jitter (half fixed, half random, so a fleet of retries does not arrive in
// step), or what the receiver asked for in Retry-After (RFC 9110 §10.2.3: seconds or an
// HTTP-date), capped either way.

export interface RetrySettings {
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export function isRetryable(statusCode: number | null): boolean {
  return statusCode === null || statusCode === 429 || statusCode >= 500;
}

/** Retry-After in ms, or null when absent or unreadable. */
export function retryAfterMs(header: string | null, now: number): number | null {
  if (header === null) return null;
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

/** The wait before attempt `attempt + 1`, after `attempt` attempts (1-based). */
export function retryDelayMs(settings: RetrySettings, attempt: number, retryAfter: number | null, random: () => number = Math.random): number {
  if (retryAfter !== null) return Math.min(settings.maxDelayMs, retryAfter);
  const exp = Math.min(settings.maxDelayMs, settings.baseDelayMs * 2 ** (attempt - 1));
  return Math.round(exp / 2 + random() * (exp / 2));
}
