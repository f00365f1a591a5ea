// A trace as waterfall rows: the span tree in depth-first order (children by start time),
// each row with its offset and width as a share of the trace's extent.

import type { SpanView } from '@headroom/collector/api-types';
import { rawFigure } from '../format/figure-text';
import { spanQueueWaitMs } from './span-queue-wait';

export interface WaterfallRow {
  span: SpanView;
  depth: number;
  /** 0..100, from the trace's first start. */
  offsetPct: number;
  /** 0..100, at least a sliver so a 0 ms span still shows. */
  widthPct: number;
  offsetMs: number;
  /** The span names a parent that is not stored: a caller whose span was not kept. */
  parentMissing: boolean;
  /** Time the request waited in front of the app before this (server) span began, as its own bar. */
  queued: { ms: number; offsetPct: number; widthPct: number } | null;
}

export interface Waterfall {
  rows: WaterfallRow[];
  startMs: number;
  durationMs: number;
  services: string[];
  stallMs: number;
  /** The trace's first row hangs under a span that was not kept: the calling part is missing. */
  callerMissing: boolean;
  /** The first row's queue wait (in front of the app), 0 without one. */
  queueWaitMs: number;
  /** Where the bars' axis starts and how long it is: the spans' extent, plus any queue wait before them. */
  axisStartMs: number;
  axisMs: number;
}

const MIN_WIDTH_PCT = 0.3;

/**
 * A span's start in epoch milliseconds to the microsecond, from its exact `startNs`: `startMs` is
 * whole milliseconds, so spans started within one millisecond — an N+1's queries, 0.1–1 ms each —
 * were ordered by their random span ids and drawn up to 1 ms early (QA s15). `startMs` when
 * `startNs` is no integer or names another millisecond.
 */
export function spanStartMs(span: SpanView): number {
  try {
    // Epoch microseconds are exact in a double (below 2^53 until the year 2255).
    const exact = Number(BigInt(span.startNs) / 1000n) / 1000;
    return Math.floor(exact) === span.startMs ? exact : span.startMs;
  } catch {
    return span.startMs;
  }
}

export function buildWaterfall(spans: SpanView[]): Waterfall {
  if (spans.length === 0) return { rows: [], startMs: 0, durationMs: 0, services: [], stallMs: 0, callerMissing: false, queueWaitMs: 0, axisStartMs: 0, axisMs: 0 };
  const starts = new Map(spans.map((s) => [s, spanStartMs(s)] as const));
  const at = (s: SpanView): number => starts.get(s) as number;
  const startMs = Math.min(...spans.map(at));
  const endMs = Math.max(...spans.map((s) => at(s) + s.durationMs));
  const durationMs = Math.max(endMs - startMs, 0);
  // The bars' axis reaches back to the earliest queue start, so a wait is drawn to scale.
  const axisStartMs = Math.min(startMs, ...spans.map((s) => at(s) - (spanQueueWaitMs(s) ?? 0)));
  const axisMs = Math.max(endMs - axisStartMs, 0);
  const pct = (ms: number) => (axisMs > 0 ? (ms / axisMs) * 100 : 0);

  const ids = new Set(spans.map((s) => s.spanId));
  const children = new Map<string | null, SpanView[]>();
  for (const span of spans) {
    // A parent outside this trace's stored spans (sampled away, another service) makes a root.
    const parent = span.parentSpanId !== null && ids.has(span.parentSpanId) && span.parentSpanId !== span.spanId ? span.parentSpanId : null;
    const list = children.get(parent) ?? [];
    list.push(span);
    children.set(parent, list);
  }
  for (const list of children.values()) list.sort((a, b) => at(a) - at(b) || a.spanId.localeCompare(b.spanId));

  const rows: WaterfallRow[] = [];
  const seen = new Set<string>();
  const visit = (span: SpanView, depth: number) => {
    if (seen.has(span.spanId)) return; // a malformed parent cycle is not followed twice
    seen.add(span.spanId);
    const offsetMs = at(span) - startMs;
    const offsetPct = pct(at(span) - axisStartMs);
    const rawWidth = axisMs > 0 ? pct(span.durationMs) : 100;
    const widthPct = Math.min(Math.max(rawWidth, MIN_WIDTH_PCT), 100 - Math.min(offsetPct, 100 - MIN_WIDTH_PCT));
    const parentMissing = span.parentSpanId !== null && span.parentSpanId !== span.spanId && !ids.has(span.parentSpanId);
    const wait = spanQueueWaitMs(span);
    const queued = wait === null ? null : { ms: wait, offsetPct: pct(at(span) - wait - axisStartMs), widthPct: Math.max(pct(wait), MIN_WIDTH_PCT) };
    rows.push({ span, depth, offsetPct, widthPct, offsetMs, parentMissing, queued });
    for (const child of children.get(span.spanId) ?? []) visit(child, depth + 1);
  };
  for (const root of children.get(null) ?? []) visit(root, 0);
  // Spans only reachable through a cycle still get shown, flat.
  for (const span of spans) if (!seen.has(span.spanId)) visit(span, 0);

  const services = [...new Set(spans.map((s) => s.service))];
  const stallMs = spans.filter((s) => s.isStall).reduce((sum, s) => sum + s.durationMs, 0);
  const first = rows[0];
  return { rows, startMs, durationMs, services, stallMs, callerMissing: first?.parentMissing ?? false, queueWaitMs: first?.queued?.ms ?? 0, axisStartMs, axisMs };
}

/** Attribute values as display text (objects and arrays as JSON): a figure as sent. */
export const attributeText = rawFigure;
