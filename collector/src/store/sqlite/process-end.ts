// How a process the writer's restart rules look at ended (store/process-restarts.ts
// replacedOnPurpose): its own stop event, else its cluster primary's `worker_exit` naming its pid —
// a worker the primary disconnected or killed on purpose (a zero-downtime reload) often sends no
// stop of its own (SIGKILL after a grace, an export cut short). Its own word wins, as the
// instances list reads endings (queries/instance-endings.ts).
import type { Database, Statement } from 'better-sqlite3';
import type { InstanceStop } from '../../api-types';
import { instanceStop, workerExitStop, WORKER_PID_ATTRIBUTE } from '../instance-stop';
import { msToNs, nsToMs } from '../time-buckets';
import { parseJsonObject } from './json-rows';

/** A process as the rules know it: its host and pid name it in its primary's exit events. */
export interface ProcessIdentity {
  service: string;
  instanceId: string;
  host: string | null;
  pid: number | null;
}

type EndRow = { time_ns: bigint; message: string | null; attributes: string } | undefined;

export class ProcessEnds {
  /** An instance's latest stop event in a time range. */
  private readonly selectOwnStop: Statement;
  /** The latest exit a primary on the process's host reported for its pid in a time range. */
  private readonly selectWorkerExit: Statement;
  /** The instance a primary's exit names: the latest process of its pid on its host started by then. */
  private readonly selectNamedWorker: Statement;

  constructor(db: Database) {
    this.selectOwnStop = db.prepare(`SELECT time_ns, message, attributes FROM events
      WHERE service = ? AND instance_id = ? AND type = 'stop' AND time_ns >= ? AND time_ns <= ? ORDER BY time_ns DESC LIMIT 1`).safeIntegers(true);
    // After the worker started, as instance-endings.ts reads it: a pid is reused by a later process.
    this.selectWorkerExit = db.prepare(`SELECT e.time_ns, e.message, e.attributes FROM events e
      JOIN instances p ON p.service = e.service AND p.instance_id = e.instance_id
      JOIN instances w ON w.service = e.service AND w.instance_id = ?
      WHERE e.service = ? AND e.type = 'worker_exit' AND e.time_ns >= ? AND e.time_ns <= ?
        AND p.host = ? AND p.instance_id <> w.instance_id AND json_extract(e.attributes, '$."${WORKER_PID_ATTRIBUTE}"') = ?
        AND e.time_ns >= coalesce(w.started_ms, w.first_seen_ms) * 1000000
      ORDER BY e.time_ns DESC LIMIT 1`).safeIntegers(true);
    this.selectNamedWorker = db.prepare(`SELECT w.instance_id FROM instances p
      JOIN instances w ON w.service = p.service AND w.host = p.host AND w.instance_id <> p.instance_id
      WHERE p.service = ? AND p.instance_id = ? AND w.pid = ? AND coalesce(w.started_ms, w.first_seen_ms) <= ?
      ORDER BY coalesce(w.started_ms, w.first_seen_ms) DESC LIMIT 1`).pluck();
  }

  /** How the process ended between `fromMs` and `toMs`, by its own word or its primary's; null when neither said. */
  endOf(p: ProcessIdentity, fromMs: number, toMs: number): InstanceStop | null {
    const own = this.selectOwnStop.get(p.service, p.instanceId, msToNs(fromMs), msToNs(toMs)) as EndRow;
    if (own !== undefined) return instanceStop(nsToMs(own.time_ns), own.message, parseJsonObject(own.attributes));
    if (p.host === null || p.pid === null) return null;
    const exit = this.selectWorkerExit.get(p.instanceId, p.service, msToNs(fromMs), msToNs(toMs), p.host, p.pid) as EndRow;
    return exit === undefined ? null : workerExitStop(nsToMs(exit.time_ns), exit.message, parseJsonObject(exit.attributes));
  }

  /** The worker a primary's exit event at `atMs` names (its pid on the primary's host), or null. */
  workerNamed(service: string, primaryId: string, pid: number, atMs: number): string | null {
    return (this.selectNamedWorker.get(service, primaryId, pid, atMs) as string | undefined) ?? null;
  }
}
