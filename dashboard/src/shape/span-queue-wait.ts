// Queue wait on a server span: the agent puts the time the request spent in front of the app
// (from a proxy's X-Request-Start / X-Queue-Start to the app's first byte) on the span as
// `headroom.queue_wait.duration_ms`. The span starts when the app sees the request, so the
// client waited that long before it: the trace shows the wait as a bar before the span.

import type { SpanView } from '@headroom/collector/api-types';

export const QUEUE_WAIT_ATTRIBUTE = 'headroom.queue_wait.duration_ms';

/** The span's queue wait in ms, or null when it has none (or an app sent something that is no wait). */
export function spanQueueWaitMs(span: Pick<SpanView, 'attributes'>): number | null {
  const v = span.attributes[QUEUE_WAIT_ATTRIBUTE];
  return typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : null;
}
