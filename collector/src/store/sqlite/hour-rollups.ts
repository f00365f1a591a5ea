// Request hour rollups, merged from minute rollups once an hour has closed (plus a grace period for
// late exports), one hour per transaction so the write lock is held briefly. Minutes that
// change after their hour was rolled queue the hour in hour_redo; it is rolled again.
// (Gauges need none of this: the writer upserts their hour rows directly.)
import type { Database, Statement } from 'better-sqlite3';
import { HOUR_MS, hourOf, MINUTE_MS } from '../time-buckets';
import { distinctServices, distinctWithin } from './distinct-keys';

/** An hour is rolled this long after it ends, so exports for its last minute have arrived. */
export const HOUR_GRACE_MS = 3 * MINUTE_MS;

const SUMS = `sum(count), sum(errors), sum(dur_sum), min(dur_min), max(dur_max), sketch_union(sketch),
  sum(qw_count), sum(qw_sum), sum(br_count), sum(br_sum), sum(rw_count), sum(rw_sum),
  sum(reqb_count), sum(reqb_sum), sum(respb_count), sum(respb_sum), sketch_union(err_sketch)`;

export class HourRollups {
  private rolled: number | null;
  private readonly stmts: Record<string, Statement>;
  private readonly services: () => string[];
  private readonly routesOf: (service: string) => string[];

  constructor(private readonly db: Database) {
    const v = db.prepare(`SELECT value FROM meta WHERE key = 'rolled_until'`).pluck().get() as string | undefined;
    this.rolled = v === undefined ? null : Number(v);
    this.services = distinctServices(db, 'svc_minute');
    this.routesOf = distinctWithin(db, 'route_minute', 'route');
    this.stmts = {
      minT: db.prepare(`SELECT min(t) FROM svc_minute`).pluck(),
      setRolled: db.prepare(`INSERT INTO meta (key, value) VALUES ('rolled_until', ?)
        ON CONFLICT (key) DO UPDATE SET value = excluded.value`),
      nextRedo: db.prepare(`SELECT t FROM hour_redo ORDER BY t LIMIT 1`).pluck(),
      deleteRedo: db.prepare(`DELETE FROM hour_redo WHERE t = ?`),
      delReq: db.prepare(`DELETE FROM req_hour WHERE service = ? AND t = ?`),
      delSvc: db.prepare(`DELETE FROM svc_hour WHERE service = ? AND t = ?`),
      delInst: db.prepare(`DELETE FROM inst_hour WHERE service = ? AND t = ?`),
      insReq: db.prepare(`INSERT INTO req_hour SELECT service, ?, route, instance_id, ${SUMS}
        FROM req_minute WHERE service = ? AND t >= ? AND t < ? GROUP BY route, instance_id`),
      insSvc: db.prepare(`INSERT INTO svc_hour SELECT service, ?, ${SUMS}
        FROM svc_minute WHERE service = ? AND t >= ? AND t < ? GROUP BY service`),
      insInst: db.prepare(`INSERT INTO inst_hour SELECT service, ?, instance_id, ${SUMS}
        FROM inst_minute WHERE service = ? AND t >= ? AND t < ? GROUP BY instance_id`),
      delRoute: db.prepare(`DELETE FROM route_hour WHERE service = ? AND route = ? AND t = ?`),
      insRoute: db.prepare(`INSERT INTO route_hour SELECT service, ?, route, ${SUMS}
        FROM route_minute WHERE service = ? AND route = ? AND t >= ? AND t < ? GROUP BY route`),
    };
  }

  /** Hours before this are rolled up (ms); queries read hour rows only below it. */
  get rolledUntil(): number {
    return this.rolled ?? Number.NEGATIVE_INFINITY;
  }

  /** Rolls one hour (a redo first, else the next closed one). Returns true if more is due. */
  step(now: number): boolean {
    const redo = this.stmts.nextRedo!.get() as number | undefined;
    if (redo !== undefined) {
      this.db.transaction(() => {
        this.rollHour(redo);
        this.stmts.deleteRedo!.run(redo);
      })();
      return true;
    }
    if (this.rolled === null) {
      const first = (this.stmts.minT!.get() as number | null) ?? Infinity;
      this.setRolled(hourOf(Number.isFinite(first) ? first : now));
    }
    const hour = this.rolled as number;
    if (hour + HOUR_MS + HOUR_GRACE_MS > now) return false;
    this.db.transaction(() => {
      this.rollHour(hour);
      this.setRolled(hour + HOUR_MS);
    })();
    return hour + 2 * HOUR_MS + HOUR_GRACE_MS <= now;
  }

  private setRolled(t: number): void {
    this.stmts.setRolled!.run(String(t));
    this.rolled = t;
  }

  private rollHour(hour: number): void {
    const end = hour + HOUR_MS;
    for (const service of this.services()) {
      this.stmts.delReq!.run(service, hour);
      this.stmts.delSvc!.run(service, hour);
      this.stmts.insReq!.run(hour, service, hour, end);
      this.stmts.insSvc!.run(hour, service, hour, end);
      this.stmts.delInst!.run(service, hour);
      this.stmts.insInst!.run(hour, service, hour, end);
      // Per route: route_minute leads with (service, route, t), so each route is one range.
      for (const route of this.routesOf(service)) {
        this.stmts.delRoute!.run(service, route, hour);
        this.stmts.insRoute!.run(hour, service, route, hour, end);
      }
    }
  }
}
