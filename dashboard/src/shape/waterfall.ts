// A trace as waterfall rows: the span tree in depth-first order (children by start time),
// each row with its offset and width as a share of the trace's extent.

import type { SpanView } from '@headroom/collector/api-types';
import { rawFigure } from '../format/figure-text';

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
}

export interface Waterfall {
  rows: WaterfallRow[];
  startMs: number;
  durationMs: number;
  services: string[];
  stallMs: number;
  /** The trace's first row hangs under a span that was not kept: the calling part is missing. */
  callerMissing: boolean;
}

const MIN_WIDTH_PCT = 0.3;

export function buildWaterfall(spans: SpanView[]): Waterfall {
  if (spans.length === 0) return { rows: [], startMs: 0, durationMs: 0, services: [], stallMs: 0, callerMissing: false };
  const startMs = Math.min(...spans.map((s) => s.startMs));
  const endMs = Math.max(...spans.map((s) => s.startMs + s.durationMs));
  const durationMs = Math.max(endMs - startMs, 0);

  const ids = new Set(spans.map((s) => s.spanId));
  const children = new Map<string | null, SpanView[]>();
  for (const span of spans) {
    // A parent outside this trace's stored spans (sampled away, another service) makes a root.
    const parent = span.parentSpanId !== null && ids.has(span.parentSpanId) && span.parentSpanId !== span.spanId ? span.parentSpanId : null;
    const list = children.get(parent) ?? [];
    list.push(span);
    children.set(parent, list);
  }
  for (const list of children.values()) list.sort((a, b) => a.startMs - b.startMs || a.spanId.localeCompare(b.spanId));

  const rows: WaterfallRow[] = [];
  const seen = new Set<string>();
  const visit = (span: SpanView, depth: number) => {
    if (seen.has(span.spanId)) return; // a malformed parent cycle is not followed twice
    seen.add(span.spanId);
    const offsetMs = span.startMs - startMs;
    const offsetPct = durationMs > 0 ? (offsetMs / durationMs) * 100 : 0;
    const rawWidth = durationMs > 0 ? (span.durationMs / durationMs) * 100 : 100;
    const widthPct = Math.min(Math.max(rawWidth, MIN_WIDTH_PCT), 100 - Math.min(offsetPct, 100 - MIN_WIDTH_PCT));
    const parentMissing = span.parentSpanId !== null && span.parentSpanId !== span.spanId && !ids.has(span.parentSpanId);
    rows.push({ span, depth, offsetPct, widthPct, offsetMs, parentMissing });
    for (const child of children.get(span.spanId) ?? []) visit(child, depth + 1);
  };
  for (const root of children.get(null) ?? []) visit(root, 0);
  // Spans only reachable through a cycle still get shown, flat.
  for (const span of spans) if (!seen.has(span.spanId)) visit(span, 0);

  const services = [...new Set(spans.map((s) => s.service))];
  const stallMs = spans.filter((s) => s.isStall).reduce((sum, s) => sum + s.durationMs, 0);
  return { rows, startMs, durationMs, services, stallMs, callerMissing: rows[0]?.parentMissing ?? false };
}

/** Attribute values as display text (objects and arrays as JSON): a figure as sent. */
export const attributeText = rawFigure;
