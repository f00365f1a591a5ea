// Which events end which instance (store/instance-stop.ts): its own stop events, and its cluster
// primary's `worker_exit` events naming its pid, sent from its host after it started (a pid is
// reused by a later process; the exit of an earlier one comes before that one's start). Written
// once: the instances list reads the endings, the live figures (live instances, the RSS sum)
// leave the ended instances out, and crash.count counts each ended process once.
import type { InstanceStop } from '../../../api-types';
import { instanceStop, workerExitStop, WORKER_PID_ATTRIBUTE } from '../../instance-stop';
import type { InstanceEndings } from '../../storage';
import { msToNs, nsToMs } from '../../time-buckets';
import { parseJsonObject } from '../json-rows';
import type { StatementCache } from './statement-cache';

// A primary's worker exits joined to the instance each names (e the exit, w the worker).
const WORKER_EXIT_NAMES = `FROM events e
    JOIN instances p ON p.service = e.service AND p.instance_id = e.instance_id
    JOIN instances w ON w.service = e.service AND w.host = p.host AND w.instance_id <> p.instance_id
      AND w.pid = json_extract(e.attributes, '$."${WORKER_PID_ATTRIBUTE}"')
      AND e.time_ns >= coalesce(w.started_ms, w.first_seen_ms) * 1000000
    WHERE e.service = ? AND e.time_ns >= ? AND e.time_ns < ? AND e.type = 'worker_exit'`;

/**
 * The ending events of the service's instances in a time range: columns instance_id, id, type,
 * time_ns, message, attributes. Parameters: endingParams.
 */
const ENDING_EVENTS_SQL = `SELECT instance_id, id, type, time_ns, message, attributes FROM events
    WHERE service = ? AND time_ns >= ? AND time_ns < ? AND type = 'stop'
  UNION ALL
  SELECT w.instance_id, e.id, e.type, e.time_ns, e.message, e.attributes ${WORKER_EXIT_NAMES}`;

/**
 * The service's worker exits in a time range that name an instance (the worker that exited):
 * columns id, instance_id. Parameters: service, from and to in ns.
 */
export const NAMED_WORKER_EXITS_SQL = `SELECT e.id, w.instance_id ${WORKER_EXIT_NAMES}`;

/** The instances that ended in a range, for `instance_id NOT IN (…)`; parameters: endingParams. */
export const ENDED_INSTANCES_SQL = `SELECT instance_id FROM (${ENDING_EVENTS_SQL})`;

export function endingParams(service: string, fromMs: number, toMs: number): [string, bigint, bigint, string, bigint, bigint] {
  const from = msToNs(fromMs);
  const to = msToNs(toMs);
  return [service, from, to, service, from, to];
}

export function readEndings(stmts: StatementCache, service: string, fromMs: number, toMs: number): InstanceEndings {
  const rows = stmts
    .get(`${ENDING_EVENTS_SQL} ORDER BY time_ns`)
    .safeIntegers(true)
    .all(...endingParams(service, fromMs, toMs)) as { instance_id: string; id: bigint; type: 'stop' | 'worker_exit'; time_ns: bigint; message: string | null; attributes: string }[];
  const stops = new Map<string, InstanceStop>();
  const ownStops = new Map<string, InstanceStop[]>();
  const workerExitInstances = new Map<number, string>();
  for (const r of rows) {
    const at = nsToMs(r.time_ns);
    if (r.type === 'stop') {
      // Its own word wins; the latest, should a process send two.
      const stop = instanceStop(at, r.message, parseJsonObject(r.attributes));
      stops.set(r.instance_id, stop);
      const own = ownStops.get(r.instance_id);
      if (own === undefined) ownStops.set(r.instance_id, [stop]);
      else own.push(stop);
    } else {
      workerExitInstances.set(Number(r.id), r.instance_id);
      if (!stops.has(r.instance_id)) stops.set(r.instance_id, workerExitStop(at, r.message, parseJsonObject(r.attributes)));
    }
  }
  return { stops, ownStops, workerExitInstances };
}
