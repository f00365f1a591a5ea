// What Headroom knows about one incoming request while it runs, reachable from the request's
// context (the stall probe and framework route hooks read it there).
import { createContextKey, type Context, type Span, type SpanContext } from '@opentelemetry/api';
import type { RPCMetadata } from '@opentelemetry/core';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { TraceMode } from '../sampling/trace-budget';

export interface RequestState {
  req: IncomingMessage;
  res: ServerResponse;
  server: Server | null;
  /** performance.now() when the request's headers were parsed. */
  startAt: number;
  mode: TraceMode;
  /** The server span (sampled and recorded modes). */
  span: Span | null;
  /** Where frameworks put the route (express and koa instrumentations, fastify's channel). */
  rpc: RPCMetadata;
  /** The caller's span context, from traceparent; a light request's late span continues it. */
  remoteParent: SpanContext | null;
  /** Ids of a light request's server span, drawn when something (a stall) needed them early. */
  lightIds: { traceId: string; spanId: string } | null;
  queueWaitMs: number | null;
  bodyEndAt: number | null;
  bytesIn0: number;
  bytesOut0: number;
  done: boolean;
}

const REQUEST_KEY = createContextKey('headroom.http.request');

export function withRequest(ctx: Context, state: RequestState): Context {
  return ctx.setValue(REQUEST_KEY, state);
}

export function activeRequest(ctx: Context): RequestState | undefined {
  return ctx.getValue(REQUEST_KEY) as RequestState | undefined;
}
