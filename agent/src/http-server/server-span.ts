// The server span of a request, with the attributes of the OpenTelemetry HTTP semantic
// conventions (stable names), so traces read the same as those of OTel's http instrumentation.
// Written only for requests whose trace is recorded or kept: building these attributes is
// most of what a span costs.
import { SpanStatusCode, type Attributes, type Span } from '@opentelemetry/api';
import type { IncomingMessage, Server } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { ATTR } from '../signals/meter';
import { recordRequestError } from './request-error';
import type { RequestFacts } from './request-facts';

const KNOWN_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH', 'QUERY']);
// Query parameters OTel's instrumentation redacts by default (signed URLs).
const REDACTED_QUERY_KEYS = new Set(['AWSAccessKeyId', 'Signature', 'sig', 'X-Goog-Signature']);

/** The method as a metric or span attribute: anything unknown is `_OTHER` (bounded cardinality). */
export function normalMethod(method: string | undefined): string {
  if (method === undefined) return 'GET';
  return KNOWN_METHODS.has(method) ? method : '_OTHER';
}

export function urlScheme(req: IncomingMessage): 'http' | 'https' {
  return (req.socket as Partial<TLSSocket> | null)?.encrypted === true ? 'https' : 'http';
}

function splitHost(host: string): { address: string; port: number | null } {
  const bracket = host.startsWith('[') ? host.indexOf(']') : -1;
  const colon = host.lastIndexOf(':');
  if (colon > bracket && colon !== -1 && (bracket !== -1 || host.indexOf(':') === colon)) {
    const port = Number(host.slice(colon + 1));
    return { address: host.slice(bracket !== -1 ? 1 : 0, bracket !== -1 ? bracket : colon), port: Number.isInteger(port) ? port : null };
  }
  return { address: bracket !== -1 ? host.slice(1, bracket) : host, port: null };
}

function redactedQuery(query: string): string {
  const params = new URLSearchParams(query);
  let changed = false;
  for (const key of params.keys()) {
    if (REDACTED_QUERY_KEYS.has(key)) {
      params.set(key, 'REDACTED');
      changed = true;
    }
  }
  return changed ? params.toString() : query;
}

/** "METHOD route", or the method alone when no route matched: the tail processor keys its error cap by it. */
export function spanName(method: string, route: string | undefined): string {
  return route !== undefined ? `${method} ${route}` : method;
}

export function requestAttributes(req: IncomingMessage, server: Server | null): Attributes {
  const method = normalMethod(req.method);
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const attrs: Attributes = {
    [ATTR.method]: method,
    'url.scheme': urlScheme(req),
    'url.path': q === -1 ? url : url.slice(0, q),
    'network.protocol.version': req.httpVersion,
  };
  if (method === '_OTHER' && req.method !== undefined) attrs['http.request.method_original'] = req.method;
  if (q !== -1) attrs['url.query'] = redactedQuery(url.slice(q + 1));
  const host = req.headers.host;
  if (host) {
    const { address, port } = splitHost(host);
    attrs['server.address'] = address;
    if (port !== null) attrs['server.port'] = port;
  } else {
    const local = server?.address();
    if (local && typeof local === 'object') attrs['server.port'] = local.port;
  }
  const socket = req.socket as IncomingMessage['socket'] | null;
  if (socket?.remoteAddress) attrs['network.peer.address'] = socket.remoteAddress;
  if (socket?.remotePort !== undefined) attrs['network.peer.port'] = socket.remotePort;
  const forwarded = req.headers['x-forwarded-for'];
  const first = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(',')[0]?.trim();
  const client = first || socket?.remoteAddress;
  if (client) attrs['client.address'] = client;
  const agent = req.headers['user-agent'];
  if (agent) attrs['user_agent.original'] = agent;
  return attrs;
}

/** Sets what is known at the end and ends the span. */
export function finishServerSpan(span: Span, facts: RequestFacts): void {
  span.updateName(spanName(facts.method, facts.route));
  const attrs: Attributes = {};
  if (facts.status !== null) attrs['http.response.status_code'] = facts.status;
  if (facts.route !== undefined) attrs[ATTR.route] = facts.route;
  if (facts.queueWaitMs !== null) attrs[ATTR.queueWaitMs] = facts.queueWaitMs;
  if (facts.bodyReadMs !== null) attrs[ATTR.bodyReadMs] = facts.bodyReadMs;
  if (facts.responseWriteMs !== null) attrs[ATTR.responseWriteMs] = facts.responseWriteMs;
  if (facts.inBytes !== null) attrs['http.request.body.size'] = facts.inBytes;
  if (facts.outBytes !== null) attrs['http.response.body.size'] = facts.outBytes;
  if (facts.aborted) attrs[ATTR.aborted] = true;
  const serverError = facts.status !== null && facts.status >= 500;
  if (serverError) attrs['error.type'] = String(facts.status);
  else if (facts.unanswered !== null) attrs['error.type'] = facts.unanswered.type;
  span.setAttributes(attrs);
  // Server spans: 4xx is the client's error, not the server's (semantic conventions). A 4xx
  // the framework made of an error (validation, not found) leaves the span unset too.
  // A response cut off after its status (express destroys the socket of an error after the
  // headers were sent) failed for the framework's error, when there was one.
  if (facts.error !== null && (serverError || facts.status === null || facts.unanswered !== null)) recordRequestError(span, facts.error);
  else if (serverError) span.setStatus({ code: SpanStatusCode.ERROR });
  else if (facts.unanswered !== null) span.setStatus({ code: SpanStatusCode.ERROR, message: facts.unanswered.message });
  span.end(performance.timeOrigin + facts.endAt);
}
