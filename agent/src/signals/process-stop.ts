// A stop event as the process ends: why (a signal, process.exit(), an empty event loop, an
// uncaught exception), its exit code and how long it ran. Without it a process that stops only
// goes quiet, and a deploy's clean stop cannot be told from a crash: a process killed by
// SIGKILL or the OOM killer, or cut off from the collector, is the one that ends without one.
// The collector takes a stopped process out of the live figures at once (RSS summed over live
// processes, the instances page) instead of after two minutes of silence.
import type { Attributes } from '@opentelemetry/api';
import type { Logger } from '@opentelemetry/api-logs';
import { guard } from '../report';
import { ATTR, EVENTS } from './meter';

/**
 * - `signal`: SIGTERM/SIGINT arrived and the process ended after it, within
 *   SIGNAL_STOP_WINDOW_MS (by the signal, or by the app's own handler exiting);
 * - `exit`: `process.exit()` without a signal before it;
 * - `natural`: nothing was left to run;
 * - `uncaught_exception`: an exception no one handled ended it.
 */
export type StopReason = 'signal' | 'exit' | 'natural' | 'uncaught_exception';

/**
 * A stop this soon after a SIGTERM/SIGINT is the signal's: the app's handler shutting down. As
 * long as the longest default grace of the usual process managers (systemd's TimeoutStopSec
 * 90 s; Kubernetes 30 s, Docker 10 s), after which they kill the process (SIGKILL: no stop
 * event at all). A process still running after it ignored the signal: a later stop (its own
 * process.exit(), an empty loop) is not the signal's, and was recorded as "stopped by SIGTERM".
 */
export const SIGNAL_STOP_WINDOW_MS = 90_000;

export interface ProcessStop {
  /** A signal arrived; the stop that follows names it, whoever ends the process. */
  signalled(signal: NodeJS.Signals): void;
  /** 'beforeExit' came: the loop ran empty, so an exit after it is a natural end, not process.exit(). */
  loopEmptied(): void;
  /**
   * Records the stop (once: later calls do nothing). `exitCode` when known. Within
   * SIGNAL_STOP_WINDOW_MS of a signal, any reason but a crash is recorded as `signal`.
   */
  stopping(reason: StopReason, exitCode?: number): void;
}

/** "2 h 5 min", "3 min 12 s", "850 ms": how long the process ran, for the event's message. */
export function formatUptime(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s} s`;
  const min = Math.floor(s / 60);
  if (min < 60) return `${min} min${s % 60 ? ` ${s % 60} s` : ''}`;
  const h = Math.floor(min / 60);
  if (h < 48) return `${h} h${min % 60 ? ` ${min % 60} min` : ''}`;
  return `${Math.floor(h / 24)} d ${h % 24} h`;
}

/** The event's attributes and message. */
export function stopEvent(reason: StopReason, signal: NodeJS.Signals | null, exitCode: number | undefined, uptimeMs: number): { attributes: Attributes; body: string } {
  const attributes: Attributes = {
    [ATTR.eventName]: EVENTS.stop,
    [ATTR.stopReason]: reason,
    [ATTR.stopUptimeS]: Math.round(uptimeMs / 100) / 10,
  };
  if (signal !== null) attributes[ATTR.stopSignal] = signal;
  if (exitCode !== undefined) attributes[ATTR.stopExitCode] = exitCode;
  const code = exitCode !== undefined ? ` (exit code ${exitCode})` : '';
  const how =
    reason === 'signal'
      ? `stopped by ${signal ?? 'a signal'}${code}`
      : reason === 'exit'
        ? `exited with code ${exitCode ?? 'unknown'} (process.exit)`
        : reason === 'natural'
          ? `ended: nothing left to run${code}`
          : `crashed: uncaught exception${code}`;
  return { attributes, body: `process ${how} after ${formatUptime(uptimeMs)}` };
}

export function watchProcessStop(logger: Logger, uptimeMs: () => number = () => process.uptime() * 1000, windowMs = SIGNAL_STOP_WINDOW_MS): ProcessStop {
  let signal: NodeJS.Signals | null = null;
  let signalAt = 0;
  let emptied = false;
  let done = false;
  const record = guard('stop event', (reason: StopReason, exitCode: number | undefined, bySignal: NodeJS.Signals | null) => {
    const { attributes, body } = stopEvent(reason, bySignal, exitCode, uptimeMs());
    logger.emit({ eventName: EVENTS.stop, body, attributes });
  });
  return {
    signalled(s) {
      signal = s;
      signalAt = uptimeMs();
    },
    loopEmptied() {
      emptied = true;
    },
    stopping(reason, exitCode) {
      if (done) return;
      done = true;
      // An app that exits from its own SIGTERM handler stops because of the signal; one that
      // ignored it stops for a reason of its own, later.
      const bySignal = signal !== null && uptimeMs() - signalAt <= windowMs ? signal : null;
      if (reason !== 'uncaught_exception' && bySignal !== null) record('signal', exitCode, bySignal);
      else record(reason === 'exit' && emptied ? 'natural' : reason, exitCode, null);
    },
  };
}
