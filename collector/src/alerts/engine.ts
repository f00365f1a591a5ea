// The alert engine: evaluates every rule on a fixed interval, moves its state (rule-state.ts),
// stores state and transitions, and hands notifications to the delivery queue. Evaluation is
// a few short reads of the store per rule; sending never happens on this path (the queue is
// bounded and asynchronous), so a dead receiver cannot slow evaluation or ingest.
import { randomUUID } from 'node:crypto';
import type { AlertRule, AlertStateView, AlertTransition } from '../api-types';
import { errors } from '../errors';
import type { Storage } from '../store/storage';
import { INITIAL_STATE, type AlertStore, type StoredDestination, type StoredRule } from './alert-store';
import { alertmanagerPayload } from './notify/alertmanager-payload';
import { buildNotification, type AlertNotification } from './notify/alert-notification';
import type { DeliveryQueue } from './notify/delivery-queue';
import { plannedStatus } from './notify/notification-plan';
import { slackPayload } from './notify/slack-payload';
import { evaluate } from './rule-state';
import { readSeries, type FindingsSource } from './series-reader';

export interface EngineSettings {
  /** How often every rule is evaluated. */
  intervalMs: number;
  /** At most one notification per rule and destination per this interval (the first firing is immediate). */
  groupIntervalMs: number;
  /** History and deliveries older than this are pruned (hourly); the collector passes its rollup retention. */
  retentionMs: number;
}

export const DEFAULT_ENGINE: EngineSettings = { intervalMs: 15_000, groupIntervalMs: 5 * 60_000, retentionMs: 30 * 86_400_000 };
const PRUNE_EVERY_MS = 3_600_000;

export interface AlertEngine {
  start(externalUrl: string): void;
  /** One evaluation pass now (the timer also runs them). */
  evaluateAll(): void;
  state(ruleId: string): AlertStateView;
  /** Sends a sample firing notification to one destination; returns the delivery id. */
  sendTest(destinationId: string): string | null;
  /**
   * Deletes a rule. Destinations that were told it is firing are sent a resolve first, so an
   * incident opened by the rule does not stay open forever in the receiver.
   */
  deleteRule(ruleId: string): boolean;
  close(): Promise<void>;
}

export function toRule(stored: StoredRule): AlertRule {
  return { ...stored.spec, source: stored.source, createdAt: stored.createdAt, updatedAt: stored.updatedAt };
}

