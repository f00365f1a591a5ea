// How a process ended: its own stop event (`headroom.process.stop`, sent by Headroom's agent as
// the process ends: agent/src/signals/process-stop.ts), else its cluster primary's report of its
// exit (`headroom.process.worker_exit`, agent/src/signals/cluster-exits.ts): a worker killed by
// SIGKILL or the OOM killer cannot send a stop of its own. Which events end which instance is
// one SQL query (sqlite/queries/instance-endings.ts). An ended process is gone from its end on:
// the instances list says so and live figures (RSS, live instances) leave it out, rather than
// waiting two minutes of silence (gauge-queries.ts ALIVE_WITHIN_MS).
import type { InstanceStop, JsonValue } from '../api-types';

export const STOP_REASON_ATTRIBUTE = 'headroom.stop.reason';
export const STOP_SIGNAL_ATTRIBUTE = 'headroom.stop.signal';
export const STOP_EXIT_CODE_ATTRIBUTE = 'headroom.stop.exit_code';
/** The exited worker's pid in its primary's `worker_exit` event: how the event names the instance. */
export const WORKER_PID_ATTRIBUTE = 'headroom.worker.pid';
export const WORKER_SIGNAL_ATTRIBUTE = 'headroom.worker.signal';
export const WORKER_EXIT_CODE_ATTRIBUTE = 'headroom.worker.exit_code';
export const WORKER_INTENDED_ATTRIBUTE = 'headroom.worker.intended';

/**
 * How far before a process's last report its stop event can lie: the agent sends the event and
 * then its last export, within its shutdown timeout (seconds). Bounds the events read.
 */
export const STOP_LOOKBACK_MS = 60_000;

/**
 * An uncaught exception, a kill by a signal its primary did not send (`killed`), or an exit with
 * an error code: a crash, not a stop (the dashboard's
 * error badge, the `crash.count` alert series, the advisor's restart loop).
 */
export function stopIsCrash(stop: Pick<InstanceStop, 'reason' | 'exitCode'>): boolean {
  return stop.reason === 'uncaught_exception' || stop.reason === 'killed' || (stop.exitCode !== null && stop.exitCode !== 0);
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

/**
 * A worker's end as its primary reported it: killed by a signal the primary did not send reads
 * as `killed` (SIGKILL is also the OOM killer's), one the primary sent as `signal`, an exit as
 * `exit` with its code. The message is the primary's sentence ("worker 2 (pid 4243) killed by SIGKILL").
 */
export function workerExitStop(atMs: number, message: string | null, attributes: Record<string, JsonValue>): InstanceStop {
  const signal = attributes[WORKER_SIGNAL_ATTRIBUTE];
  const exitCode = attributes[WORKER_EXIT_CODE_ATTRIBUTE];
  const code = typeof exitCode === 'number' && Number.isInteger(exitCode) ? exitCode : null;
  if (typeof signal === 'string') {
    return { at: atMs, reason: attributes[WORKER_INTENDED_ATTRIBUTE] === true ? 'signal' : 'killed', signal, exitCode: code, message };
  }
  return { at: atMs, reason: 'exit', signal: null, exitCode: code, message };
}
