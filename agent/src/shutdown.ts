// Flushing at exit without changing how the app exits.
// - Natural exit ('beforeExit'): flush once, within HEADROOM_SHUTDOWN_TIMEOUT_MS; the pending
//   export keeps the loop alive meanwhile. The exporter's own retries of an unreachable
//   collector would keep it alive up to OTEL_EXPORTER_OTLP_TIMEOUT (10 s: QA4 saw a 0.15 s
//   script take 10.7 s). So when nothing but the agent's flush can run any more, the process
//   exits as it would have (process.exit() with the app's own exitCode) once the flush is done
//   or timed out: when no listener of the app's had 'beforeExit' too (the loop was empty), or
//   when the app's listeners, once run, left it empty (a log line, a synchronous clean-up:
//   a script with one took 40 s to end against a collector that did not answer). When they
//   started more work, the loop decides as before.
// - SIGTERM / SIGINT: a listener of ours would replace Node's default (exit by the signal),
//   so when ours is the only listener it flushes (bounded by HEADROOM_SHUTDOWN_TIMEOUT_MS),
//   removes itself and re-raises the signal: the process still dies by that signal, with the
//   exit status the app would have had. When the app has its own listener, the app decides;
//   the agent only flushes alongside.
// Either way the stop event (signals/process-stop.ts) goes out with that flush when the agent
// ends the process, and from the 'exit' listener (agent.ts) when the app does.
import type { RunningAgent } from './agent';
import type { ProcessStop } from './signals/process-stop';

const SIGNALS: NodeJS.Signals[] = ['SIGTERM', 'SIGINT'];

/** `process.exitCode` as a number, when the app set one (Node accepts numeric strings too). */
export function exitCodeNow(): number {
  const code = Number(process.exitCode ?? 0);
  return Number.isInteger(code) ? code : 0;
}

/**
 * The loop's resources by type (Node 17.3+), or null. Not all of them keep it running: the
 * stdio pipes are listed too.
 */
function activeResources(): string[] | null {
  const active = (process as { getActiveResourcesInfo?: () => string[] }).getActiveResourcesInfo;
  return typeof active === 'function' ? active.call(process) : null;
}

/** Whether `now` holds a resource `before` did not (counted by type). */
function addedTo(before: readonly string[], now: readonly string[]): boolean {
  const left = [...before];
  for (const r of now) {
    const i = left.indexOf(r);
    if (i < 0) return true;
    left.splice(i, 1);
  }
  return false;
}

export function installShutdown(agent: RunningAgent, stop: ProcessStop): void {
  const endNaturally = (): void => {
    stop.stopping('natural', exitCodeNow());
    void agent.shutdown().finally(() => process.exit());
  };
  process.once('beforeExit', () => {
    stop.loopEmptied();
    // A once-listener is removed before it runs: what is left are the app's, run after this one.
    if (process.listenerCount('beforeExit') === 0) {
      endNaturally();
      return;
    }
    // Once they ran: the loop was empty ('beforeExit'), so what it holds beyond what it held
    // then, they started. Read a loop turn later, when their promises have settled: an async
    // listener starts its work after its awaits, and read as they returned (a nextTick) that
    // work was missed and the agent's exit cut it off. The price: an export the agent's own
    // timers start in that turn reads as the app's work, and the flush is then not bounded.
    const before = activeResources();
    setImmediate(() => {
      const now = activeResources();
      if (before !== null && now !== null && !addedTo(before, now)) endNaturally();
      else void agent.shutdown();
    });
  });
  for (const signal of SIGNALS) {
    const onSignal = (): void => {
      stop.signalled(signal);
      if (process.listenerCount(signal) > 1) {
        void agent.flush();
        return;
      }
      process.removeListener(signal, onSignal);
      stop.stopping('signal');
      void agent.shutdown().finally(() => {
        try {
          process.kill(process.pid, signal);
        } catch {
          process.exit(128 + (signal === 'SIGTERM' ? 15 : 2));
        }
      });
    };
    process.on(signal, onSignal);
  }
}
