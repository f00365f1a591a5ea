// Queue wait: time a request spent in front of the app — between the proxy stamping
// X-Request-Start and the app seeing it — is time the app cannot see in its own response
// time. When it is a large share of what the client waited, the fix is not in the code:
// there are too few processes taking requests (or the proxy queues them), so capacity in
// front of the app is short. Unless no process was busy: then the requests did not wait for a
// free process but in front of idle ones — a proxy's cap on its connections to the app, held
// by slow requests (QA: 14 ms of queue wait behind a 16-connection proxy while the workers'
// utilisation stayed at 0.27, and the finding said every process was busy).

/**
 * The highest event-loop utilisation of any serving process in any minute of the window, or
 * null with fewer than minSamples points (no judgement then).
 */
function busiestProcessMinute(ctx: ServiceContext): number | null {
  const serving = new Set(servingInstances(ctx.instances).map((i) => i.instanceId));
  let highest = 0;
  let samples = 0;
  for (const s of gauge(ctx, 'eventloop.utilization')) {
    if (!serving.has(s.instanceId)) continue;
    for (const b of s.buckets) {
      if (b.count === 0) continue;
      samples += b.count;
      highest = Math.max(highest, b.sum / b.count);
    }
  }
  return samples >= ctx.thresholds.minSamples ? Math.min(1, highest) : null;
}
import type { Finding } from '../api-types';
import { count, finding, gauge, ms, percent, percentOf, round, servingInstances, windowWords, type ServiceContext } from './context';
import { requestBreakdown } from './request-breakdown';

export const queueWaitRule = (ctx: ServiceContext): Finding[] => {
  const t = ctx.thresholds;
  const b = requestBreakdown(ctx);
  const q = b.queueWait;
  // Judged over the requests that carried the header, on both sides of the share.
  if (q === null || q.requests < t.minRequests) return [];
  if (q.share < t.queueWaitShare || q.meanMs < t.queueWaitMinMs) return [];
  const all = q.requests >= b.requests;
  const busiest = busiestProcessMinute(ctx);
  // Compared as shown (two decimals), as the capacity rule does.
  const hadRoom = busiest !== null && round(busiest, 2) < t.capacityBusy;
  const carried = all
    ? `all ${count(b.requests)} requests carried a queue-start header (X-Request-Start or X-Queue-Start)`
    : `${count(q.requests)} of ${count(b.requests)} requests (${percentOf(q.requests, b.requests)}) carried a queue-start header (X-Request-Start or X-Queue-Start)`;
  return [finding(ctx, {
    kind: 'queue.wait-share',
    subject: 'service',
    severity: q.share >= t.queueWaitShareCritical ? 'critical' : 'warning',
    title: `Queue wait is ${percent(q.share)} of response time${all ? '' : ` for the ${percentOf(q.requests, b.requests)} of requests with a queue-start header`}: ${
      hadRoom ? 'requests queue in front of processes that had room' : 'capacity is short in front of the app'
    }`,
    summary: `Over ${windowWords(ctx.asked)}, ${carried}; ${all ? 'they' : 'those'} waited ${ms(q.meanMs)} on average before the app saw them and then took ${ms(q.meanResponseMs)} in the app: ${percent(q.share)} of their time went to queueing.${all ? '' : ' The other requests did not say how long they waited.'}${
      hadRoom ? ` No process was busy: event-loop utilisation stayed at or below ${round(busiest, 2)} in every serving process and minute (busy from ${t.capacityBusy}).` : ''
    }`,
    figures: {
      queueWaitShare: round(q.share, 3),
      meanQueueWaitMs: round(q.meanMs, 1),
      meanResponseMs: round(q.meanResponseMs, 1),
      requestsWithHeader: q.requests,
      requests: b.requests,
      // Without enough utilisation points (an SDK that sends none) nothing is said of it.
      ...(busiest === null ? {} : { busiestUtilizationPerProcess: round(busiest, 2) }),
    },
    page: '',
    cause: hadRoom
      ? 'The requests did not wait for a free process: the proxy in front held them — most often a cap on its connections to the app (nginx upstream max_conns or a small keepalive pool, HAProxy maxconn) taken up by slow requests — or a process’s event loop was blocked by a stall and read nothing meanwhile; the app cannot see this time in its own timings.'
      : all
        ? 'Requests queue in the proxy or the listen backlog because every process is busy (or there are too few of them); the app cannot see this time in its own timings.'
        : 'The requests that pass the proxy stamping the header queue in it or in the listen backlog because every process is busy (or there are too few of them), or the proxy limits its upstream connections; the app cannot see this time in its own timings.',
    change: hadRoom
      ? 'Check the proxy’s limit of connections to the app and raise it, and shorten the slow requests that hold those connections (the routes with the most time under Transactions) and the stalls (Event loop page); more processes would sit idle behind the same limit.'
      : 'Add processes or instances (see the capacity finding, if any), check the proxy’s upstream connection limits, and look at the slowest routes: time saved there shortens the queue for everyone.',
  })];
};
