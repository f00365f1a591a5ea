// Parts of request time (queue wait, body read, response write) set against the response time
// of the same requests. Only some requests report a part — queue wait only those with a
// proxy's X-Request-Start, body read only those with a body — so a part's mean over its
// requests must not be compared with the mean response time of all requests (a few queued
// health checks would make "queue wait 99 % of response time" out of a fast service).
// Durations are not kept per request; the finest unit the rollups hold is a route of one
// process in one minute (req_minute). Each such cell's mean duration stands for the response
// time of its requests that reported the part. Whole hours already rolled up are read from
// req_hour (the same, per hour), so a week's range stays a bounded read.
import type { Database } from 'better-sqlite3';
import type { RangeQuery, RequestPart, RequestParts } from '../../storage';
import { splitRange } from '../../time-buckets';
import { StatementCache } from './statement-cache';

// Cells without requests are left out (WHERE count > 0): their parts have no duration to be
// set against, and plain sums over the rest cost half of CASE expressions per column.
const part = (p: string): string => `coalesce(sum(${p}_count), 0), coalesce(sum(${p}_sum), 0), coalesce(sum(${p}_count * dur_sum / count), 0)`;

const ALL_PARTS = `SELECT coalesce(sum(count), 0), coalesce(sum(dur_sum), 0), ${part('qw')}, ${part('br')}, ${part('rw')}`;
const QUEUE_ONLY = `SELECT 0, 0, ${part('qw')}`;

type Row = number[];

function emptyPart(): RequestPart {
  return { requests: 0, sumMs: 0, responseSumMs: 0 };
}

function addPart(into: RequestPart, row: Row, at: number): void {
  into.requests += row[at] as number;
  into.sumMs += row[at + 1] as number;
  into.responseSumMs += row[at + 2] as number;
}

export class RequestPartQueries {
  private readonly stmts: StatementCache;

  constructor(
    db: Database,
    private readonly rolledUntil: () => number,
  ) {
    this.stmts = new StatementCache(db);
  }

  /** Over [from, to) widened to whole minutes, as every rollup read. */
  requestParts(q: RangeQuery & { service: string }): RequestParts {
    const out: RequestParts = { requests: 0, responseSumMs: 0, queueWait: emptyPart(), bodyRead: emptyPart(), responseWrite: emptyPart() };
    this.read(ALL_PARTS, '', q, (row) => {
      out.requests += row[0] as number;
      out.responseSumMs += row[1] as number;
      addPart(out.queueWait, row, 2);
      addPart(out.bodyRead, row, 5);
      addPart(out.responseWrite, row, 8);
    });
    return out;
  }

  /** Queue wait alone (the services overview's share), reading only the cells that carried it. */
  queueWait(q: RangeQuery & { service: string }): RequestPart {
    const out = emptyPart();
    this.read(QUEUE_ONLY, ' AND qw_count > 0', q, (row) => addPart(out, row, 2));
    return out;
  }

  private read(select: string, filter: string, q: RangeQuery & { service: string }, each: (row: Row) => void): void {
    const one = (table: 'req_minute' | 'req_hour', from: number, to: number): void => {
      if (to <= from) return;
      // The primary key leads with (service, t): a range read over the service's cells.
      const sql = `${select} FROM ${table} WHERE service = ? AND t >= ? AND t < ? AND count > 0${filter}`;
      each(this.stmts.get(sql).raw().get(q.service, from, to) as Row);
    };
    const split = splitRange(q.from, q.to, this.rolledUntil(), true);
    one('req_hour', split.hours.from, split.hours.to);
    for (const m of split.minutes) one('req_minute', m.from, m.to);
  }
}
