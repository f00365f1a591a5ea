// Span rows into `spans`, ROWS_PER_INSERT at a time (hot path: the writer's largest cost).
//
// One INSERT with many VALUES tuples runs the statement's bind/step/reset cycle and the
// better-sqlite3 call once per group instead of once per span: −2 µs of ~10 µs per span row
// measured here (bench/ingest/stages). The trace id is bound as hex text and turned into
// its 16-byte BLOB by SQLite's unhex(): cheaper than a Buffer per span on the JS side.
//
// A span already stored (same trace and span id: a sender's retry of a request whose answer
// it missed) is skipped, by the unique index of migration 6. DO NOTHING names that conflict
// only, so any other constraint still fails the write (OR IGNORE would drop such rows silently).
import type { Database, RunResult, Statement } from 'better-sqlite3';

export const SPAN_COLUMNS = [
  'trace_id', 'span_id', 'parent_span_id', 'service', 'instance_id', 'name', 'kind', 'start_ns',
  'duration_ns', 'status_code', 'status_message', 'route', 'is_root', 'is_stall', 'attributes', 'events',
  'dropped_attributes', 'dropped_events',
] as const;

/** One span row's values, in SPAN_COLUMNS order (trace_id as lower-case hex). */
export type SpanRowValues = [
  traceIdHex: string,
  spanId: string,
  parentSpanId: string | null,
  service: string,
  instanceId: string,
  name: string,
  kind: number,
  startNs: bigint,
  durationNs: bigint,
  statusCode: number,
  statusMessage: string | null,
  route: string | null,
  isRoot: 0 | 1,
  isStall: 0 | 1,
  attributes: string,
  events: string | null,
  droppedAttributes: number | null,
  droppedEvents: number | null,
];

const WIDTH = SPAN_COLUMNS.length;
/** 32 × 18 = 576 parameters per statement, far below SQLite's limit (32 766). */
const ROWS_PER_INSERT = 32;

function insertSql(rows: number): string {
  const tuple = `(unhex(?), ${new Array<string>(WIDTH - 1).fill('?').join(', ')})`;
  return `INSERT INTO spans (${SPAN_COLUMNS.join(', ')}) VALUES ${new Array<string>(rows).fill(tuple).join(', ')}
    ON CONFLICT (trace_id, span_id) DO NOTHING`;
}

/**
 * Collects span rows and inserts them in groups. Use within one transaction: add() each
 * row, then finish() for the rest; the groups never outlive the transaction.
 */
export class SpanInserts {
  private readonly one: Statement;
  private readonly many: Statement;
  private readonly pending: unknown[] = new Array<unknown>(WIDTH * ROWS_PER_INSERT);
  private rows = 0;
  private lastId: number | bigint | null = null;

  constructor(db: Database) {
    this.one = db.prepare(insertSql(1));
    this.many = db.prepare(insertSql(ROWS_PER_INSERT));
  }

  add(values: SpanRowValues): void {
    const at = this.rows * WIDTH;
    for (let i = 0; i < WIDTH; i++) this.pending[at + i] = values[i];
    if (++this.rows === ROWS_PER_INSERT) {
      this.track(this.many.run(this.pending));
      this.rows = 0;
    }
  }

  /**
   * Inserts what add() still holds; returns the highest span row id this transaction inserted,
   * or null when it inserted none (every span was already stored, or there were none).
   */
  finish(): number | bigint | null {
    for (let r = 0; r < this.rows; r++) this.track(this.one.run(this.pending.slice(r * WIDTH, (r + 1) * WIDTH)));
    this.pending.fill(null);
    this.rows = 0;
    const last = this.lastId;
    this.lastId = null;
    return last;
  }

  /**
   * SQLite's last insert rowid is the connection's, not the statement's: when every row of a
   * statement was skipped it still names an earlier insert, possibly into another table with
   * higher ids, and retention would then delete spans by a mark that is too high. Only a
   * statement that inserted rows moves it; its rowids grow, so the last one is the highest.
   */
  private track(result: RunResult): void {
    if (result.changes > 0) this.lastId = result.lastInsertRowid;
  }

  /** Drops held rows after a failed transaction (SQLite rolled back the inserted ones). */
  reset(): void {
    this.pending.fill(null);
    this.rows = 0;
    this.lastId = null;
  }
}
