// Sends notifications without ever holding up evaluation or ingest: a bounded queue (a full
// queue drops the new notification and records it as dropped; notifier.ts plans it again
// once there is room), a few deliveries at a time, each attempt under a timeout, retries per
// retry-policy. Deliveries to the same rule and destination go out in order — a resolve never overtakes the firing it resolves — and every
// attempt is written to the AlertStore. Pending deliveries stay pending in the store across
// a stop, and are resumed by the next start. A deleted destination's deliveries are cancelled:
// it is sent nothing more, not even a retry already scheduled.
import type { AlertDeliveryAttempt } from '../../api-types';
import { errors } from '../../errors';
import { StoreDamagedError } from '../../store/storage';
import type { AlertStore, NewDelivery } from '../alert-store';
import { ANY_HOST, destinationRefusal, type DestinationPolicy } from './destination-policy';
import { postWebhook } from './post-webhook';
import { isRetryable, retryAfterMs, retryDelayMs, type RetrySettings } from './retry-policy';
import { signatureHeaders } from './standard-webhooks-signature';

export interface DeliverySettings extends RetrySettings {
  /** Deliveries waiting or in progress before new ones are dropped. */
  capacity: number;
  concurrency: number;
  /** In flight to one destination at most, so a dead receiver cannot take every slot from the healthy ones. */
  perDestination: number;
  /** Per attempt: connect, send and the receiver's answer. */
  timeoutMs: number;
}

export const DEFAULT_DELIVERY: DeliverySettings = {
  capacity: 1000,
  concurrency: 8,
  perDestination: 2,
  timeoutMs: 10_000,
  maxAttempts: 6,
  baseDelayMs: 1_000,
  maxDelayMs: 5 * 60_000,
};

export interface DeliveryTarget {
  url: string;
  secret: string | null;
  /** The URL as logs may show it (destination-url.ts: a Slack webhook URL is itself a secret). */
  shownUrl: string;
}

interface Job {
  delivery: NewDelivery;
  target: DeliveryTarget;
  attempts: number;
  key: string;
  /** Its destination was deleted: an attempt in flight ends the delivery as `cancelled`. */
  cancelled?: boolean;
}

export interface EnqueueOptions {
  /** Attempts made before a stop, for a delivery resumed at start. */
  attemptsSoFar?: number;
  /**
   * Taken even when the queue is full: a delivery resumed after a stop (it was counted
   * before), or a resolve that nothing could plan again (notifier.ts, resolveEnded).
   */
  pastCapacity?: boolean;
}

export interface DeliveryQueue {
  /** False when the queue is full (the delivery is then recorded as dropped) or closed. */
  enqueue(delivery: NewDelivery, target: DeliveryTarget, options?: EnqueueOptions): boolean;
  /** Whether a new delivery would be taken now. */
  hasRoom(): boolean;
  /** Records a delivery the queue has no room for as dropped, and says so in the log (once a minute). */
  drop(delivery: NewDelivery): void;
  size(): number;
  /** Resolves when nothing is queued, waiting or in flight (tests). */
  idle(): Promise<void>;
  /**
   * The destination was deleted: its deliveries waiting, waiting to retry or in flight are
   * cancelled (recorded as such) and nothing more is sent to it.
   */
  cancelDestination(destinationId: string): void;
  /** Stops sending; what is left stays pending in the store. */
  close(): Promise<void>;
}

