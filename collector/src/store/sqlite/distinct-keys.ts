// DISTINCT over the leading primary-key columns by hopping from key to key (one index seek
// each) instead of scanning every row: rollup tables hold millions of rows but few services.
import type { Database, Statement } from 'better-sqlite3';

export function distinctServices(db: Database, table: string): () => string[] {
  const first = db.prepare(`SELECT service FROM ${table} ORDER BY service LIMIT 1`).pluck();
  const next = db.prepare(`SELECT service FROM ${table} WHERE service > ? ORDER BY service LIMIT 1`).pluck();
  return () => hop(first, (prev: string) => next.get(prev) as string | undefined);
}

/** Distinct (service, second key) pairs, e.g. (service, metric) of the gauge tables. */
export function distinctServicePairs(db: Database, table: string, column: string): () => { service: string; key: string }[] {
  const first = db.prepare(`SELECT service, ${column} AS key FROM ${table} ORDER BY service, ${column} LIMIT 1`);
  const next = db.prepare(`SELECT service, ${column} AS key FROM ${table} WHERE (service, ${column}) > (?, ?)
    ORDER BY service, ${column} LIMIT 1`);
  return () => hop(first, (prev: { service: string; key: string }) => next.get(prev.service, prev.key) as { service: string; key: string } | undefined);
}

function hop<T>(first: Statement, next: (prev: T) => T | undefined): T[] {
  const out: T[] = [];
  let cur = first.get() as T | undefined;
  while (cur !== undefined) {
    out.push(cur);
    cur = next(cur);
  }
  return out;
}

/** The distinct values of a second key column within one service (e.g. its routes). */
export function distinctWithin(db: Database, table: string, column: string): (service: string) => string[] {
  const first = db.prepare(`SELECT ${column} FROM ${table} WHERE service = ? ORDER BY ${column} LIMIT 1`).pluck();
  const next = db.prepare(`SELECT ${column} FROM ${table} WHERE service = ? AND ${column} > ? ORDER BY ${column} LIMIT 1`).pluck();
  return (service) => {
    const out: string[] = [];
    let cur = first.get(service) as string | undefined;
    while (cur !== undefined) {
      out.push(cur);
      cur = next.get(service, cur) as string | undefined;
    }
    return out;
  };
}
