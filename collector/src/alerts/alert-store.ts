// What the alert engine, the delivery queue and the API need to remember. An interface, so
// the engine does not know about SQLite (the SQLite version is sqlite-alert-store.ts).
import type {
  AlertDelivery,
  AlertDeliveryAttempt,
  AlertStateName,
  AlertStateView,
  AlertTransition,
} from '../api-types';
import type { DestinationSpec, RuleSpec } from './rule-schema';

export interface StoredRule {
  spec: RuleSpec;
  source: 'api' | 'file';
  createdAt: number;
  updatedAt: number;
}

export interface StoredDestination extends DestinationSpec {
  source: 'api' | 'file';
}

/** What a notification tells a destination. */
export type SentStatus = 'firing' | 'resolved';

/**
 * What a destination was last told: a notification the queue took, or `unreceived` — a firing
 * whose delivery failed, so the destination holds nothing. As Alertmanager's notification log
 * (written only after a successful send): no resolve is sent for it, and the firing is planned
 * again once a group interval has passed (notification-plan.ts).
 */
export type NotifiedStatus = SentStatus | 'unreceived';

/** How the latest deliveries to a destination went (from their recorded attempts). */
export interface DestinationAttempts {
  lastAttemptAt: number;
  lastStatusCode: number | null;
  lastError: string | null;
  /** The latest attempt answered 2xx, or null if none did. */
  lastDeliveredAt: number | null;
}

export interface NewDelivery {
  id: string;
  ruleId: string | null;
  destinationId: string;
  kind: AlertDelivery['kind'];
  createdAt: number;
  /** The exact body sent (and signed) on every attempt. */
  body: string;
}

export interface PendingDelivery extends NewDelivery {
  attempts: number;
}

export interface AlertStore {
  rules(): StoredRule[];
  rule(id: string): StoredRule | null;
  /** Inserts or replaces; keeps createdAt of an existing rule. */
  putRule(spec: RuleSpec, source: 'api' | 'file', now: number): StoredRule;
  deleteRule(id: string): boolean;
  setMuted(id: string, muted: boolean, now: number): StoredRule | null;

  destinations(): StoredDestination[];
  destination(id: string): StoredDestination | null;
  putDestination(spec: DestinationSpec, source: 'api' | 'file'): void;
  /** Deletes it, forgets what it was told, and cancels its pending deliveries. */
  deleteDestination(id: string): boolean;

  states(): AlertStateView[];
  /** Writes the new state and, when it changed, the transition, in one transaction; returns the stored transition. */
  saveState(state: AlertStateView, transition: Omit<AlertTransition, 'id'> | null): AlertTransition | null;
  transitions(q: { from: number; to: number; ruleId?: string; service?: string; limit: number }): AlertTransition[];

  /**
   * What the destination was last told about the rule: by a delivery the queue took (sent,
   * being sent, or pending across a stop). The one source of truth for planning.
   */
  notified(ruleId: string, destinationId: string): { status: NotifiedStatus; at: number } | null;
  /** The destinations last told that the rule is firing. */
  toldFiring(ruleId: string): string[];
  /** Records what a destination is (being) told, together with the delivery that tells it. */
  recordNotification(ruleId: string, destinationId: string, status: SentStatus, delivery: NewDelivery): void;
  /**
   * The firing `firing` (recorded as told) failed for good: the destination is recorded as
   * holding nothing (`unreceived`, at `at`), unless it has been told something newer since.
   */
  markUnreceived(firing: NewDelivery, at: number): void;
  /** The latest attempt of a delivery to each stored destination that had one (and its latest 2xx), by destination id. */
  destinationAttempts(): Map<string, DestinationAttempts>;
  /** Forgets what one destination (or, without one, every destination) was told about the rule. */
  forgetNotified(ruleId: string, destinationId?: string): void;
  addDelivery(delivery: NewDelivery): void;
  addAttempt(deliveryId: string, attempt: AlertDeliveryAttempt): void;
  finishDelivery(deliveryId: string, status: Exclude<AlertDelivery['status'], 'pending'>): void;
  /** Deliveries left pending by a stop, to resume. */
  pendingDeliveries(): PendingDelivery[];
  deliveries(q: { ruleId?: string; destinationId?: string; limit: number }): AlertDelivery[];
  /** Deletes transitions and finished deliveries (with their attempts) older than `beforeMs`. */
  prune(beforeMs: number): void;
  /** Writes that failed since the start (a damaged file, a full disk): what they recorded is lost. */
  writeFailures(): number;
  close(): void;
}

export const INITIAL_STATE = (ruleId: string, now: number): AlertStateView => ({
  ruleId,
  state: 'ok' as AlertStateName,
  since: now,
  activeSince: null,
  firingSince: null,
  value: null,
  lastEvaluatedAt: null,
});
