// DISTINCT over the leading primary-key columns by hopping from key to key (one index seek
// each) instead of scanning every row: rollup tables hold millions of rows but few services.
import type { Database, Statement } from 'better-sqlite3';

export function distinctServices(db: Database, table: string): () => string[] {
  const first = db.prepare(`SELECT service FROM ${table} ORDER BY service LIMIT 1`).pluck();
  const next = db.prepare(`SELECT service FROM ${table} WHERE service > ? ORDER BY service LIMIT 1`).pluck();
  return () => hop(first, (prev: string) => next.get(prev) as string | undefined);
}

export function distinctServiceMetrics(db: Database, table: string): () => { service: string; metric: string }[] {
  const first = db.prepare(`SELECT service, metric FROM ${table} ORDER BY service, metric LIMIT 1`);
  const next = db.prepare(`SELECT service, metric FROM ${table} WHERE (service, metric) > (?, ?)
    ORDER BY service, metric LIMIT 1`);
  return () =>
    hop(first, (prev: { service: string; metric: string }) => next.get(prev.service, prev.metric) as { service: string; metric: string } | undefined);
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
