// Queue wait: time a request spent in front of the app — between the proxy stamping
// X-Request-Start and the app seeing it — is time the app cannot see in its own response
// time. When it is a large share of what the client waited, the fix is not in the code:
// there are too few processes taking requests (or the proxy queues them), so capacity in
// front of the app is short.
import type { Finding } from '../api-types';
import { finding, ms, percent, round, windowWords, type ServiceContext } from './context';
import { requestBreakdown } from './request-breakdown';

export const queueWaitRule = (ctx: ServiceContext): Finding[] => {
  const t = ctx.thresholds;
  const b = requestBreakdown(ctx);
  if (b.requests < t.minRequests || b.queueWaitMs === null || b.responseMs === null) return [];
  const share = b.queueWaitMs / (b.queueWaitMs + b.responseMs || 1);
  if (share < t.queueWaitShare || b.queueWaitMs < t.queueWaitMinMs) return [];
  return [finding(ctx, {
    kind: 'queue.wait-share',
    subject: 'service',
    severity: share >= t.queueWaitShareCritical ? 'critical' : 'warning',
    title: `Queue wait is ${percent(share)} of response time: capacity is short in front of the app`,
    summary: `Over ${windowWords(ctx.window)}, requests waited ${ms(b.queueWaitMs)} on average before the app saw them, then took ${ms(b.responseMs)} in the app (${b.requests} requests).`,
    figures: { queueWaitShare: round(share, 3), meanQueueWaitMs: round(b.queueWaitMs, 1), meanResponseMs: round(b.responseMs, 1), requests: b.requests },
    page: '',
    cause: 'Requests queue in the proxy or the listen backlog because every process is busy (or there are too few of them); the app cannot see this time in its own timings.',
    change: 'Add processes or instances (see the capacity finding, if any), check the proxy’s upstream connection limits, and look at the slowest routes: time saved there shortens the queue for everyone.',
  })];
};
