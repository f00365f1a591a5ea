// Incomplete data. When the collector is down, slow (429/503) or refuses data, the agents keep
// what fits their queues and drop the rest, counting it (`headroom.agent.dropped`). The window
// then holds fewer requests, spans and events than happened: throughput reads low, and every
// other finding's counts and shares were made from part of the data. Said first, with who lost
// how much and when, so the rest is read with that in mind.
import type { DroppedTelemetry, Finding, TelemetryGap } from '../api-types';
import { count, finding, plural, windowWords, type ServiceContext } from './context';

function items(n: number, one: string): string | null {
  return n > 0 ? `${count(n)} ${n === 1 ? one : `${one}s`}` : null;
}

function itemsText(d: DroppedTelemetry): string {
  const parts = [items(d.metricPoints, 'metric point'), items(d.spans, 'span'), items(d.logs, 'log record')];
  return parts.filter((p): p is string => p !== null).join(', ');
}

function gapWords(gaps: TelemetryGap[]): string {
  const byInstance = new Map<string, { from: number; to: number; lost: DroppedTelemetry }>();
  for (const g of gaps) {
    const cur = byInstance.get(g.instanceId);
    if (!cur) byInstance.set(g.instanceId, { from: g.fromMs, to: g.toMs, lost: { spans: g.spans, metricPoints: g.metricPoints, logs: g.logs } });
    else {
      cur.from = Math.min(cur.from, g.fromMs);
      cur.to = Math.max(cur.to, g.toMs);
      cur.lost.spans += g.spans;
      cur.lost.metricPoints += g.metricPoints;
      cur.lost.logs += g.logs;
    }
  }
  const shown = [...byInstance.entries()].slice(0, 5).map(
    ([id, g]) => `${id}: ${itemsText(g.lost)} between ${new Date(g.from).toISOString()} and ${new Date(g.to).toISOString()}`,
  );
  const more = byInstance.size - shown.length;
  return `${shown.join('; ')}${more > 0 ? `; and ${plural(more, 'more instance')}` : ''}.`;
}

export const telemetryGapsRule = (ctx: ServiceContext): Finding[] => {
  const dropped = ctx.storage.telemetryDropped({ service: ctx.service, from: ctx.window.from, to: ctx.window.to, bucketMs: 60_000 });
  const { total, gaps } = dropped;
  if (total.spans + total.metricPoints + total.logs === 0) return [];
  const instances = new Set(gaps.map((g) => g.instanceId)).size;
  const first = Math.min(...gaps.map((g) => g.fromMs));
  const last = Math.max(...gaps.map((g) => g.toMs));
  return [finding(ctx, {
    kind: 'telemetry.incomplete',
    subject: 'service',
    // Lost metric points are lost request counts and timings: throughput and the shares of the
    // other findings read low. Spans and events alone leave the request figures whole.
    severity: total.metricPoints > 0 ? 'warning' : 'info',
    title: `Data incomplete: ${itemsText(total)} dropped by ${plural(instances, 'instance')} in ${windowWords(ctx.asked)}`,
    summary:
      `The agents could not deliver everything: ${gapWords(gaps)} ` +
      (total.metricPoints > 0
        ? 'Requests, throughput and latency in that time are under-counted (a dip there is missing data, not less traffic), and the other findings were made from what arrived.'
        : 'Request counts and timings are whole; traces and events (stalls, starts, errors) from that time may be missing.'),
    figures: {
      metricPoints: total.metricPoints,
      spans: total.spans,
      logRecords: total.logs,
      instances,
      from: new Date(first).toISOString(),
      to: new Date(last).toISOString(),
    },
    page: '',
    cause: 'The collector was unreachable (down, restarting, a network fault), too slow (it answered 429/503 while its write queue was full) or refused the data (a 4xx, e.g. a wrong ingest token); the agents hold what fits their queues and drop the rest, oldest first.',
    change: 'Read this window\'s charts and findings knowing the hatched spans are incomplete. Keep the collector available (restart it under a supervisor, watch /healthz and headroom_store_queue_* on /metrics); to ride out longer outages raise HEADROOM_MAX_QUEUE on the agents (more memory held while the collector is away); for refusals, check the agents\' HR_AGENT_EXPORT_FAILED messages.',
  })];
};
