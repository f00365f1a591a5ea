// Per-request work, run from the http instrumentation's responseHook (it runs inside the
// request's context, so the route the framework sets later is read from the same RPC
// metadata object the http instrumentation uses for `http.server.request.duration`).
// Hot path: a few property reads, two listeners, no allocation beyond one small object.
import type { Attributes, Meter, Span } from '@opentelemetry/api';
import { context } from '@opentelemetry/api';
import { getRPCMetadata, type RPCMetadata } from '@opentelemetry/core';
import { IncomingMessage, ServerResponse } from 'node:http';
import { guard } from '../report';
import type { InFlightTracker } from './capacity';
import { ATTR } from './meter';
import { queueWaitFromHeaders } from './queue-wait';
import { declaredLength, endCalledAt, hasBody, patchResponseEnd } from './slow-clients';

interface RequestState {
  span: Span;
  req: IncomingMessage;
  res: ServerResponse;
  rpc: RPCMetadata | undefined;
  startAt: number;
  queueWaitMs: number | null;
  bodyEndAt: number | null;
  bytesIn0: number;
  bytesOut0: number;
  done: boolean;
}

export interface RequestTracker {
  responseHook(span: Span, response: IncomingMessage | ServerResponse): void;
}

export function createRequestTracker(meter: Meter, inFlight: InFlightTracker): RequestTracker {
  patchResponseEnd();
  const queueWait = meter.createHistogram('headroom.http.server.queue_wait', { unit: 's', description: 'Time in front of the app, from X-Request-Start / X-Queue-Start' });
  const queueDropped = meter.createCounter('headroom.http.server.queue_wait.dropped', { description: 'Queue-start headers not recorded (future, absurd or unreadable values)' });
  const bodyRead = meter.createHistogram('headroom.http.server.request_body.duration', { unit: 's', description: 'Time to read the request body' });
  const responseWrite = meter.createHistogram('headroom.http.server.response_write.duration', { unit: 's', description: "From the handler's end() to the last byte handed to the socket" });
  const requestSize = meter.createHistogram('http.server.request.body.size', { unit: 'By' });
  const responseSize = meter.createHistogram('http.server.response.body.size', { unit: 'By' });

  const finish = guard('request finish', (state: RequestState) => {
    if (state.done) return;
    state.done = true;
    const now = performance.now();
    inFlight.change(-1, now);
    const { req, res, span } = state;
    const attrs: Attributes = { [ATTR.method]: req.method ?? 'GET' };
    const route = state.rpc?.route;
    if (route !== undefined) attrs[ATTR.route] = route;
    if (state.queueWaitMs !== null) queueWait.record(state.queueWaitMs / 1e3, attrs);
    if (state.bodyEndAt !== null) {
      const ms = state.bodyEndAt - state.startAt;
      bodyRead.record(ms / 1e3, attrs);
      span.setAttribute(ATTR.bodyReadMs, ms);
    }
    const endAt = endCalledAt(res);
    if (endAt !== undefined && res.writableFinished) {
      const ms = Math.max(0, now - endAt);
      responseWrite.record(ms / 1e3, attrs);
      span.setAttribute(ATTR.responseWriteMs, ms);
    }
    const socket = req.socket as (typeof req.socket | null);
    const inBytes = declaredLength(req.headers['content-length']) ?? (state.bodyEndAt !== null && socket ? socket.bytesRead - state.bytesIn0 : null);
    if (inBytes !== null) requestSize.record(inBytes, attrs);
    const outBytes = declaredLength(res.getHeader('content-length')) ?? (socket ? socket.bytesWritten - state.bytesOut0 : null);
    if (outBytes !== null) responseSize.record(outBytes, attrs);
  });

  const start = guard('request start', (span: Span, response: IncomingMessage | ServerResponse) => {
    if (!(response instanceof ServerResponse)) return;
    const req = response.req as IncomingMessage | undefined;
    if (!req) return;
    const now = performance.now();
    inFlight.change(1, now);
    const socket = req.socket as (typeof req.socket | null);
    const state: RequestState = {
      span,
      req,
      res: response,
      rpc: getRPCMetadata(context.active()),
      startAt: now,
      queueWaitMs: null,
      bodyEndAt: null,
      bytesIn0: socket ? socket.bytesRead : 0,
      bytesOut0: socket ? socket.bytesWritten : 0,
      done: false,
    };
    // Wall clock, like the proxy's stamp (timeOrigin + a monotonic reading drifts from it
    // over days of uptime as NTP slews the clock).
    const waited = queueWaitFromHeaders(req.headers, Date.now());
    if (waited?.kind === 'ok') {
      state.queueWaitMs = waited.ms;
      span.setAttribute(ATTR.queueWaitMs, waited.ms);
    } else if (waited) {
      queueDropped.add(1, { reason: waited.reason });
    }
    if (hasBody(req)) {
      req.once('end', () => {
        state.bodyEndAt = performance.now();
      });
    }
    // 'close' follows 'finish' on every response (and comes alone when the client went away):
    // one listener is enough. It is added before the http instrumentation's own 'close'
    // listener, which ends the span, so the attributes set in finish still land on the span.
    response.on('close', () => finish(state));
  });

  return { responseHook: (span, response) => void start(span, response) };
}
