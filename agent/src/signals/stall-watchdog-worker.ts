// Runs in a worker thread. The main thread bumps a counter in shared memory every tick (see
// stalls.ts); when the counter stops moving for `blockedMs`, the main thread is stuck in one
// callback, and this thread asks it — through an inspector session to the main thread, whose
// messages V8 runs as an interrupt *inside* the blocking code — to take a snapshot of the
// active span and the stack. The session is opened only for that and closed at once, so
// nothing stays attached to the app (and Node prints nothing at exit).
import { workerData } from 'node:worker_threads';

interface WatchdogData {
  shared: SharedArrayBuffer;
  blockedMs: number;
  probeKey: string;
}

type InspectorModule = typeof import('node:inspector');

const PROBE_TIMEOUT_MS = 2_000;

function run(data: WatchdogData): void {
  const ticks = new Int32Array(data.shared);
  let inspector: InspectorModule | null = null;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    inspector = require('node:inspector') as InspectorModule;
  } catch {
    inspector = null; // Node built without the inspector: stalls are still timed, not attributed.
  }
  const expression = `globalThis[Symbol.for(${JSON.stringify(data.probeKey)})]?.(%TICK%)`;

  const probe = (tick: number, then: () => void): void => {
    if (!inspector) {
      then();
      return;
    }
    let session: InstanceType<InspectorModule['Session']> | null = null;
    let finished = false;
    // A reply can be held back for long (the main thread blocked in native code, which
    // interrupts cannot enter): give up after a while rather than stop watching.
    const giveUp = setTimeout(() => finish(), PROBE_TIMEOUT_MS);
    const finish = (): void => {
      if (finished) return;
      finished = true;
      clearTimeout(giveUp);
      try {
        session?.disconnect();
      } catch {
        // already gone
      }
      then();
    };
    try {
      session = new inspector.Session();
      session.connectToMainThread();
      session.post('Runtime.evaluate', { expression: expression.replace('%TICK%', String(tick)), silent: true, returnByValue: true }, finish);
    } catch {
      finish();
    }
  };

  // Atomics.wait sleeps until the timeout without the main thread having to notify: the main
  // thread's tick stays a plain store, and this thread wakes ~1000/blockedMs times a second.
  // Returning to the event loop between waits lets the inspector session's replies arrive.
  let seen = Atomics.load(ticks, 0);
  let probedFor: number | null = null;
  const cycle = (): void => {
    if (Atomics.load(ticks, 1) === 1) return;
    Atomics.wait(ticks, 0, seen, data.blockedMs);
    const tick = Atomics.load(ticks, 0);
    if (tick !== seen) {
      seen = tick;
      setImmediate(cycle);
    } else if (probedFor !== tick && tick !== 0) {
      // (tick 0: the main thread's loop has not started yet — modules loading, not a stall.)
      // No tick for blockedMs: the main thread is inside one long callback right now.
      probedFor = tick;
      probe(tick, () => setImmediate(cycle));
    } else {
      setTimeout(cycle, data.blockedMs);
    }
  };
  cycle();
}

try {
  run(workerData as WatchdogData);
} catch {
  // The main thread sees the worker exit and carries on without attribution.
}
