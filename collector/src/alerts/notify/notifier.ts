// From a rule's state to deliveries: what each destination should hear now (planned from what
// it was last told, notification-plan.ts), the body for its type, recorded as told and handed
// to the delivery queue.
//
// "Told" (AlertStore.notified) is written only for a delivery the queue took. A notification
// that finds the queue full is recorded as dropped and nothing else, so a later evaluation with
// room plans again from the rule's state then: the current state, not a replay. A rule that
// fired and resolved while the queue was full therefore sends nothing (the destination never
// heard it fire), and a dropped resolve is planned again while the destination still holds the
// firing. Until there is room, a rule and destination already owed are not planned again, so a
// full queue adds one dropped record per notification owed, not one per evaluation.
import { randomUUID } from 'node:crypto';
import type { AlertRule, AlertStateView } from '../../api-types';
import type { AlertStore, NewDelivery, SentStatus, StoredDestination } from '../alert-store';
import { unlessDamaged } from '../unless-damaged';
import { alertmanagerPayload } from './alertmanager-payload';
import { buildNotification, type AlertNotification, type EndedBy } from './alert-notification';
import type { DeliveryQueue, DeliveryTarget } from './delivery-queue';
import { maskedUrl } from '../destination-url';
import { plannedStatus } from './notification-plan';
import { slackPayload } from './slack-payload';

export interface Notifier {
  /**
   * Sets the base of the links in notifications, resumes the deliveries a stop left pending,
   * and queues the resolves asked for before (the rules file is applied before the start).
   */
  start(externalUrl: string): void;
  /** Plans and queues what each of the rule's destinations should hear now. */
  notify(rule: AlertRule, state: AlertStateView, t: number): void;
  /**
   * Sends `dest` the resolve of the rule's alert, which it was told is firing and which no
   * evaluation will plan again: the rule is deleted, no longer names the destination, or now
   * raises an alert with other labels. Taken past the queue's capacity, since nothing could
   * send it later; bounded by the rules and destinations there are. The destination's URL and
   * secret travel with it: a rules file that removes the destination with its rules still
   * closes the alert there. Deleting the destination through the API afterwards cancels it
   * (engine.deleteDestination). `state` is the rule's state as resolved now; `endedBy` what
   * ended the alert, which the resolve says instead of the last (breaching) value.
   */
  resolveEnded(rule: AlertRule, state: AlertStateView, dest: StoredDestination, t: number, endedBy: EndedBy): void;
  /** Queues a sample firing to one destination; returns the delivery id. */
  sendTest(dest: StoredDestination, t: number): string;
}

function targetOf(dest: StoredDestination): DeliveryTarget {
  return { url: dest.url, secret: dest.secret, shownUrl: maskedUrl(dest.url, dest.type) };
}

export function createNotifier(store: AlertStore, queue: DeliveryQueue, groupIntervalMs: number): Notifier {
  let externalUrl: string | null = null;
  const beforeStart: (() => void)[] = [];
  /** Rule and destination pairs whose notification was dropped while the queue is still full. */
  const owed = new Set<string>();

  function body(dest: StoredDestination, alerts: AlertNotification[]): string {
    return JSON.stringify(dest.type === 'slack' ? slackPayload(alerts) : alertmanagerPayload(dest.id, alerts, externalUrl ?? ''));
  }

  /**
   * The rule's state as the resolve reports it: a resolve held back by the group interval goes
   * out after the rule is ok again, and it still says when the alert resolved and on what value
   * (from the stored transition: its time, value and sentence, which names the process), not
   * what the evaluation that sends it read (QA: "resolved: no data over 1m", no value, for an
   * error rate that had resolved on 0 % four minutes before, once the traffic had stopped).
   */
  function asResolved(rule: AlertRule, state: AlertStateView, t: number): { state: AlertStateView; condition?: string } {
    if (state.state === 'resolved') return { state };
    const from = state.firingSince ?? 0;
    const resolve = store.transitions({ from, to: t + 1, ruleId: rule.id, limit: 10 }).find((tr) => tr.from === 'firing' && tr.to === 'resolved');
    if (!resolve) return { state };
    const { instance: _later, ...rest } = state;
    return { state: { ...rest, state: 'resolved', since: resolve.at, value: resolve.value }, condition: resolve.reason };
  }

  function delivery(rule: AlertRule, state: AlertStateView, dest: StoredDestination, status: SentStatus, t: number, endedBy?: EndedBy): NewDelivery {
    const reported = status === 'resolved' ? asResolved(rule, state, t) : { state };
    return {
      id: `msg_${randomUUID()}`,
      ruleId: rule.id,
      destinationId: dest.id,
      kind: status,
      createdAt: t,
      body: body(dest, [buildNotification(rule, reported.state, status, externalUrl ?? '', t, endedBy, reported.condition)]),
    };
  }

  function resumePending(): void {
    for (const pending of store.pendingDeliveries()) {
      const dest = store.destination(pending.destinationId);
      if (dest === null) {
        store.finishDelivery(pending.id, 'cancelled'); // its destination is gone
        continue;
      }
      // Counted against the capacity before the stop: dropping it now would lose a notification
      // already recorded as told.
      queue.enqueue(pending, targetOf(dest), { attemptsSoFar: pending.attempts, pastCapacity: true });
    }
  }

  return {
    start(url) {
      externalUrl = url;
      // A damaged file leaves what it holds pending (said once in the log by the store).
      unlessDamaged(resumePending, undefined);
      for (const send of beforeStart.splice(0)) unlessDamaged(send, undefined);
    },

    notify(rule, state, t) {
      if (rule.muted) return;
      if (owed.size > 0 && queue.hasRoom()) owed.clear();
      for (const destId of rule.destinations) {
        const key = `${rule.id}\u0000${destId}`;
        if (owed.has(key)) continue; // still no room
        const dest = store.destination(destId);
        if (dest === null) continue;
        const status = plannedStatus(state.state, store.notified(rule.id, destId), t, groupIntervalMs);
        if (status === null) continue;
        const d = delivery(rule, state, dest, status, t);
        if (queue.hasRoom()) {
          // Stored as told before it is sent: a stop in between leaves it pending, and the next
          // start resumes it rather than planning it again.
          store.recordNotification(rule.id, dest.id, status, d);
          queue.enqueue(d, targetOf(dest));
        } else {
          store.addDelivery(d);
          queue.drop(d);
          owed.add(key);
        }
      }
    },

    resolveEnded(rule, state, dest, t, endedBy) {
      const send = (): void => {
        const d = delivery(rule, state, dest, 'resolved', t, endedBy);
        store.addDelivery(d);
        queue.enqueue(d, targetOf(dest), { pastCapacity: true });
      };
      if (externalUrl === null) beforeStart.push(send);
      else send();
    },

    sendTest(dest, t) {
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
        destinations: [dest.id],
        labels: { severity: 'info' },
        annotations: { note: 'Sent by "send test notification"; no rule is firing.' },
        muted: false,
        source: 'api',
        createdAt: t,
        updatedAt: t,
      };
      const state: AlertStateView = { ruleId: sample.id, state: 'firing', since: t, activeSince: t, firingSince: t, value: 750, lastEvaluatedAt: t };
      const d: NewDelivery = { id: `msg_${randomUUID()}`, ruleId: null, destinationId: dest.id, kind: 'test', createdAt: t, body: body(dest, [buildNotification(sample, state, 'firing', externalUrl ?? '', t)]) };
      store.addDelivery(d);
      queue.enqueue(d, targetOf(dest));
      return d.id;
    },
  };
}
