// Trace context for the calls a light request makes. A light request runs with tracing
// suppressed (no spans: sampling/trace-budget.ts), so OTel's client instrumentations make no
// span for its outgoing calls and the propagators inject nothing: the services it calls would
// start traces of their own, and a failure crossing services could not be followed from one
// to the other. This propagator stands in front of the configured ones: injecting for a light
// request, it injects the ids that request's server span gets if it is written (it erred, was
// slow or stalled), unsampled. The callee continues the trace — decided there by its own
// budget, so it keeps its part when it fails — and its spans hang under this request's.
import { INVALID_SPAN_CONTEXT, isSpanContextValid, propagation, ROOT_CONTEXT, trace, type Context, type SpanContext, type TextMapGetter, type TextMapPropagator, type TextMapSetter } from '@opentelemetry/api';

export class LightRequestPropagator implements TextMapPropagator {
  constructor(
    private readonly inner: TextMapPropagator,
    /** The light request's server-span context for `ctx`; null outside a light request. */
    private readonly lightSpanContext: (ctx: Context) => SpanContext | null,
  ) {}

  inject(ctx: Context, carrier: unknown, setter: TextMapSetter): void {
    if (!isSpanContextValid(trace.getSpanContext(ctx) ?? INVALID_SPAN_CONTEXT)) {
      const light = this.lightSpanContext(ctx);
      if (light !== null) {
        // A fresh context: the light request's has tracing suppressed, which propagators honour.
        const baggage = propagation.getBaggage(ctx);
        const base = baggage ? propagation.setBaggage(ROOT_CONTEXT, baggage) : ROOT_CONTEXT;
        this.inner.inject(trace.setSpanContext(base, light), carrier, setter);
        return;
      }
    }
    this.inner.inject(ctx, carrier, setter);
  }

  extract(ctx: Context, carrier: unknown, getter: TextMapGetter): Context {
    return this.inner.extract(ctx, carrier, getter);
  }

  fields(): string[] {
    return this.inner.fields();
  }
}
