// OTel's random ids, except that the next span can be given ids chosen earlier. A light
// request (trace-budget.ts) has no span while it runs; when a stall inside it needs a parent,
// ids are drawn for it then, and its server span, written at the request's end, must carry
// exactly those ids for the stall span to hang under it.
import { RandomIdGenerator, type IdGenerator } from '@opentelemetry/sdk-trace-base';

export class PresetIdGenerator implements IdGenerator {
  /** Also where ids drawn ahead of their span come from. */
  readonly random: IdGenerator = new RandomIdGenerator();
  private traceId: string | null = null;
  private spanId: string | null = null;

  /** Runs `start` (which starts exactly one span) with these ids for that span. */
  withIds<T>(traceId: string, spanId: string, start: () => T): T {
    this.traceId = traceId;
    this.spanId = spanId;
    try {
      return start();
    } finally {
      this.traceId = null;
      this.spanId = null;
    }
  }

  generateTraceId(): string {
    return this.traceId ?? this.random.generateTraceId();
  }

  generateSpanId(): string {
    const preset = this.spanId;
    if (preset === null) return this.random.generateSpanId();
    this.spanId = null;
    return preset;
  }
}
