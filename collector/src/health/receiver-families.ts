// The receiver's counters as Prometheus families: items received, rejected (invalid, reported
// in partial_success), cut to the attribute limits, refused (write queue full, 503) and refused
// past the service and instance caps per signal, body bytes per signal, OTLP responses per
// status, and the services the caps count.
import type { ReceiverStats } from '../receiver';
import type { MetricFamily } from './prometheus-text';

const SIGNALS = ['traces', 'metrics', 'logs'] as const;

export function receiverFamilies(stats: ReceiverStats): MetricFamily[] {
  const perSignal = (field: 'received' | 'rejected' | 'cut' | 'refused' | 'bytes' | 'requests') =>
    SIGNALS.map((signal) => ({ labels: { signal }, value: stats[signal][field] }));
  const overLimit = SIGNALS.flatMap((signal) => [
    { labels: { signal, limit: 'services' }, value: stats[signal].overServiceLimit },
    { labels: { signal, limit: 'instances' }, value: stats[signal].overInstanceLimit },
  ]);
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
    {
      name: 'headroom_receiver_items_over_limit_total',
      help: 'Items of new services or instances refused past --max-services or --max-instances (reported in partial_success).',
      type: 'counter',
      samples: overLimit,
    },
    { name: 'headroom_receiver_bytes_total', help: 'OTLP request body bytes after decompression.', type: 'counter', samples: perSignal('bytes') },
    {
      name: 'headroom_receiver_responses_total',
      help: 'OTLP responses by HTTP status.',
      type: 'counter',
      samples: Object.entries(stats.responses).map(([code, value]) => ({ labels: { code }, value })),
    },
    { name: 'headroom_receiver_cumulative_streams', help: 'Metric streams held for cumulative-to-delta conversion.', type: 'gauge', samples: [{ value: stats.cumulativeStreams }] },
    ...(stats.services === null
      ? []
      : [{ name: 'headroom_receiver_services', help: 'Services counted against --max-services.', type: 'gauge' as const, samples: [{ value: stats.services }] }]),
  ];
}
