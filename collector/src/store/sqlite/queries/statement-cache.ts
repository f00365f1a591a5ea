// Prepared statements keyed by their SQL text: queries built from fixed fragments (optional
// filters) are prepared once per shape and reused.
import type { Database, Statement } from 'better-sqlite3';

export class StatementCache {
  private readonly cache = new Map<string, Statement>();

  constructor(private readonly db: Database) {}

  get(sql: string): Statement {
    let stmt = this.cache.get(sql);
    if (!stmt) {
      stmt = this.db.prepare(sql);
      this.cache.set(sql, stmt);
    }
    return stmt;
  }
}
