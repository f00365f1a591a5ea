// In a node:cluster primary: an event for each worker that exits — its id and pid, the exit
// code or the signal that killed it (SIGKILL is also what the kernel's OOM killer sends), and
// whether the primary meant it: `worker.exitedAfterDisconnect` (disconnect()), or a kill() or
// destroy() the primary called, which signal the process at once and leave that flag false
// (Node 20: kill → destroy → process.kill). Without it a killed worker only goes quiet, and no
// one can tell why.
import type { Attributes } from '@opentelemetry/api';
import type { Logger } from '@opentelemetry/api-logs';
import cluster, { type Worker } from 'node:cluster';
import { guard } from '../report';
import { ATTR, EVENTS } from './meter';

/** What the event says about one worker's exit. */
export function workerExitAttributes(
  worker: Pick<Worker, 'id' | 'exitedAfterDisconnect'> & { process: { pid?: number } },
  code: number | null,
  signal: string | null,
  killedByPrimary = false,
): { attributes: Attributes; body: string } {
  const intended = worker.exitedAfterDisconnect === true || killedByPrimary;
  const attributes: Attributes = {
    [ATTR.eventName]: EVENTS.workerExit,
    'headroom.worker.id': worker.id,
    'headroom.worker.intended': intended,
  };
  if (worker.process.pid !== undefined) attributes['headroom.worker.pid'] = worker.process.pid;
  // Node passes code null when a signal ended the process, and signal null otherwise.
  if (signal) attributes['headroom.worker.signal'] = signal;
  if (typeof code === 'number') attributes['headroom.worker.exit_code'] = code;
  const who = `worker ${worker.id}${worker.process.pid !== undefined ? ` (pid ${worker.process.pid})` : ''}`;
  const how = signal ? `killed by ${signal}` : `exited with code ${typeof code === 'number' ? code : 'unknown'}`;
  return { attributes, body: `${who} ${how}${intended ? ', stopped by the primary' : ''}` };
}

type KillMethod = (this: Worker, ...args: unknown[]) => unknown;

/** Listens for workers' exits in a cluster primary (a no-op in a worker); returns the stop. */
export function watchWorkerExits(logger: Logger): () => void {
  if (cluster.isWorker) return () => undefined;
  // The workers the primary's own code killed: a graceful shutdown's worker.kill() is no crash
  // (QA: every rolling deploy of a 2-worker app read as two workers 'killed by SIGTERM', unmeant).
  const killed = new WeakSet<Worker>();
  const proto = (cluster as unknown as { Worker?: { prototype: Record<'kill' | 'destroy', KillMethod | undefined> } }).Worker?.prototype;
  const originals = { kill: proto?.kill, destroy: proto?.destroy };
  for (const name of ['kill', 'destroy'] as const) {
    const original = originals[name];
    if (proto === undefined || original === undefined) continue;
    proto[name] = function (this: Worker, ...args: unknown[]) {
      killed.add(this);
      return original.apply(this, args);
    };
  }
  const onExit = guard('worker exit event', (worker: Worker, code: number | null, signal: string | null) => {
    const { attributes, body } = workerExitAttributes(worker, code, signal, killed.has(worker));
    logger.emit({ eventName: EVENTS.workerExit, body, attributes });
  });
  cluster.on('exit', onExit);
  return () => {
    cluster.off('exit', onExit);
    if (proto !== undefined) for (const name of ['kill', 'destroy'] as const) if (originals[name] !== undefined) proto[name] = originals[name];
  };
}
