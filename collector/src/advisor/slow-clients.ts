// Slow clients: a process that writes a response to a client on a slow link, or reads a
// request body trickling in, holds its memory and connection for the whole transfer. Node
// does not block on it, but the time, sockets and buffers add up, and a thread-per-request
// server behind it would be stuck. A buffering reverse proxy (nginx) takes the transfer over:
// it reads the whole request before passing it on and takes the whole response at once.
// Large responses make every client slow: compressing and streaming them is the change.
import type { Finding } from '../api-types';
import { bytes, count, finding, ms, percent, percentOf, round, windowWords, type ServiceContext } from './context';
import { requestBreakdown, type PartMeans } from './request-breakdown';

export const slowClientsRule = (ctx: ServiceContext): Finding[] => {
  const t = ctx.thresholds;
  const b = requestBreakdown(ctx);
  const out: Finding[] = [];
  // Each part over the requests that reported it, against the response time of those same
  // requests (a body read by a few uploads is not a share of every GET's time).
  const slow = (part: PartMeans | null): part is PartMeans =>
    part !== null && part.requests >= t.minRequests && part.share >= t.slowClientShare && part.meanMs >= t.slowClientMinMs;
  const w = b.responseWrite;
  if (slow(w)) {
    out.push(finding(ctx, {
      kind: 'slow-clients.response-write',
      subject: 'service',
      severity: 'warning',
      title: `Writing responses to clients takes ${percent(w.share)} of response time: put a buffering proxy in front`,
      summary: `Over ${windowWords(ctx.asked)}, handing the response to slow clients took ${ms(w.meanMs)} of ${ms(w.meanResponseMs)} per request on average (${count(w.requests)} responses${w.requests < b.requests ? ` of ${count(b.requests)} requests` : ''}).`,
      figures: { responseWriteShare: round(w.share, 3), meanResponseWriteMs: round(w.meanMs, 1), meanResponseMs: round(w.meanResponseMs, 1), responsesWritten: w.requests, requests: b.requests },
      page: '',
      cause: 'Clients on slow links (mobile, far away) read the response slowly; the process holds the socket and the response buffers until the last byte is taken.',
      change: 'Put a buffering reverse proxy (nginx with proxy_buffering on, a CDN) in front so it absorbs slow readers; for large responses, compress them (gzip/br) and stream them instead of building them in memory.',
    }));
  }
  const r = b.bodyRead;
  if (slow(r)) {
    out.push(finding(ctx, {
      kind: 'slow-clients.body-read',
      subject: 'service',
      severity: 'warning',
      title: `Reading request bodies from clients takes ${percent(r.share)} of their response time: put a buffering proxy in front`,
      summary: `Over ${windowWords(ctx.asked)}, ${r.requests < b.requests ? `${count(r.requests)} of ${count(b.requests)} requests (${percentOf(r.requests, b.requests)}) had a body; ` : ''}reading it took ${ms(r.meanMs)} of ${ms(r.meanResponseMs)} per request on average${r.requests < b.requests ? '' : ` (${count(r.requests)} requests)`}.`,
      figures: { bodyReadShare: round(r.share, 3), meanBodyReadMs: round(r.meanMs, 1), meanResponseMs: round(r.meanResponseMs, 1), requestsWithBody: r.requests, requests: b.requests },
      page: '',
      cause: 'Clients upload slowly; the request is open in the process (and its timeouts running) while the body trickles in.',
      change: 'Let a reverse proxy buffer request bodies (nginx proxy_request_buffering on, client_body_buffer_size) and keep requestTimeout bounded; stream large uploads to storage instead of holding them.',
    }));
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
      summary: `Over ${windowWords(ctx.asked)}, ${r.responseBytesCount} responses of ${r.route} carried ${bytes(mean)} on average, ${bytes(r.responseBytesSum)} in all.`,
      figures: { route: r.route, meanResponseBytes: Math.round(mean), responses: r.responseBytesCount, totalResponseBytes: Math.round(r.responseBytesSum) },
      page: 'transactions',
      linkParams: { route: r.route },
      cause: 'Each large body is built in memory and then trickles to the client at the client’s speed; on slow links the process holds it (and the socket) for the whole transfer.',
      change: 'Compress it (gzip/br, in the app or the proxy), stream it instead of building it whole (res.write / pipeline from the source), paginate or trim what the client does not need, and let a buffering proxy or CDN deliver it.',
    }));
  }
  return out;
};
