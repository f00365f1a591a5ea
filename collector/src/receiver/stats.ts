// The receiver's counters, for the collector's /metrics.
import type { Signal } from './decode/otlp-types';

export interface SignalStats {
  /** Requests that reached decoding for this signal. */
  requests: number;
  /** Spans, metric data points or log records decoded. */
  received: number;
  /** Items rejected as invalid (reported back in partial_success). */
  rejected: number;
  /** Items stored with attribute values, attributes or events cut to the limits (HR_OTLP_ATTRIBUTE_CUT). */
  cut: number;
  /** Items refused because the write queue was full (503; the sender retries them). */
  refused: number;
  /** Items of new services refused past --max-services (partial_success; ingest-limits.ts). */
  overServiceLimit: number;
  /** Items of new instances refused past --max-instances (partial_success; ingest-limits.ts). */
  overInstanceLimit: number;
  /** Request body bytes, after decompression. */
  bytes: number;
}

// A type alias, not an interface, so it is assignable to /metrics' structural
// `{ [key: string]: unknown }` view of it.
export type ReceiverStats = {
  traces: SignalStats;
  metrics: SignalStats;
  logs: SignalStats;
  /** Requests answered, by HTTP status ("200", "400", …). */
  responses: Record<string, number>;
  /** Metric streams held for cumulative → delta conversion. */
  cumulativeStreams: number;
  /** Request body bytes being read right now. */
  inFlightBytes: number;
  /** Services the ingest caps count; null when the receiver has no caps. */
  services: number | null;
};

function emptySignal(): SignalStats {
  return { requests: 0, received: 0, rejected: 0, cut: 0, refused: 0, overServiceLimit: 0, overInstanceLimit: 0, bytes: 0 };
}

export class ReceiverCounters {
  private readonly signals: Record<Signal, SignalStats> = { traces: emptySignal(), metrics: emptySignal(), logs: emptySignal() };
  private readonly responses = new Map<number, number>();

  signal(signal: Signal): SignalStats {
    return this.signals[signal];
  }

  response(status: number): void {
    this.responses.set(status, (this.responses.get(status) ?? 0) + 1);
  }

  snapshot(cumulativeStreams: number, inFlightBytes: number, services: number | null): ReceiverStats {
    const responses: Record<string, number> = {};
    for (const [status, n] of [...this.responses].sort((a, b) => a[0] - b[0])) responses[String(status)] = n;
    return {
      traces: { ...this.signals.traces },
      metrics: { ...this.signals.metrics },
      logs: { ...this.signals.logs },
      responses,
      cumulativeStreams,
      inFlightBytes,
      services,
    };
  }
}
