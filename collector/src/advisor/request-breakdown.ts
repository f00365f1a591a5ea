// Where a request's time went over the window, as means per request: queue wait (in front of
// the app), response time (handler plus response write), response write and body read —
// request-weighted over the service series' buckets.
import type { ServiceContext } from './context';

export interface Breakdown {
  requests: number;
  queueWaitMs: number | null;
  /** Response time as the app measured it (includes the response write). */
  responseMs: number | null;
  responseWriteMs: number | null;
  bodyReadMs: number | null;
}

export function requestBreakdown(ctx: ServiceContext): Breakdown {
  const span = Math.max(60_000, ctx.window.to - ctx.window.from);
  const s = ctx.storage.serviceSeries({ service: ctx.service, from: ctx.window.from, to: ctx.window.to, bucketMs: Math.ceil(span / 60_000) * 60_000 });
  const acc = { qw: [0, 0], resp: [0, 0], rw: [0, 0], br: [0, 0] };
  let requests = 0;
  const add = (slot: number[], value: number | null | undefined, weight: number): void => {
    if (value === null || value === undefined || !Number.isFinite(value)) return;
    slot[0] = (slot[0] as number) + value * weight;
    slot[1] = (slot[1] as number) + weight;
  };
  s.t.forEach((_t, i) => {
    const n = s.requests[i] ?? 0;
    if (n <= 0) return;
    requests += n;
    const app = s.appMs[i];
    const rw = s.responseWriteMs[i];
    add(acc.qw, s.queueWaitMs[i], n);
    add(acc.resp, app === null || app === undefined ? null : app + (rw ?? 0), n);
    add(acc.rw, rw, n);
    add(acc.br, s.bodyReadMs[i], n);
  });
  const mean = (slot: number[]): number | null => ((slot[1] as number) > 0 ? (slot[0] as number) / (slot[1] as number) : null);
  return { requests, queueWaitMs: mean(acc.qw), responseMs: mean(acc.resp), responseWriteMs: mean(acc.rw), bodyReadMs: mean(acc.br) };
}
