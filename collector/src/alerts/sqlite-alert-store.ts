// The AlertStore on the collector's SQLite file (tables from migration 2). Its own connection:
// better-sqlite3 is synchronous and single-threaded here, so it never writes at the same
// moment as the store's writer, and WAL lets either read while the other writes. Its reads
// run through the store's guard (damaged-file.ts): one that reaches a damaged page of the file
// answers 503 HR_STORE_DAMAGED, as the store's own reads do, and /healthz says so.
import { resolve } from 'node:path';
import type { Database } from 'better-sqlite3';
import type { AlertDelivery, AlertDeliveryAttempt, AlertStateName, AlertStateView, AlertTransition } from '../api-types';
import { DamagedFileReads } from '../store/sqlite/damaged-file';
import { openDatabase } from '../store/sqlite/open-database';
import type { AlertStore, DestinationAttempts, NewDelivery, NotifiedStatus, PendingDelivery, SentStatus, StoredDestination, StoredRule } from './alert-store';
import type { DestinationSpec, RuleSpec } from './rule-schema';

interface RuleRow {
  id: string;
  spec: string;
  source: 'api' | 'file';
  muted: number;
  created_ms: number;
  updated_ms: number;
}

interface StateRow {
  rule_id: string;
  state: AlertStateName;
  since_ms: number;
  active_since_ms: number | null;
  firing_since_ms: number | null;
  value: number | null;
  evaluated_ms: number | null;
}

interface TransitionRow {
  id: number;
  rule_id: string;
  service: string;
  at_ms: number;
  from_state: AlertStateName;
  to_state: AlertStateName;
  value: number | null;
  threshold: number;
  reason: string;
  series: AlertTransition['series'];
  cause: AlertTransition['cause'];
}

function toRule(row: RuleRow): StoredRule {
  const spec = JSON.parse(row.spec) as RuleSpec;
  return { spec: { ...spec, muted: row.muted === 1 }, source: row.source, createdAt: row.created_ms, updatedAt: row.updated_ms };
}

/** `reads`: the guard of the store on the same file (SqliteStorage.reads); by default one of its own. */
export function openSqliteAlertStore(path: string, reads: DamagedFileReads = new DamagedFileReads(resolve(path))): AlertStore {
  return new SqliteAlertStore(openDatabase(path), reads);
}

class SqliteAlertStore implements AlertStore {
  private failedWrites = 0;

  constructor(
    private readonly db: Database,
    private readonly reads: DamagedFileReads,
  ) {}

  rules(): StoredRule[] {
    return this.reads.read('the alert rules', null, () => (this.db.prepare('SELECT * FROM alert_rules ORDER BY id').all() as RuleRow[]).map(toRule));
  }

  rule(id: string): StoredRule | null {
    const row = this.reads.read('an alert rule', null, () => this.db.prepare('SELECT * FROM alert_rules WHERE id = ?').get(id) as RuleRow | undefined);
    return row ? toRule(row) : null;
  }

  putRule(spec: RuleSpec, source: 'api' | 'file', now: number): StoredRule {
    this.write('an alert rule', () => {
      this.db
        .prepare(`INSERT INTO alert_rules (id, spec, source, muted, created_ms, updated_ms) VALUES (?, ?, ?, ?, ?, ?)
                  ON CONFLICT (id) DO UPDATE SET spec = excluded.spec, source = excluded.source, muted = excluded.muted,
                  updated_ms = excluded.updated_ms`)
        .run(spec.id, JSON.stringify(spec), source, spec.muted ? 1 : 0, now, now);
    });
    return this.rule(spec.id) as StoredRule;
  }

  deleteRule(id: string): boolean {
    return this.write('an alert rule', () =>
      this.db.transaction(() => {
        const gone = this.db.prepare('DELETE FROM alert_rules WHERE id = ?').run(id).changes > 0;
        this.db.prepare('DELETE FROM alert_state WHERE rule_id = ?').run(id);
        this.db.prepare('DELETE FROM alert_notified WHERE rule_id = ?').run(id);
        return gone;
      })(),
    );
  }

  setMuted(id: string, muted: boolean, now: number): StoredRule | null {
    this.write('an alert rule', () => this.db.prepare('UPDATE alert_rules SET muted = ?, updated_ms = ? WHERE id = ?').run(muted ? 1 : 0, now, id));
    return this.rule(id);
  }

