// Runs in a worker thread. The main thread bumps a counter in shared memory every tick (see
// stalls.ts); when the counter stops moving for `blockedMs`, the main thread is stuck in one
// callback, and this thread asks it — through an inspector session to the main thread, whose
// messages V8 runs as an interrupt *inside* the blocking code — to take a snapshot of the
// active span and the stack. The session is opened only for that and closed at once, so
// nothing stays attached to the app (and Node prints nothing at exit).
import { workerData } from 'node:worker_threads';

interface WatchdogData {
  shared: SharedArrayBuffer;
  pollMs: number;
  blockedMs: number;
  probeKey: string;
}

type InspectorModule = typeof import('node:inspector');

function run(data: WatchdogData): void {
  const ticks = new Int32Array(data.shared);
  let inspector: InspectorModule | null = null;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    inspector = require('node:inspector') as InspectorModule;
  } catch {
    inspector = null; // Node built without the inspector: stalls are still timed, not attributed.
  }
  let seen = Atomics.load(ticks, 0);
  let seenAt = Date.now();
  let probedFor: number | null = null;
  const expression = `globalThis[Symbol.for(${JSON.stringify(data.probeKey)})]?.(%TICK%)`;

  const probe = (tick: number): void => {
    if (!inspector) return;
    let session: InstanceType<InspectorModule['Session']> | null = null;
    try {
      session = new inspector.Session();
      session.connectToMainThread();
      const open = session;
      open.post('Runtime.evaluate', { expression: expression.replace('%TICK%', String(tick)), silent: true, returnByValue: true }, () => {
        try {
          open.disconnect();
        } catch {
          // already gone
        }
      });
    } catch {
      try {
        session?.disconnect();
      } catch {
        // already gone
      }
    }
  };

  const timer = setInterval(() => {
    if (Atomics.load(ticks, 1) === 1) {
      clearInterval(timer);
      return;
    }
    const now = Date.now();
    const tick = Atomics.load(ticks, 0);
    if (tick !== seen) {
      seen = tick;
      seenAt = now;
      return;
    }
    if (now - seenAt >= data.blockedMs && probedFor !== tick) {
      probedFor = tick;
      probe(tick);
    }
  }, data.pollMs);
}

try {
  run(workerData as WatchdogData);
} catch {
  // The main thread sees the worker exit and carries on without attribution.
}