export function createAlertEngine(options: {
  storage: Storage;
  store: AlertStore;
  queue: DeliveryQueue;
  findings: FindingsSource | null;
  settings: EngineSettings;
  now?: () => number;
  /** Told of every stored transition (the live stream pushes them to dashboards). */
  onTransition?: (transition: AlertTransition) => void;
}): AlertEngine {
  const { storage, store, queue, findings, settings } = options;
  const now = options.now ?? Date.now;
  const states = new Map<string, AlertStateView>(store.states().map((s) => [s.ruleId, s]));
  let externalUrl = '';
  let timer: NodeJS.Timeout | null = null;
  let pruneTimer: NodeJS.Timeout | null = null;
  let closed = false;
  const lastError = new Map<string, number>();

  function stateOf(ruleId: string): AlertStateView {
    return states.get(ruleId) ?? INITIAL_STATE(ruleId, now());
  }

  function logOnce(ruleId: string, message: string): void {
    const t = Date.now();
    if (t - (lastError.get(ruleId) ?? 0) < 60_000) return;
    lastError.set(ruleId, t);
    console.error(`headroom alerts: ${errors.alertEvaluation.code}: ${errors.alertEvaluation.message} (${ruleId}): ${message}`);
  }

  function body(dest: StoredDestination, alerts: AlertNotification[]): string {
    return JSON.stringify(dest.type === 'slack' ? slackPayload(alerts) : alertmanagerPayload(dest.id, alerts, externalUrl));
  }

  function notify(rule: AlertRule, state: AlertStateView, t: number): void {
    if (rule.muted) return;
    for (const destId of rule.destinations) {
      const dest = store.destination(destId);
      if (dest === null) continue;
      const status = plannedStatus(state.state, store.notified(rule.id, destId), t, settings.groupIntervalMs);
      if (status !== null) enqueue(rule, state, dest, status, t);
    }
  }

  function enqueue(rule: AlertRule, state: AlertStateView, dest: StoredDestination, status: 'firing' | 'resolved', t: number): void {
    const delivery = {
      id: `msg_${randomUUID()}`,
      ruleId: rule.id,
      destinationId: dest.id,
      kind: status,
      createdAt: t,
      body: body(dest, [buildNotification(rule, state, status, externalUrl, t)]),
    };
    // Stored as told before it is sent: a stop in between leaves it pending, and the next
    // start resumes it rather than planning it again.
    store.recordNotification(rule.id, dest.id, status, delivery);
    queue.enqueue(delivery, { url: dest.url, secret: dest.secret });
  }

  function evaluateRule(stored: StoredRule, t: number): void {
    const rule = toRule(stored);
    let value: number | null;
    try {
      value = readSeries(storage, findings, rule, t);
    } catch (err) {
      logOnce(rule.id, err instanceof Error ? err.message : String(err));
      return;
    }
    const { next, transition } = evaluate(stateOf(rule.id), rule, value, t);
    states.set(rule.id, next);
    const saved = store.saveState(next, transition);
    if (saved !== null) options.onTransition?.(saved);
    notify(rule, next, t);
  }

  function evaluateAll(): void {
    if (closed) return;
    const t = now();
    for (const stored of store.rules()) evaluateRule(stored, t);
  }

  function resumePending(): void {
    for (const pending of store.pendingDeliveries()) {
      const dest = store.destination(pending.destinationId);
      if (dest === null) {
        store.finishDelivery(pending.id, 'failed');
        continue;
      }
      queue.enqueue(pending, { url: dest.url, secret: dest.secret }, pending.attempts);
    }
  }

  return {
    start(url) {
      externalUrl = url;
      resumePending();
      evaluateAll();
      timer = setInterval(evaluateAll, settings.intervalMs);
      timer.unref();
      const prune = (): void => {
        try {
          store.prune(now() - settings.retentionMs);
        } catch (err) {
          logOnce('prune', err instanceof Error ? err.message : String(err));
        }
      };
      prune();
      pruneTimer = setInterval(prune, PRUNE_EVERY_MS);
      pruneTimer.unref();
    },
    evaluateAll,
    state: stateOf,
    sendTest(destinationId) {
      const dest = store.destination(destinationId);
      if (dest === null) return null;
      const t = now();
      const sample: AlertRule = {
        id: 'headroom-test',
        name: 'Headroom test notification',
        series: 'latency.p95',
        service: 'headroom-test',
        route: null,
        instanceId: null,
        findingKind: null,
        windowMs: 300_000,
        comparison: '>',
        threshold: 500,
        forMs: 0,
        noData: 'keep',
        destinations: [destinationId],
        labels: { severity: 'info' },
        annotations: { note: 'Sent by "send test notification"; no rule is firing.' },
        muted: false,
        source: 'api',
        createdAt: t,
        updatedAt: t,
      };
      const state: AlertStateView = { ruleId: sample.id, state: 'firing', since: t, activeSince: t, firingSince: t, value: 750, lastEvaluatedAt: t };
      const delivery = { id: `msg_${randomUUID()}`, ruleId: null, destinationId, kind: 'test' as const, createdAt: t, body: body(dest, [buildNotification(sample, state, 'firing', externalUrl, t)]) };
      store.addDelivery(delivery);
      queue.enqueue(delivery, { url: dest.url, secret: dest.secret });
      return delivery.id;
    },
    deleteRule(ruleId) {
      const stored = store.rule(ruleId);
      if (stored === null) return false;
      const rule = toRule(stored);
      const t = now();
      const state = stateOf(ruleId);
      for (const destId of rule.destinations) {
        const dest = store.destination(destId);
        if (dest !== null && store.notified(ruleId, destId)?.status === 'firing') {
          enqueue(rule, { ...state, state: 'resolved', since: t }, dest, 'resolved', t);
        }
      }
      states.delete(ruleId);
      return store.deleteRule(ruleId);
    },
    async close() {
      closed = true;
      if (timer) clearInterval(timer);
      if (pruneTimer) clearInterval(pruneTimer);
      await queue.close();
    },
  };
}