  destinations(): StoredDestination[] {
    return this.reads.read('the alert destinations', null, () => this.db.prepare('SELECT id, type, url, secret, source FROM alert_destinations ORDER BY id').all() as StoredDestination[]);
  }

  destination(id: string): StoredDestination | null {
    const row = this.reads.read('an alert destination', null, () => this.db.prepare('SELECT id, type, url, secret, source FROM alert_destinations WHERE id = ?').get(id) as StoredDestination | undefined);
    return row ?? null;
  }

  putDestination(spec: DestinationSpec, source: 'api' | 'file'): void {
    this.write('an alert destination', () => {
      this.db
        .prepare(`INSERT INTO alert_destinations (id, type, url, secret, source, created_ms) VALUES (?, ?, ?, ?, ?, ?)
                  ON CONFLICT (id) DO UPDATE SET type = excluded.type, url = excluded.url, secret = excluded.secret, source = excluded.source`)
        .run(spec.id, spec.type, spec.url, spec.secret, source, Date.now());
    });
  }

  deleteDestination(id: string): boolean {
    return this.write('an alert destination', () =>
      this.db.transaction(() => {
        this.db.prepare('DELETE FROM alert_notified WHERE destination_id = ?').run(id);
        // What is still pending for it (the queue cancels what it holds; this covers the rest).
        this.db.prepare(`UPDATE alert_deliveries SET status = 'cancelled' WHERE destination_id = ? AND status = 'pending'`).run(id);
        return this.db.prepare('DELETE FROM alert_destinations WHERE id = ?').run(id).changes > 0;
      })(),
    );
  }

  states(): AlertStateView[] {
    const rows = this.reads.read('the alert states', null, () => this.db.prepare('SELECT * FROM alert_state').all() as StateRow[]);
    return rows.map((r) => ({
      ruleId: r.rule_id,
      state: r.state,
      since: r.since_ms,
      activeSince: r.active_since_ms,
      firingSince: r.firing_since_ms,
      value: r.value,
      lastEvaluatedAt: r.evaluated_ms,
    }));
  }

