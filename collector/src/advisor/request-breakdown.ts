// Where a request's time went over the window: each part (queue wait, body read, response
// write) as a mean over the requests that reported it, against the response time of those
// same requests. Only some requests carry a part — queue wait only those behind a proxy that
// stamps X-Request-Start, body read only those with a body — so a part's mean set against
// every request's response time would blow a minority up into the whole service.
import type { RequestPart } from '../store/storage';
import type { ServiceContext } from './context';

export interface PartMeans {
  /** Requests that reported the part. */
  requests: number;
  meanMs: number;
  /** Mean response time of those requests (estimated per route, process and minute: storage.ts RequestPart). */
  meanResponseMs: number;
  /** meanMs over meanResponseMs, or over meanMs + meanResponseMs when the part is outside the response time. */
  share: number;
}

export interface Breakdown {
  /** Every request of the window (the figure /api/services shows for the same window). */
  requests: number;
  /** Mean response time of all requests, as the app measured it (includes the response write). */
  responseMs: number | null;
  /** Queue wait happens before the app's response time starts: its share is of the two together. */
  queueWait: PartMeans | null;
  bodyRead: PartMeans | null;
  responseWrite: PartMeans | null;
}

function means(p: RequestPart, outside: boolean): PartMeans | null {
  if (!(p.requests > 0)) return null;
  const meanMs = p.sumMs / p.requests;
  const meanResponseMs = p.responseSumMs / p.requests;
  const whole = outside ? meanMs + meanResponseMs : meanResponseMs;
  return { requests: p.requests, meanMs, meanResponseMs, share: whole > 0 ? Math.min(1, meanMs / whole) : 0 };
}

// Two rules read it per service and call: read once.
const cache = new WeakMap<ServiceContext, Breakdown>();

export function requestBreakdown(ctx: ServiceContext): Breakdown {
  let b = cache.get(ctx);
  if (!b) cache.set(ctx, (b = read(ctx)));
  return b;
}

function read(ctx: ServiceContext): Breakdown {
  const p = ctx.storage.requestParts({ service: ctx.service, ...ctx.window });
  return {
    requests: p.requests,
    responseMs: p.requests > 0 ? p.responseSumMs / p.requests : null,
    queueWait: means(p.queueWait, true),
    bodyRead: means(p.bodyRead, false),
    responseWrite: means(p.responseWrite, false),
  };
}
