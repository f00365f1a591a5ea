// The receiver's counters as Prometheus families: items received and rejected per signal,
// and requests answered per status.
import type { MetricFamily } from './prometheus-text';

// Adapted to the receiver's ReceiverStats once it lands; kept structural so /metrics does not
// depend on the receiver's internals.
export interface ReceiverStatsLike {
  [key: string]: unknown;
}

function numberAt(value: unknown, key: string): number | null {
  if (typeof value !== 'object' || value === null) return null;
  const field = (value as Record<string, unknown>)[key];
  return typeof field === 'number' ? field : null;
}

export function receiverFamilies(stats: ReceiverStatsLike): MetricFamily[] {
  const received: { labels: { signal: string }; value: number }[] = [];
  const rejected: { labels: { signal: string }; value: number }[] = [];
  for (const signal of ['traces', 'metrics', 'logs']) {
    const perSignal = stats[signal];
    const r = numberAt(perSignal, 'received');
    const j = numberAt(perSignal, 'rejected');
    if (r !== null) received.push({ labels: { signal }, value: r });
    if (j !== null) rejected.push({ labels: { signal }, value: j });
  }
  return [
    { name: 'headroom_receiver_items_received_total', help: 'Spans, metric points and log records received over OTLP.', type: 'counter', samples: received },
    { name: 'headroom_receiver_items_rejected_total', help: 'Items rejected as invalid (partial success).', type: 'counter', samples: rejected },
  ];
}
