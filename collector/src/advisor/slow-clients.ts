// Slow clients: a process that writes a response to a client on a slow link, or reads a
// request body trickling in, holds its memory and connection for the whole transfer. Node
// does not block on it, but the time, sockets and buffers add up, and a thread-per-request
// server behind it would be stuck. A buffering reverse proxy (nginx) takes the transfer over:
// it reads the whole request before passing it on and takes the whole response at once.
// Large responses make every client slow: compressing and streaming them is the change.
import type { Finding } from '../api-types';
import { bytes, finding, ms, percent, round, windowWords, type ServiceContext } from './context';
import { requestBreakdown } from './request-breakdown';

export const slowClientsRule = (ctx: ServiceContext): Finding[] => {
  const t = ctx.thresholds;
  const b = requestBreakdown(ctx);
  if (b.requests < t.minRequests || b.responseMs === null) return [];
  const seen = (b.queueWaitMs ?? 0) + b.responseMs;
  if (seen <= 0) return [];
  const out: Finding[] = [];
  if (b.responseWriteMs !== null) {
    const share = b.responseWriteMs / seen;
    if (share >= t.slowClientShare && b.responseWriteMs >= t.slowClientMinMs) {
      out.push(finding(ctx, {
        kind: 'slow-clients.response-write',
        subject: 'service',
        severity: 'warning',
        title: `Writing responses to clients takes ${percent(share)} of response time: put a buffering proxy in front`,
        summary: `Over ${windowWords(ctx.window)}, handing the response to slow clients took ${ms(b.responseWriteMs)} of ${ms(seen)} per request on average (${b.requests} requests).`,
        figures: { responseWriteShare: round(share, 3), meanResponseWriteMs: round(b.responseWriteMs, 1), meanResponseMs: round(b.responseMs, 1), requests: b.requests },
        page: '',
        cause: 'Clients on slow links (mobile, far away) read the response slowly; the process holds the socket and the response buffers until the last byte is taken.',
        change: 'Put a buffering reverse proxy (nginx with proxy_buffering on, a CDN) in front so it absorbs slow readers; for large responses, compress them (gzip/br) and stream them instead of building them in memory.',
      }));
    }
  }
  if (b.bodyReadMs !== null) {
    const share = b.bodyReadMs / seen;
    if (share >= t.slowClientShare && b.bodyReadMs >= t.slowClientMinMs) {
      out.push(finding(ctx, {
        kind: 'slow-clients.body-read',
        subject: 'service',
        severity: 'warning',
        title: `Reading request bodies from clients takes ${percent(share)} of response time: put a buffering proxy in front`,
        summary: `Over ${windowWords(ctx.window)}, reading request bodies took ${ms(b.bodyReadMs)} of ${ms(seen)} per request on average (${b.requests} requests).`,
        figures: { bodyReadShare: round(share, 3), meanBodyReadMs: round(b.bodyReadMs, 1), meanResponseMs: round(b.responseMs, 1), requests: b.requests },
        page: '',
        cause: 'Clients upload slowly; the request is open in the process (and its timeouts running) while the body trickles in.',
        change: 'Let a reverse proxy buffer request bodies (nginx proxy_request_buffering on, client_body_buffer_size) and keep requestTimeout bounded; stream large uploads to storage instead of holding them.',
      }));
    }
  }
  return out;
};

export const largeResponsesRule = (ctx: ServiceContext): Finding[] => {
  const t = ctx.thresholds;
  const out: Finding[] = [];
  for (const r of ctx.storage.routeSizes({ service: ctx.service, ...ctx.window })) {
    if (r.responseBytesCount < t.largeResponseMinRequests) continue;
    const mean = r.responseBytesSum / r.responseBytesCount;
    if (mean < t.largeResponseBytes) continue;
    out.push(finding(ctx, {
      kind: 'slow-clients.large-responses',
      subject: r.route,
      severity: 'info',
      title: `Route ${r.route} sends ${bytes(mean)} per response: compress and stream it`,
      summary: `Over ${windowWords(ctx.window)}, ${r.responseBytesCount} responses of ${r.route} carried ${bytes(mean)} on average, ${bytes(r.responseBytesSum)} in all.`,
      figures: { route: r.route, meanResponseBytes: Math.round(mean), responses: r.responseBytesCount, totalResponseBytes: Math.round(r.responseBytesSum) },
      page: 'transactions',
      linkParams: { route: r.route },
      cause: 'Each large body is built in memory and then trickles to the client at the client’s speed; on slow links the process holds it (and the socket) for the whole transfer.',
      change: 'Compress it (gzip/br, in the app or the proxy), stream it instead of building it whole (res.write / pipeline from the source), paginate or trim what the client does not need, and let a buffering proxy or CDN deliver it.',
    }));
  }
  return out;
};