export function createDeliveryQueue(store: AlertStore, settings: DeliverySettings, now: () => number = Date.now, policy: DestinationPolicy = ANY_HOST): DeliveryQueue {
  const waiting: Job[] = [];
  const busyKeys = new Set<string>();
  const perDestination = new Map<string, number>();
  const inFlight = new Set<Promise<void>>();
  /** Retry timers, with the job each brings back. */
  const timers = new Map<NodeJS.Timeout, Job>();
  const controllers = new Map<AbortController, Job>();
  let total = 0;
  let closed = false;
  let idleWaiters: (() => void)[] = [];
  let lastLog = 0;

  function log(message: string): void {
    const t = Date.now();
    if (t - lastLog < 60_000) return;
    lastLog = t;
    console.error(`headroom alerts: ${message}`);
  }

  function checkIdle(): void {
    if (total === 0) {
      const ws = idleWaiters;
      idleWaiters = [];
      for (const w of ws) w();
    }
  }

  function pump(): void {
    if (closed) return;
    for (let i = 0; i < waiting.length && inFlight.size < settings.concurrency; ) {
      const job = waiting[i] as Job;
      const dest = job.delivery.destinationId;
      if (busyKeys.has(job.key) || (perDestination.get(dest) ?? 0) >= settings.perDestination) {
        i++;
        continue;
      }
      waiting.splice(i, 1);
      busyKeys.add(job.key);
      perDestination.set(dest, (perDestination.get(dest) ?? 0) + 1);
      const p = attempt(job)
        // Nothing in attempt() is meant to throw (its store writes go through record()); if
        // something does, the delivery fails instead of the collector.
        .catch((err: unknown) => {
          log(`${errors.alertDelivery.code}: ${errors.alertDelivery.message}: ${job.target.shownUrl}: ${describe(err)}`);
          done(job, 'failed');
        })
        .finally(() => {
          inFlight.delete(p);
          perDestination.set(dest, (perDestination.get(dest) ?? 1) - 1);
          pump();
        });
      inFlight.add(p);
    }
  }

  /**
   * A write of the store from the queue's callbacks. One that fails (a damaged page, a full
   * disk) loses what it recorded and nothing else: the store counted it and said a damaged file
   * once, and the queue's own bookkeeping goes on (thrown here, it was an unhandled rejection
   * that ended the collector, and the job's key stayed busy).
   */
  function record(write: () => void): void {
    try {
      write();
    } catch (err) {
      if (!(err instanceof StoreDamagedError)) log(`${errors.alertStoreWrite.code}: ${errors.alertStoreWrite.message}: ${describe(err)}`);
    }
  }

  function done(job: Job, status: 'delivered' | 'failed'): void {
    record(() => store.finishDelivery(job.delivery.id, status));
    if (status === 'failed' && job.delivery.kind === 'firing') {
      record(() => store.markUnreceived(job.delivery, now()));
      skipResolvesAfter(job.key);
    }
    busyKeys.delete(job.key);
    total--;
    checkIdle();
    pump();
  }

  /**
   * A firing that never arrived leaves nothing for the resolves queued behind it to resolve:
   * they are not sent (`skipped`), as Alertmanager sends no resolve for an alert group its
   * notification log has no successful firing of. A later firing of the same key still goes.
   */
  function skipResolvesAfter(key: string): void {
    for (let i = waiting.findIndex((j) => j.key === key); i >= 0 && waiting[i]?.delivery.kind === 'resolved'; i = waiting.findIndex((j) => j.key === key)) {
      const [skipped] = waiting.splice(i, 1);
      if (skipped === undefined) break;
      record(() => store.finishDelivery(skipped.delivery.id, 'skipped'));
      total--;
    }
  }

  async function attempt(job: Job): Promise<void> {
    job.attempts++;
    const started = now();
    const startedHr = performance.now();
    // A destination stored before the policy forbade it: refused, never retried.
    const refusal = destinationRefusal(new URL(job.target.url), policy);
    if (refusal !== null) {
      record(() => store.addAttempt(job.delivery.id, { attempt: job.attempts, at: started, statusCode: null, error: `refused: ${refusal}`, durationMs: 0 }));
      log(`${errors.alertDelivery.code}: ${errors.alertDelivery.message}: ${job.target.shownUrl} refused: ${refusal}`);
      done(job, 'failed');
      return;
    }
    const controller = new AbortController();
    controllers.set(controller, job);
    const timer = setTimeout(() => controller.abort(), settings.timeoutMs);
    let statusCode: number | null = null;
    let error: string | null = null;
    let retryAfter: number | null = null;
    let refused = false;
    try {
      const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 'headroom-alerts' };
      if (job.target.secret !== null) {
        // A fresh timestamp per attempt (receivers refuse old ones); the id stays, for de-duplication.
        Object.assign(headers, signatureHeaders(job.target.secret, job.delivery.id, Math.floor(now() / 1000), job.delivery.body));
      } else headers['webhook-id'] = job.delivery.id;
      const answer = await postWebhook(job.target.url, headers, job.delivery.body, controller.signal);
      statusCode = answer.status;
      retryAfter = retryAfterMs(answer.retryAfter, now());
    } catch (err) {
      refused = (err as NodeJS.ErrnoException | null)?.code === 'HR_ALERT_ADDRESS_REFUSED';
      error = controller.signal.aborted ? `no answer within ${settings.timeoutMs} ms` : describe(err);
    } finally {
      clearTimeout(timer);
      controllers.delete(controller);
    }
    if (closed && statusCode === null) return; // cut by close(): the delivery stays pending for the next start
    if (job.cancelled === true && statusCode === null) {
      cancelled(job); // aborted by cancelDestination: not an attempt that went unanswered
      return;
    }
    const attempted: AlertDeliveryAttempt = { attempt: job.attempts, at: started, statusCode, error, durationMs: Math.round((performance.now() - startedHr) * 10) / 10 };
    record(() => store.addAttempt(job.delivery.id, attempted));
    if (statusCode !== null && statusCode >= 200 && statusCode < 300) {
      done(job, 'delivered');
      return;
    }
    if (job.cancelled === true) {
      cancelled(job);
      return;
    }
    if (!isRetryable(statusCode) || refused || job.attempts >= settings.maxAttempts || closed) {
      if (!closed || statusCode !== null) {
        log(`${errors.alertDelivery.code}: ${errors.alertDelivery.message}: ${job.target.shownUrl} answered ${statusCode ?? error} after ${job.attempts} attempt(s)`);
        if (!closed) done(job, 'failed');
      }
      return;
    }
    const wait = retryDelayMs(settings, job.attempts, retryAfter);
    const t = setTimeout(() => {
      timers.delete(t);
      busyKeys.delete(job.key);
      // Back to the front of its key's line, so later deliveries of the same group stay behind it.
      waiting.unshift(job);
      pump();
    }, wait);
    t.unref();
    timers.set(t, job);
  }

  function cancelled(job: Job): void {
    record(() => store.finishDelivery(job.delivery.id, 'cancelled'));
    busyKeys.delete(job.key);
    total--;
    checkIdle();
  }

  function drop(delivery: NewDelivery): void {
    record(() => store.finishDelivery(delivery.id, 'dropped'));
    log(`${errors.alertQueueFull.code}: ${errors.alertQueueFull.message} (${settings.capacity} waiting)`);
  }

  return {
    enqueue(delivery, target, options = {}) {
      if (closed) return false;
      if (total >= settings.capacity && options.pastCapacity !== true) {
        drop(delivery);
        return false;
      }
      total++;
      waiting.push({ delivery, target, attempts: options.attemptsSoFar ?? 0, key: `${delivery.ruleId ?? delivery.id}\u0000${delivery.destinationId}` });
      pump();
      return true;
    },
    hasRoom: () => total < settings.capacity,
    drop,
    size: () => total,
    idle() {
      if (total === 0) return Promise.resolve();
      return new Promise((resolve) => idleWaiters.push(resolve));
    },
    cancelDestination(destinationId) {
      for (let i = waiting.length - 1; i >= 0; i--) {
        const job = waiting[i] as Job;
        if (job.delivery.destinationId !== destinationId) continue;
        waiting.splice(i, 1);
        cancelled(job);
      }
      for (const [t, job] of timers) {
        if (job.delivery.destinationId !== destinationId) continue;
        clearTimeout(t);
        timers.delete(t);
        cancelled(job);
      }
      // In flight: aborted; attempt() then ends it as cancelled, without recording a retry.
      for (const [c, job] of controllers) {
        if (job.delivery.destinationId !== destinationId) continue;
        job.cancelled = true;
        c.abort();
      }
      pump();
    },
    async close() {
      closed = true;
      for (const t of timers.keys()) clearTimeout(t);
      timers.clear();
      for (const c of controllers.keys()) c.abort();
      await Promise.allSettled([...inFlight]);
      const ws = idleWaiters;
      idleWaiters = [];
      for (const w of ws) w();
    },
  };
}

function describe(err: unknown): string {
  if (err instanceof Error) {
    const cause = (err as { cause?: unknown }).cause;
    const code = (cause as { code?: string } | undefined)?.code;
    return code !== undefined ? `${err.message} (${code})` : err.message;
  }
  return String(err);
}
