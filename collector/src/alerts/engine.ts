// The alert engine: evaluates every rule on a fixed interval, moves its state (rule-state.ts),
// stores state and transitions, and hands notifications to the notifier (notifier.ts), which
// plans and queues them. Evaluation is a few short reads of the store per rule; sending never
// happens on this path (the queue is bounded and asynchronous), so a dead receiver cannot slow
// evaluation or ingest. Rules change through the engine too, so that a change that leaves a
// destination holding a firing alert no rule will resolve sends it the resolve first.
// A read that reaches a damaged part of the database file (StoreDamagedError) skips what it
// was for: the store says so once in the log and /healthz answers 503; the engine goes on with
// the rules it can read, on its interval, and does not repeat the message.
import type { AlertRule, AlertStateView, AlertTransition } from '../api-types';
import { errors } from '../errors';
import { StoreDamagedError, type Storage } from '../store/storage';
import { INITIAL_STATE, type AlertStore, type StoredRule } from './alert-store';
import { sameAlert, type EndedBy } from './notify/alert-notification';
import type { DeliveryQueue } from './notify/delivery-queue';
import { createNotifier } from './notify/notifier';
import { describeCondition, endAfterChange, endByPerson, evaluate, judgesOtherwise, keep, type Evaluation } from './rule-state';
import type { RuleSpec } from './rule-schema';
import { unlessDamaged } from './unless-damaged';
import { tooFewRequests } from './percentile-sample';
import { readSeriesWithCount, throughputIncomplete, type FindingsSource, type SeriesReading } from './series-reader';

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
   * Creates or replaces a rule. Destinations told its alert is firing that the change leaves
   * without news of it get the resolve: those it no longer names, or all of them when the
   * alert's labels change (then the rule starts afresh, rule-state.ts endAfterChange). A change
   * of what it judges (threshold, comparison, window, noData, finding kind) is judged at once on
   * a fresh reading: an alert the changed rule no longer raises ends as "rule changed" (its
   * resolve quotes no value that breached the old rule). Any other change (for, annotations) is
   * the same alert, judged at the next evaluation.
   */
  putRule(spec: RuleSpec, source: StoredRule['source']): StoredRule;
  /**
   * Deletes a rule. Destinations that were told it is firing are sent a resolve ("rule
   * deleted") first, so an incident opened by the rule does not stay open forever in the
   * receiver; the history records the deletion.
   */
  deleteRule(ruleId: string): boolean;
  /** Deletes a destination; what is queued or being retried for it is cancelled. */
  deleteDestination(destinationId: string): boolean;
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
  const notifier = createNotifier(store, queue, settings.groupIntervalMs);
  const states = new Map<string, AlertStateView>(unlessDamaged(() => store.states(), []).map((s) => [s.ruleId, s]));
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

  /** A failed step of rule `ruleId` ('prune' for pruning): said once a minute, a damaged file not again. */
  function report(ruleId: string, err: unknown): void {
    if (err instanceof StoreDamagedError) return;
    logOnce(ruleId, err instanceof Error ? err.message : String(err));
  }

  function save({ next, transition }: Evaluation): void {
    states.set(next.ruleId, next);
    const saved = store.saveState(next, transition);
    if (saved !== null) options.onTransition?.(saved);
  }

  /** The rule's series now, or null when the read failed (said by report). */
  function read(rule: AlertRule, t: number): SeriesReading | null {
    try {
      return readSeriesWithCount(storage, findings, rule, t);
    } catch (err) {
      report(rule.id, err);
      return null;
    }
  }

  function evaluateRule(stored: StoredRule, t: number): void {
    const rule = toRule(stored);
    const reading = read(rule, t);
    if (reading === null) return;
    const reason = keptBecause(rule, reading, t);
    const evaluation =
      reason === null ? evaluate(stateOf(rule.id), rule, reading.value, t, reading.instance) : keep(stateOf(rule.id), reading.value, t, reason, reading.instance);
    save(evaluation);
    notifier.notify(rule, evaluation.next, t);
  }

  /** Why the reading is not judged (the rule's state is kept), or null to judge it. */
  function keptBecause(rule: AlertRule, reading: SeriesReading, t: number): string | null {
    // A percentile from too few requests is one slow request, not a slow service.
    const few = reading.requests === null ? null : tooFewRequests(rule.series, reading.requests);
    if (few !== null) return few;
    // Requests the agents dropped are not a fall in traffic: a throughput window missing some
    // keeps the rule's state (as noData keep does) instead of firing or resolving on it.
    try {
      if (reading.value !== null && throughputIncomplete(storage, rule, t)) return 'the window is missing requests the agents dropped';
    } catch (err) {
      report(rule.id, err);
    }
    return null;
  }

  function evaluateAll(): void {
    if (closed) return;
    const t = now();
    for (const stored of unlessDamaged(() => store.rules(), [])) {
      // One rule's failure (a damaged page of its state, say) leaves the others evaluated.
      try {
        evaluateRule(stored, t);
      } catch (err) {
        report(stored.spec.id, err);
      }
    }
  }

  /**
   * Resolves the rule's alert (as `rule` describes it) at each destination told it is firing
   * for which `ends` holds, and forgets that it was told: it will hear of the rule again only
   * if the rule names it and fires.
   */
  function endAlert(rule: AlertRule, ends: (destinationId: string) => boolean, t: number, endedBy: EndedBy): void {
    const resolved: AlertStateView = { ...stateOf(rule.id), state: 'resolved', since: t };
    for (const destId of store.toldFiring(rule.id)) {
      if (!ends(destId)) continue;
      const dest = store.destination(destId);
      if (dest !== null) notifier.resolveEnded(rule, resolved, dest, t, endedBy);
      store.forgetNotified(rule.id, destId);
    }
  }

  /**
   * A change of what the rule judges, while it is pending or firing, judged at once on a fresh
   * reading under the changed rule: an alert it no longer raises ends now, as "rule changed"
   * (history and resolve say so), not at the next evaluation as if a value had resolved it —
   * which would also send a second firing should the value cross the new threshold later in the
   * same group interval. A reading the engine would not judge (too few requests, dropped
   * telemetry, no data under noData "keep") leaves the state to the next evaluation.
   */
  function judgeChange(rule: AlertRule, t: number): void {
    const state = stateOf(rule.id);
    if (state.state !== 'firing' && state.state !== 'pending') return;
    const reading = read(rule, t);
    if (reading === null || keptBecause(rule, reading, t) !== null) return;
    const judged = evaluate(state, rule, reading.value, t, reading.instance);
    if (judged.next.state !== 'resolved' && judged.next.state !== 'ok') return;
    if (state.state === 'firing') endAlert(rule, () => true, t, 'rule changed');
    const noData = reading.value === null ? ` (noData = ${rule.noData})` : '';
    save(endByPerson(state, rule, t, 'rule changed', `rule changed: it now reads ${describeCondition(rule, reading.value, reading.instance)}${noData}`));
  }

  /**
   * Destinations still recorded as told firing by a rule that no longer names them: left by a
   * version before rule changes sent resolves. Each start resolves them.
   */
  function resolveUnnamed(t: number): void {
    for (const stored of store.rules()) endAlert(toRule(stored), (destId) => !stored.spec.destinations.includes(destId), t, 'rule changed');
  }

  return {
    start(url) {
      notifier.start(url);
      unlessDamaged(() => resolveUnnamed(now()), undefined);
      evaluateAll();
      timer = setInterval(evaluateAll, settings.intervalMs);
      timer.unref();
      const prune = (): void => {
        try {
          store.prune(now() - settings.retentionMs);
        } catch (err) {
          report('prune', err);
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
      return dest === null ? null : notifier.sendTest(dest, now());
    },
    putRule(spec, source) {
      const t = now();
      const before = store.rule(spec.id);
      const stored = store.putRule(spec, source, t);
      if (before === null) return stored;
      const old = toRule(before);
      const changed = toRule(stored);
      if (sameAlert(old, changed)) {
        endAlert(old, (destId) => !changed.destinations.includes(destId), t, 'rule changed');
        if (judgesOtherwise(old, changed)) judgeChange(changed, t);
      } else {
        endAlert(old, () => true, t, 'rule changed');
        // A new alert to every destination: none waits out a group interval for it.
        store.forgetNotified(spec.id);
        save(endAfterChange(stateOf(spec.id), changed, t));
      }
      return stored;
    },
    deleteRule(ruleId) {
      const stored = store.rule(ruleId);
      if (stored === null) return false;
      const rule = toRule(stored);
      const t = now();
      endAlert(rule, () => true, t, 'rule deleted');
      save(endByPerson(stateOf(ruleId), rule, t, 'rule deleted', 'rule deleted', true));
      states.delete(ruleId);
      return store.deleteRule(ruleId);
    },
    deleteDestination(destinationId) {
      queue.cancelDestination(destinationId);
      return store.deleteDestination(destinationId);
    },
    async close() {
      closed = true;
      if (timer) clearInterval(timer);
      if (pruneTimer) clearInterval(pruneTimer);
      await queue.close();
    },
  };
}
