// The receiver's counters as Prometheus families: items received, rejected (invalid, reported
// in partial_success), cut to the attribute limits and refused (write queue full, 503) per signal, body bytes per signal,
// and OTLP responses per status.
import type { ReceiverStats } from '../receiver';
import type { MetricFamily } from './prometheus-text';

const SIGNALS = ['traces', 'metrics', 'logs'] as const;

export function receiverFamilies(stats: ReceiverStats): MetricFamily[] {
  const perSignal = (field: 'received' | 'rejected' | 'cut' | 'refused' | 'bytes' | 'requests') =>
    SIGNALS.map((signal) => ({ labels: { signal }, value: stats[signal][field] }));
  return [
    { name: 'headroom_receiver_requests_total', help: 'OTLP export requests that reached decoding.', type: 'counter', samples: perSignal('requests') },
    { name: 'headroom_receiver_items_received_total', help: 'Spans, metric data points and log records decoded.', type: 'counter', samples: perSignal('received') },
    { name: 'headroom_receiver_items_rejected_total', help: 'Items rejected as invalid (reported in partial_success).', type: 'counter', samples: perSignal('rejected') },
    {
      name: 'headroom_receiver_items_cut_total',
      help: 'Items stored with attribute values, attributes or span events cut to the limits (HR_OTLP_ATTRIBUTE_CUT).',
      type: 'counter',
      samples: perSignal('cut'),
    },
    { name: 'headroom_receiver_items_refused_total', help: 'Items refused with 503 because the write queue was full (senders retry).', type: 'counter', samples: perSignal('refused') },
    { name: 'headroom_receiver_bytes_total', help: 'OTLP request body bytes after decompression.', type: 'counter', samples: perSignal('bytes') },
    {
      name: 'headroom_receiver_responses_total',
      help: 'OTLP responses by HTTP status.',
      type: 'counter',
      samples: Object.entries(stats.responses).map(([code, value]) => ({ labels: { code }, value })),
    },
    { name: 'headroom_receiver_cumulative_streams', help: 'Metric streams held for cumulative-to-delta conversion.', type: 'gauge', samples: [{ value: stats.cumulativeStreams }] },
  ];
}
