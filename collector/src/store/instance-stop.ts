// A process's stop event (`headroom.process.stop`, sent by Headroom's agent as the process ends:
// agent/src/signals/process-stop.ts) read as how it ended. A stopped process is gone from its
// stop on: the instances list says so and live sums (RSS) leave it out, rather than waiting
// two minutes of silence (gauge-queries.ts ALIVE_WITHIN_MS).
import type { InstanceStop, JsonValue } from '../api-types';

export const STOP_REASON_ATTRIBUTE = 'headroom.stop.reason';
export const STOP_SIGNAL_ATTRIBUTE = 'headroom.stop.signal';
export const STOP_EXIT_CODE_ATTRIBUTE = 'headroom.stop.exit_code';

/**
 * How far before a process's last report its stop event can lie: the agent sends the event and
 * then its last export, within its shutdown timeout (seconds). Bounds the events read.
 */
export const STOP_LOOKBACK_MS = 60_000;

/**
 * An uncaught exception, or an exit with an error code: a crash, not a stop (the dashboard's
 * error badge, the `crash.count` alert series, the advisor's restart loop).
 */
export function stopIsCrash(stop: Pick<InstanceStop, 'reason' | 'exitCode'>): boolean {
  return stop.reason === 'uncaught_exception' || (stop.exitCode !== null && stop.exitCode !== 0);
}

export function instanceStop(atMs: number, message: string | null, attributes: Record<string, JsonValue>): InstanceStop {
  const reason = attributes[STOP_REASON_ATTRIBUTE];
  const signal = attributes[STOP_SIGNAL_ATTRIBUTE];
  const exitCode = attributes[STOP_EXIT_CODE_ATTRIBUTE];
  return {
    at: atMs,
    reason: typeof reason === 'string' ? reason : 'unknown',
    signal: typeof signal === 'string' ? signal : null,
    exitCode: typeof exitCode === 'number' && Number.isInteger(exitCode) ? exitCode : null,
    message,
  };
}
