// Calls that waited behind the callee's blocked event loop. A server span that starts well after
// its caller's span, on a process (service.instance.id) whose loop a stall held during that gap,
// did not wait on the network: the callee could not run its code until the stall ended. Only
// the blocking request is blamed in its own trace (docs/event-loop-stalls.md); this is what
// tells the caller's trace why its call took so long (QA: orders → catalog, 135 ms unexplained).

import type { EventView, SpanView } from '@headroom/collector/api-types';
import { agentStall } from '../../../collector/src/store/stall-agent';
import { gcStall } from '../../../collector/src/store/stall-gc';

const SERVER = 2;
/** A start this late after the caller's is more than a network hop and a parse. */
const MIN_GAP_MS = 10;
/** The stalls explain the gap when they cover at least this share of it. */
const MIN_COVERED = 0.5;

export interface StallWait {
  /** The span that started late. */
  spanId: string;
  service: string;
  instanceId: string;
  /** From the caller span's start to this span's start. */
  waitedMs: number;
  /** Of that, time the instance's loop was blocked. */
  blockedMs: number;
  /** The stalls overlapping the gap, the longest overlap first. */
  stalls: EventView[];
}

function overlapMs(stall: EventView, from: number, to: number): number {
  const end = stall.timeMs + (stall.durationMs ?? 0);
  return Math.max(0, Math.min(end, to) - Math.max(stall.timeMs, from));
}

/** The late starts the callee's stalls explain, by the late span's id. */
export function stallWaits(spans: readonly SpanView[], stalls: readonly EventView[]): Map<string, StallWait> {
  const out = new Map<string, StallWait>();
  if (stalls.length === 0) return out;
  const byId = new Map(spans.map((s) => [s.spanId, s]));
  for (const span of spans) {
    if (span.kind !== SERVER || span.parentSpanId === null) continue;
    const parent = byId.get(span.parentSpanId);
    // A call into another process: the caller's span is in a different instance.
    if (!parent || (parent.instanceId === span.instanceId && parent.service === span.service)) continue;
    const from = parent.startMs;
    const to = span.startMs;
    const waitedMs = to - from;
    if (waitedMs < MIN_GAP_MS) continue;
    const overlapping = stalls
      .filter((e) => e.type === 'stall' && e.service === span.service && e.instanceId === span.instanceId)
      .map((e) => ({ e, ms: overlapMs(e, from, to) }))
      .filter((x) => x.ms > 0)
      .sort((a, b) => b.ms - a.ms);
    // One loop runs one callback at a time: an instance's stalls do not overlap, their sum is the blocked time.
    const blockedMs = Math.min(waitedMs, overlapping.reduce((sum, x) => sum + x.ms, 0));
    if (blockedMs < MIN_COVERED * waitedMs) continue;
    out.set(span.spanId, { spanId: span.spanId, service: span.service, instanceId: span.instanceId, waitedMs, blockedMs, stalls: overlapping.map((x) => x.e) });
  }
  return out;
}

/** Whose a stall was when not the app's code: garbage collection or Headroom's agent (they name no route). */
export function stallOwner(stall: Pick<EventView, 'attributes'>): string | null {
  if (gcStall(stall.attributes)) return 'garbage collection';
  if (agentStall(stall.attributes)) return "Headroom's agent";
  return null;
}

/**
 * A stall under a third of its duration on CPU (collector/src/store/stall-cpu.ts hardlyRan), in
 * words: not code blocking the loop. One text for the Event loop page and the charts' markers.
 */
export const HARDLY_RAN_TEXT = 'process hardly ran: machine busy or a blocking system call';

/** Who blocked the loop, in words: stallOwner's, the stall's transaction, or code outside a request. */
export function blockerText(stall: EventView): string {
  return stallOwner(stall) ?? stall.route ?? 'code outside any request';
}
