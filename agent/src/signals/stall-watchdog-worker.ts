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
/** Probes in one blocked stretch: every blockedMs for the first seconds of it, then none. */
const MAX_PROBES_PER_STALL = 64;

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
  let probes = 0;
  const cycle = (): void => {
    if (Atomics.load(ticks, 1) === 1) return;
    Atomics.wait(ticks, 0, seen, data.blockedMs);
    const tick = Atomics.load(ticks, 0);
    if (tick !== seen) {
      seen = tick;
      probes = 0;
      setImmediate(cycle);
    } else if (tick !== 0 && probes < MAX_PROBES_PER_STALL) {
      // (tick 0: the main thread's loop has not started yet — modules loading, not a stall.)
      // No tick for blockedMs: the main thread is inside a long callback right now. Asked again
      // every blockedMs while the loop stays blocked: callbacks that run back to back in one
      // loop iteration (requests read from their sockets in one go) are each caught, not only
      // the first. A probe that finds the span of the one before costs no stack (stalls.ts).
      probes++;
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
