// Flushing at exit without changing how the app exits.
// - Natural exit ('beforeExit'): flush once; the pending export keeps the loop alive until it
//   answers or times out (OTEL_EXPORTER_OTLP_TIMEOUT), then the process exits as it would have.
// - SIGTERM / SIGINT: a listener of ours would replace Node's default (exit by the signal),
//   so when ours is the only listener it flushes (bounded by HEADROOM_SHUTDOWN_TIMEOUT_MS),
//   removes itself and re-raises the signal: the process still dies by that signal, with the
//   exit status the app would have had. When the app has its own listener, the app decides;
//   the agent only flushes alongside.
import type { RunningAgent } from './agent';

const SIGNALS: NodeJS.Signals[] = ['SIGTERM', 'SIGINT'];

export function installShutdown(agent: RunningAgent): void {
  process.once('beforeExit', () => {
    void agent.shutdown();
  });
  for (const signal of SIGNALS) {
    const onSignal = (): void => {
      if (process.listenerCount(signal) > 1) {
        void agent.flush();
        return;
      }
      process.removeListener(signal, onSignal);
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
