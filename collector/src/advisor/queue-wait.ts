// Queue wait: time a request spent in front of the app — between the proxy stamping
// X-Request-Start and the app seeing it — is time the app cannot see in its own response
// time. When it is a large share of what the client waited, the fix is not in the code:
// there are too few processes taking requests (or the proxy queues them), so capacity in
// front of the app is short.
import type { Finding } from '../api-types';
import { count, finding, ms, percent, percentOf, round, windowWords, type ServiceContext } from './context';
import { requestBreakdown } from './request-breakdown';

export const queueWaitRule = (ctx: ServiceContext): Finding[] => {
  const t = ctx.thresholds;
  const b = requestBreakdown(ctx);
  const q = b.queueWait;
  // Judged over the requests that carried the header, on both sides of the share.
  if (q === null || q.requests < t.minRequests) return [];
  if (q.share < t.queueWaitShare || q.meanMs < t.queueWaitMinMs) return [];
  const all = q.requests >= b.requests;
  const carried = all
    ? `all ${count(b.requests)} requests carried a queue-start header (X-Request-Start or X-Queue-Start)`
    : `${count(q.requests)} of ${count(b.requests)} requests (${percentOf(q.requests, b.requests)}) carried a queue-start header (X-Request-Start or X-Queue-Start)`;
  return [finding(ctx, {
    kind: 'queue.wait-share',
    subject: 'service',
    severity: q.share >= t.queueWaitShareCritical ? 'critical' : 'warning',
    title: all
      ? `Queue wait is ${percent(q.share)} of response time: capacity is short in front of the app`
      : `Queue wait is ${percent(q.share)} of response time for the ${percentOf(q.requests, b.requests)} of requests with a queue-start header: capacity is short in front of the app`,
    summary: `Over ${windowWords(ctx.asked)}, ${carried}; ${all ? 'they' : 'those'} waited ${ms(q.meanMs)} on average before the app saw them and then took ${ms(q.meanResponseMs)} in the app: ${percent(q.share)} of their time went to queueing.${all ? '' : ' The other requests did not say how long they waited.'}`,
    figures: {
      queueWaitShare: round(q.share, 3),
      meanQueueWaitMs: round(q.meanMs, 1),
      meanResponseMs: round(q.meanResponseMs, 1),
      requestsWithHeader: q.requests,
      requests: b.requests,
    },
    page: '',
    cause: all
      ? 'Requests queue in the proxy or the listen backlog because every process is busy (or there are too few of them); the app cannot see this time in its own timings.'
      : 'The requests that pass the proxy stamping the header queue in it or in the listen backlog because every process is busy (or there are too few of them), or the proxy limits its upstream connections; the app cannot see this time in its own timings.',
    change: 'Add processes or instances (see the capacity finding, if any), check the proxy’s upstream connection limits, and look at the slowest routes: time saved there shortens the queue for everyone.',
  })];
};