  saveState(s: AlertStateView, transition: Omit<AlertTransition, 'id'> | null): AlertTransition | null {
    return this.write('an alert state', () =>
      this.db.transaction(() => {
        this.db
          .prepare(`INSERT INTO alert_state (rule_id, state, since_ms, active_since_ms, firing_since_ms, value, evaluated_ms)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (rule_id) DO UPDATE SET state = excluded.state, since_ms = excluded.since_ms,
                    active_since_ms = excluded.active_since_ms, firing_since_ms = excluded.firing_since_ms,
                    value = excluded.value, evaluated_ms = excluded.evaluated_ms`)
          .run(s.ruleId, s.state, s.since, s.activeSince, s.firingSince, s.value, s.lastEvaluatedAt);
        if (!transition) return null;
        const { lastInsertRowid } = this.db
          .prepare(`INSERT INTO alert_transitions (rule_id, service, at_ms, from_state, to_state, value, threshold, reason, series, cause)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
          .run(transition.ruleId, transition.service, transition.at, transition.from, transition.to, transition.value, transition.threshold, transition.reason, transition.series, transition.cause);
        return { id: Number(lastInsertRowid), ...transition };
      })(),
    );
  }

  transitions(q: { from: number; to: number; ruleId?: string; service?: string; limit: number }): AlertTransition[] {
    let sql = 'SELECT * FROM alert_transitions WHERE at_ms >= ? AND at_ms < ?';
    const params: (string | number)[] = [q.from, q.to];
    if (q.ruleId !== undefined) {
      sql += ' AND rule_id = ?';
      params.push(q.ruleId);
    }
    if (q.service !== undefined) {
      sql += ' AND service = ?';
      params.push(q.service);
    }
    sql += ' ORDER BY at_ms DESC, id DESC LIMIT ?';
    params.push(q.limit);
    const rows = this.reads.read('the alert history', q.service ?? null, () => this.db.prepare(sql).all(...params) as TransitionRow[]);
    return rows.map((r) => ({
      id: r.id,
      ruleId: r.rule_id,
      service: r.service,
      at: r.at_ms,
      from: r.from_state,
      to: r.to_state,
      value: r.value,
      threshold: r.threshold,
      reason: r.reason,
      series: r.series,
      cause: r.cause,
    }));
  }

  notified(ruleId: string, destinationId: string): { status: NotifiedStatus; at: number } | null {
    const row = this.reads.read(
      'what an alert destination was told',
      null,
      () => this.db.prepare('SELECT status, at_ms FROM alert_notified WHERE rule_id = ? AND destination_id = ?').get(ruleId, destinationId) as { status: NotifiedStatus; at_ms: number } | undefined,
    );
    return row ? { status: row.status, at: row.at_ms } : null;
  }

  toldFiring(ruleId: string): string[] {
    const rows = this.reads.read(
      'what alert destinations were told',
      null,
      () => this.db.prepare(`SELECT destination_id FROM alert_notified WHERE rule_id = ? AND status = 'firing' ORDER BY destination_id`).all(ruleId) as { destination_id: string }[],
    );
    return rows.map((r) => r.destination_id);
  }

  forgetNotified(ruleId: string, destinationId?: string): void {
    this.write('what an alert destination was told', () => {
      if (destinationId === undefined) this.db.prepare('DELETE FROM alert_notified WHERE rule_id = ?').run(ruleId);
      else this.db.prepare('DELETE FROM alert_notified WHERE rule_id = ? AND destination_id = ?').run(ruleId, destinationId);
    });
  }

  recordNotification(ruleId: string, destinationId: string, status: SentStatus, delivery: NewDelivery): void {
    this.write('what an alert destination was told', () => {
      this.db.transaction(() => {
        this.db
          .prepare(`INSERT INTO alert_notified (rule_id, destination_id, status, at_ms) VALUES (?, ?, ?, ?)
                    ON CONFLICT (rule_id, destination_id) DO UPDATE SET status = excluded.status, at_ms = excluded.at_ms`)
          .run(ruleId, destinationId, status, delivery.createdAt);
        this.insertDelivery(delivery);
      })();
    });
  }

  markUnreceived(firing: NewDelivery, at: number): void {
    this.write('what an alert destination was told', () => {
      if (firing.ruleId === null) return;
      // Only while the row is still this firing (recordNotification wrote at_ms = its createdAt):
      // a resolve or another firing told since is newer news.
      this.db
        .prepare(`UPDATE alert_notified SET status = 'unreceived', at_ms = ? WHERE rule_id = ? AND destination_id = ? AND status = 'firing' AND at_ms = ?`)
        .run(at, firing.ruleId, firing.destinationId, firing.createdAt);
    });
  }

  destinationAttempts(): Map<string, DestinationAttempts> {
    return this.reads.read('the attempts of alert deliveries', null, () => {
      // Per destination, two seeks of the attempts' destination indexes (migration 15), not a
      // pass over every attempt kept. Ties in the same millisecond: the one the index holds last.
      const latest = this.db.prepare(`SELECT at_ms, status_code, error FROM alert_delivery_attempts WHERE destination_id = ? ORDER BY at_ms DESC LIMIT 1`);
      const delivered = this.db
        .prepare(`SELECT max(at_ms) FROM alert_delivery_attempts WHERE destination_id = ? AND status_code BETWEEN 200 AND 299`)
        .pluck();
      const out = new Map<string, DestinationAttempts>();
      for (const id of this.db.prepare('SELECT id FROM alert_destinations ORDER BY id').pluck().all() as string[]) {
        const last = latest.get(id) as { at_ms: number; status_code: number | null; error: string | null } | undefined;
        if (last === undefined) continue;
        const deliveredAt = delivered.get(id) as number | null;
        out.set(id, { lastAttemptAt: last.at_ms, lastStatusCode: last.status_code, lastError: last.error, lastDeliveredAt: deliveredAt });
      }
      return out;
    });
  }

  addDelivery(d: NewDelivery): void {
    this.write('an alert delivery', () => this.insertDelivery(d));
  }

  private insertDelivery(d: NewDelivery): void {
    this.db
      .prepare(`INSERT INTO alert_deliveries (id, rule_id, destination_id, kind, status, created_ms, body) VALUES (?, ?, ?, ?, 'pending', ?, ?)`)
      .run(d.id, d.ruleId, d.destinationId, d.kind, d.createdAt, d.body);
  }

  addAttempt(deliveryId: string, a: AlertDeliveryAttempt): void {
    this.write('an alert delivery attempt', () => {
      this.db
        .prepare(`INSERT OR REPLACE INTO alert_delivery_attempts (delivery_id, attempt, at_ms, status_code, error, duration_ms, destination_id)
                  VALUES (?, ?, ?, ?, ?, ?, (SELECT destination_id FROM alert_deliveries WHERE id = ?))`)
        .run(deliveryId, a.attempt, a.at, a.statusCode, a.error, a.durationMs, deliveryId);
    });
  }

  finishDelivery(deliveryId: string, status: Exclude<AlertDelivery['status'], 'pending'>): void {
    this.write('an alert delivery', () => this.db.prepare('UPDATE alert_deliveries SET status = ? WHERE id = ?').run(status, deliveryId));
  }

  pendingDeliveries(): PendingDelivery[] {
    return this.reads.read('the pending alert deliveries', null, () => {
      const rows = this.db
        .prepare(`SELECT d.id, d.rule_id, d.destination_id, d.kind, d.created_ms, d.body,
                  (SELECT count(*) FROM alert_delivery_attempts a WHERE a.delivery_id = d.id) AS attempts
                  FROM alert_deliveries d WHERE d.status = 'pending' ORDER BY d.created_ms`)
        .all() as { id: string; rule_id: string | null; destination_id: string; kind: AlertDelivery['kind']; created_ms: number; body: string; attempts: number }[];
      return rows.map((r) => ({
        id: r.id,
        ruleId: r.rule_id,
        destinationId: r.destination_id,
        kind: r.kind,
        createdAt: r.created_ms,
        body: r.body,
        attempts: r.attempts,
      }));
    });
  }

  deliveries(q: { ruleId?: string; destinationId?: string; limit: number }): AlertDelivery[] {
    return this.reads.read('the alert deliveries', null, () => {
      let sql = 'SELECT id, rule_id, destination_id, kind, status, created_ms FROM alert_deliveries WHERE 1 = 1';
      const params: (string | number)[] = [];
      if (q.ruleId !== undefined) {
        sql += ' AND rule_id = ?';
        params.push(q.ruleId);
      }
      if (q.destinationId !== undefined) {
        sql += ' AND destination_id = ?';
        params.push(q.destinationId);
      }
      sql += ' ORDER BY created_ms DESC, id DESC LIMIT ?';
      params.push(q.limit);
      const rows = this.db.prepare(sql).all(...params) as {
        id: string;
        rule_id: string | null;
        destination_id: string;
        kind: AlertDelivery['kind'];
        status: AlertDelivery['status'];
        created_ms: number;
      }[];
      const attemptsOf = this.db.prepare('SELECT * FROM alert_delivery_attempts WHERE delivery_id = ? ORDER BY attempt');
      return rows.map((r) => ({
        id: r.id,
        ruleId: r.rule_id,
        destinationId: r.destination_id,
        kind: r.kind,
        status: r.status,
        createdAt: r.created_ms,
        attempts: (attemptsOf.all(r.id) as { attempt: number; at_ms: number; status_code: number | null; error: string | null; duration_ms: number }[]).map((a) => ({
          attempt: a.attempt,
          at: a.at_ms,
          statusCode: a.status_code,
          error: a.error,
          durationMs: a.duration_ms,
        })),
      }));
    });
  }

  prune(beforeMs: number): void {
    this.write('the pruning of alert history', () => {
      this.db.transaction(() => {
        this.db.prepare('DELETE FROM alert_transitions WHERE at_ms < ?').run(beforeMs);
        this.db
          .prepare(`DELETE FROM alert_delivery_attempts WHERE delivery_id IN
                    (SELECT id FROM alert_deliveries WHERE created_ms < ? AND status != 'pending')`)
          .run(beforeMs);
        this.db.prepare(`DELETE FROM alert_deliveries WHERE created_ms < ? AND status != 'pending'`).run(beforeMs);
      })();
    });
  }

  writeFailures(): number {
    return this.failedWrites;
  }

  /** Every write: counted when it fails, and a damaged page is the file's damaged state (said once). */
  private write<T>(what: string, query: () => T): T {
    try {
      return this.reads.write(what, query);
    } catch (err) {
      this.failedWrites++;
      throw err;
    }
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
