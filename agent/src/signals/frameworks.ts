// Route names and handler errors from frameworks the auto-instrumentations do not cover.
// Fastify 5 publishes its route on the `fastify.request.handler` tracing channel
// (node:diagnostics_channel), so the route is taken from there — no patching — and put in the
// request's route metadata, where Headroom's server hook reads it for `http.route` on the
// server span and the request metrics. The same channel's `error` event carries what a handler
// threw or rejected with (and a preHandler hook's error), in the request's context.
import { context } from '@opentelemetry/api';
import { getRPCMetadata, RPCType } from '@opentelemetry/core';
import { subscribe } from 'node:diagnostics_channel';
import { noteActiveRequestError } from '../http-server/request-error';
import { guard } from '../report';
import { ATTR } from './meter';

interface FastifyHandlerMessage {
  route?: { url?: unknown };
  error?: unknown;
}

export function watchFrameworkRoutes(): void {
  subscribe(
    'tracing:fastify.request.handler:start',
    guard('fastify route', (message: unknown) => {
      const url = (message as FastifyHandlerMessage | null)?.route?.url;
      if (typeof url !== 'string') return;
      const rpc = getRPCMetadata(context.active());
      if (rpc?.type !== RPCType.HTTP || rpc.route !== undefined) return;
      rpc.route = url;
      rpc.span.setAttribute(ATTR.route, url);
    }),
  );
  subscribe(
    'tracing:fastify.request.handler:error',
    guard('fastify error', (message: unknown) => noteActiveRequestError((message as FastifyHandlerMessage | null)?.error)),
  );
}
