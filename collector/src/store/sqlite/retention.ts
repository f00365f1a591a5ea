// Retention: deletes what is older than the configured ages in small steps (≤ STEP_ROWS rows
// per transaction), so the writer never waits long for the lock. Each task returns the rows
// it deleted; the caller repeats it, yielding to the event loop between steps, until it
// deletes fewer than STEP_ROWS.
import type { Database } from 'better-sqlite3';
import type { RetentionSettings } from '../storage';
import { minuteOf, msToNs } from '../time-buckets';
import { distinctServicePairs, distinctServices } from './distinct-keys';

export const STEP_ROWS = 5000;
/** How long a delta point's identity is remembered (after the point's end time): see seenPoints. */
export const SEEN_POINTS_MS = 60 * 60_000;
const ROUTE_NAMES_SCAN_MS = 60 * 60_000;

export type RetentionTask = () => number;

/**
 * `onRoutesForgotten` is told when route names left the route budget's table, so the budget
 * drops what it holds in memory and reloads (route-budget.ts).
 */
export function retentionTasks(db: Database, retention: RetentionSettings, clock: () => number, onRoutesForgotten: () => void = () => undefined): RetentionTask[] {
  const rawCutoff = (): number => clock() - retention.rawMs;
  const rollupCutoff = (): number => clock() - retention.rollupMs;

  // Spans go by id: raw_marks knows the highest id written in each minute, and ids only grow.
  const maxOldSpan = db.prepare(`SELECT max(max_span_id) FROM raw_marks WHERE minute < ?`).pluck();
  const minSpan = db.prepare(`SELECT min(id) FROM spans`).pluck();
  const deleteSpans = db.prepare(`DELETE FROM spans WHERE id >= ? AND id <= ?`);
  const deleteMarks = db.prepare(`DELETE FROM raw_marks WHERE minute < ?`);
  const spans: RetentionTask = () => {
    const cutoff = minuteOf(rawCutoff());
    const maxId = maxOldSpan.get(cutoff) as number | null;
    if (maxId === null) return 0;
    const lo = minSpan.get() as number | null;
    if (lo === null || lo > maxId) {
      deleteMarks.run(cutoff);
      return 0;
    }
    // ids are dense (INTEGER PRIMARY KEY, never reused here), so an id window bounds the rows.
    return deleteSpans.run(lo, Math.min(maxId, lo + STEP_ROWS - 1)).changes;
  };

  const deleteEvents = db.prepare(`DELETE FROM events WHERE id IN
    (SELECT id FROM events WHERE time_ns < ? ORDER BY time_ns LIMIT ${STEP_ROWS})`);
  const events: RetentionTask = () => deleteEvents.run(msToNs(Math.max(0, rawCutoff()))).changes;

  const rollupTask = (table: string, key: string): RetentionTask => {
    const services = distinctServices(db, table);
    const del = db.prepare(`DELETE FROM ${table} WHERE (${key}) IN
      (SELECT ${key} FROM ${table} WHERE service = ? AND t < ? LIMIT ${STEP_ROWS})`);
    return () => {
      let deleted = 0;
      const cutoff = rollupCutoff();
      for (const service of services()) {
        deleted += del.run(service, cutoff).changes;
        if (deleted >= STEP_ROWS) break;
      }
      return deleted;
    };
  };
  // Tables whose key leads with (service, <column>, t): the delete walks each pair's range.
  const pairTask = (table: string, column: string, key: string): RetentionTask => {
    const del = db.prepare(`DELETE FROM ${table} WHERE (${key}) IN
      (SELECT ${key} FROM ${table} WHERE service = ? AND ${column} = ? AND t < ? LIMIT ${STEP_ROWS})`);
    const pairs = distinctServicePairs(db, table, column);
    return () => {
      let deleted = 0;
      const cutoff = rollupCutoff();
      for (const row of pairs()) {
        deleted += del.run(row.service, row.key, cutoff).changes;
        if (deleted >= STEP_ROWS) break;
      }
      return deleted;
    };
  };

  // Delta point identities are kept only as far back as a resend comes (an exporter retries
  // for seconds to minutes), by the point's end time.
  const deleteSeenPoints = db.prepare(`DELETE FROM seen_points WHERE (end_ns, id) IN
    (SELECT end_ns, id FROM seen_points WHERE end_ns < ? LIMIT ${STEP_ROWS})`);
  const seenPoints: RetentionTask = () => deleteSeenPoints.run(msToNs(Math.max(0, clock() - SEEN_POINTS_MS))).changes;

  // The route budget's names (route-budget.ts) go once a route has no rollup row left: it was
  // last seen before the rollup retention. Without this the table, and the set of known names
  // the budget loads per service, grew by up to a day's budget every day, for ever. A name
  // first seen within the retention is kept (its rows may still be on their way). The scan
  // probes two indexes per old name, so it runs once an hour.
  const deleteRouteNames = db.prepare(`DELETE FROM route_names WHERE (service, route) IN
    (SELECT service, route FROM route_names r WHERE first_ms < ?
       AND NOT EXISTS (SELECT 1 FROM route_hour h WHERE h.service = r.service AND h.route = r.route)
       AND NOT EXISTS (SELECT 1 FROM route_minute m WHERE m.service = r.service AND m.route = r.route)
     LIMIT ${STEP_ROWS})`);
  let routeNamesScannedAt = -Infinity;
  const routeNames: RetentionTask = () => {
    const now = clock();
    if (now - routeNamesScannedAt < ROUTE_NAMES_SCAN_MS) return 0;
    const deleted = deleteRouteNames.run(rollupCutoff()).changes;
    // Scanned to the end: wait an hour. A full step may have left more: go on at once.
    if (deleted < STEP_ROWS) routeNamesScannedAt = now;
    if (deleted > 0) onRoutesForgotten();
    return deleted;
  };

  const deleteInstances = db.prepare(`DELETE FROM instances WHERE last_seen_ms < ?`);
  const deleteRedo = db.prepare(`DELETE FROM hour_redo WHERE t < ?`);
  const small: RetentionTask = () => {
    deleteInstances.run(rollupCutoff());
    deleteRedo.run(rollupCutoff());
    return 0;
  };

  return [
    spans,
    events,
    seenPoints,
    rollupTask('req_minute', 'service, t, route, instance_id'),
    rollupTask('req_hour', 'service, t, route, instance_id'),
    rollupTask('svc_minute', 'service, t'),
    rollupTask('svc_hour', 'service, t'),
    rollupTask('svc_5m', 'service, t'),
    rollupTask('inst_5m', 'service, instance_id, t'),
    pairTask('route_5m', 'route', 'service, route, t'),
    rollupTask('inst_minute', 'service, instance_id, t'),
    rollupTask('inst_hour', 'service, instance_id, t'),
    pairTask('route_minute', 'route', 'service, route, t'),
    pairTask('route_hour', 'route', 'service, route, t'),
    pairTask('gauge_minute', 'metric', 'service, metric, t, instance_id'),
    pairTask('gauge_5m', 'metric', 'service, metric, t, instance_id'),
    pairTask('gauge_hour', 'metric', 'service, metric, t, instance_id'),
    rollupTask('inst_gauge_minute', 'service, t, instance_id'),
    rollupTask('inst_gauge_5m', 'service, t, instance_id'),
    rollupTask('inst_gauge_hour', 'service, t, instance_id'),
    rollupTask('route_folds', 'service, t'),
    // After route_minute and route_hour: the names whose last rows just went.
    routeNames,
    small,
  ];
}
