// Writes the agent's own warnings to stderr: the first of each code at once, then at most one
// line per code per interval with the number suppressed, so a broken collector or a hook that
// fails on every request cannot flood the app's logs. Never throws.
import { warnings, type WarningKey } from './errors';

const INTERVAL_MS = 60_000;

interface CodeState {
  lastAt: number;
  suppressed: number;
}

const states = new Map<string, CodeState>();
let sink: (line: string) => void = (line) => {
  process.stderr.write(line);
};

/** Tests point the sink elsewhere; the app never needs to. */
export function setReportSink(next: (line: string) => void): void {
  sink = next;
}

/**
 * Writes one warning unless its code was written within the interval; whether it was written.
 * `force`: written anyway — for the line that ends a state a written line began (a recovery
 * after a failure the user saw), which must not be left hanging.
 */
export function report(key: WarningKey, detail?: string, now: number = Date.now(), force = false): boolean {
  try {
    const info = warnings[key];
    const state = states.get(info.code);
    if (state && now - state.lastAt < INTERVAL_MS && !force) {
      state.suppressed++;
      return false;
    }
    const suppressed = state?.suppressed ?? 0;
    states.set(info.code, { lastAt: now, suppressed: 0 });
    const more = suppressed > 0 ? ` (${suppressed} similar suppressed)` : '';
    sink(`[headroom] ${info.code}: ${info.message}${detail ? `: ${detail}` : ''}${more}\n`);
    return true;
  } catch {
    // stderr closed or the like: nothing sensible left to do.
    return false;
  }
}

/** Describes an unknown thrown value in one short line. */
export function describe(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  try {
    return String(err);
  } catch {
    return 'unknown error';
  }
}

/** Wraps a hook so nothing it throws reaches the caller (the app). */
export function guard<A extends unknown[], R>(where: string, fn: (...args: A) => R): (...args: A) => R | undefined {
  return (...args: A): R | undefined => {
    try {
      return fn(...args);
    } catch (err) {
      report('internal', `${where}: ${describe(err)}`);
      return undefined;
    }
  };
}
