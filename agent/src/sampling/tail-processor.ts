// Keeps or drops each trace whole, once its local root span has ended: a sampler decides at a
// span's start, but "was it an error, was it slow" is known only at the end. Every span of a
// recorded trace (trace-budget.ts) is held here, per trace, until the local root (no parent,
// or a remote one) ends; then the trace's spans go to the export queue or are dropped together.
// Spans that end after their root (late children, stall spans) follow the remembered
// decision. Everything is bounded: traces held, spans per trace, decisions remembered, age.
import { TraceFlags, type Context } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { ExportHealth } from '../export/health';
import { report } from '../report';
import type { ErrorTraceCap } from './error-trace-cap';
import { isFailedSpan } from './failed-span';
import { keepTrace } from './keep-decision';
import { ROUTE_P90_ATTR } from './route-slowness';

export interface TailSamplingOptions {
  slowTraceMs: number;
  maxTraces: number;
  maxSpansPerTrace: number;
  /** Unfinished traces older than this are dropped (their root never ended). */
  maxAgeMs: number;
  /** Bounds the traces kept only for having failed; absent: every one is kept. */
  errorCap?: ErrorTraceCap;
}

interface TraceBuffer {
  spans: ReadableSpan[];
  error: boolean;
  stall: boolean;
  /** A stall snapshot named this trace; whether the stall passes the threshold is not known yet. */
  stallPending: boolean;
  /** The local root, when it ended while a stall was pending: decided once the stall is. */
  deferredRoot: ReadableSpan | null;
  createdAt: number;
}

const MAX_DECISIONS = 4096;

function durationMs(span: ReadableSpan): number {
  return span.duration[0] * 1e3 + span.duration[1] / 1e6;
}

/** The type of the exception a span recorded first, as the Errors page groups it. */
function exceptionType(span: ReadableSpan): string | undefined {
  for (const event of span.events) {
    if (event.name !== 'exception') continue;
    const type = event.attributes?.['exception.type'];
    return typeof type === 'string' ? type : undefined;
  }
  return undefined;
}

export class TailSamplingProcessor implements SpanProcessor {
  private readonly open = new Map<string, TraceBuffer>();
  private readonly decided = new Map<string, boolean>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    private readonly sink: (span: ReadableSpan) => void,
    private readonly health: ExportHealth,
    private readonly options: TailSamplingOptions,
  ) {
    this.sweeper = setInterval(() => this.sweep(), Math.max(1000, options.maxAgeMs / 4));
    this.sweeper.unref();
  }

  onStart(_span: Span, _parentContext: Context): void {
    // Nothing to do at start: buffers are created when the first span of a trace ends.
  }

  onEnd(span: ReadableSpan): void {
    const ctx = span.spanContext();
    const traceId = ctx.traceId;
    const parent = span.parentSpanContext;
    if (parent === undefined || parent.isRemote) {
      this.decide(span, traceId, (ctx.traceFlags & TraceFlags.SAMPLED) === TraceFlags.SAMPLED);
      return;
    }
    const decision = this.decided.get(traceId);
    if (decision !== undefined) {
      if (decision) this.sink(span);
      return;
    }
    const buffer = this.bufferFor(traceId);
    if (!buffer) return;
    if (buffer.spans.length >= this.options.maxSpansPerTrace) {
      this.health.drop('spans', 1);
      return;
    }
    buffer.spans.push(span);
    if (isFailedSpan(span)) buffer.error = true;
  }

  /**
   * A stall snapshot (taken while the loop was blocked) named this trace. Until the stall
   * ends and is measured, the trace's decision waits: its root may end first.
   */
  stallPending(traceId: string): void {
    if (this.decided.has(traceId)) return;
    const buffer = this.bufferFor(traceId);
    if (buffer) buffer.stallPending = true;
  }

  /** The pending stall was measured: a stall (the trace is kept) or too short to be one. */
  stallResolved(traceId: string, isStall: boolean): void {
    const buffer = this.open.get(traceId);
    if (!buffer) {
      if (isStall && this.decided.get(traceId) === false) this.remember(traceId, true);
      return;
    }
    buffer.stallPending = false;
    if (isStall) buffer.stall = true;
    const root = buffer.deferredRoot;
    if (root) {
      buffer.deferredRoot = null;
      this.decide(root, traceId, (root.spanContext().traceFlags & TraceFlags.SAMPLED) === TraceFlags.SAMPLED);
    }
  }

  get openTraces(): number {
    return this.open.size;
  }

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    clearInterval(this.sweeper);
    this.open.clear();
    return Promise.resolve();
  }

  private decide(root: ReadableSpan, traceId: string, sampled: boolean): void {
    const buffer = this.open.get(traceId);
    if (buffer?.stallPending) {
      buffer.deferredRoot = root;
      return;
    }
    this.open.delete(traceId);
    const facts = {
      sampled,
      error: false,
      durationMs: durationMs(root),
      stall: buffer?.stall ?? false,
      // Set by the server hook on a request it let keep for this (its cap taken).
      slowForRoute: root.attributes[ROUTE_P90_ATTR] !== undefined,
    };
    const slow = this.options.slowTraceMs;
    // An error spends the error cap only when nothing else keeps the trace.
    if ((isFailedSpan(root) || (buffer?.error ?? false)) && !keepTrace(facts, slow)) {
      const cap = this.options.errorCap;
      const status = root.attributes['http.response.status_code'];
      facts.error = cap === undefined || cap.mayKeep(root.name, typeof status === 'number' ? status : root.status.code, traceId, exceptionType(root));
    }
    const keep = this.decided.get(traceId) === true || keepTrace(facts, slow);
    this.remember(traceId, keep);
    if (!keep) return;
    if (buffer) for (const span of buffer.spans) this.sink(span);
    this.sink(root);
  }

  private bufferFor(traceId: string): TraceBuffer | null {
    let buffer = this.open.get(traceId);
    if (buffer) return buffer;
    if (this.open.size >= this.options.maxTraces) {
      this.health.drop('spans', 1);
      report('buffersFull', `${this.open.size} traces open`);
      return null;
    }
    buffer = { spans: [], error: false, stall: false, stallPending: false, deferredRoot: null, createdAt: Date.now() };
    this.open.set(traceId, buffer);
    return buffer;
  }

  private remember(traceId: string, keep: boolean): void {
    this.decided.delete(traceId);
    this.decided.set(traceId, keep);
    if (this.decided.size > MAX_DECISIONS) {
      const oldest = this.decided.keys().next();
      if (!oldest.done) this.decided.delete(oldest.value);
    }
  }

  private sweep(): void {
    const cutoff = Date.now() - this.options.maxAgeMs;
    for (const [traceId, buffer] of this.open) {
      if (buffer.createdAt >= cutoff) continue;
      this.open.delete(traceId);
      this.health.drop('spans', buffer.spans.length + (buffer.deferredRoot ? 1 : 0));
    }
  }
}
