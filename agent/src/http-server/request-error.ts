// Why a request failed, as its framework reported it: fastify's handler channel
// (signals/frameworks.ts), express's error dispatch and final handler (express-layers.ts),
// koa's `ctx.onerror` (koa-routes.ts), hapi's error response (read at the end). The error is
// kept in the request state — no span needed, so a light request has it too — and written on
// the server span of a request that failed (5xx, or no answer): an `exception` event and the
// status message, where the trace list and the trace page look for a failure's reason.
import { context, SpanStatusCode, type Exception, type Span } from '@opentelemetry/api';
import { activeRequest, type RequestState } from './request-state';

/** Keeps the first error reported for a running request: the origin, not what error handlers made of it. */
export function noteRequestError(state: RequestState | undefined, err: unknown): void {
  if (state === undefined || state.doneAt !== null || state.error !== undefined || err === undefined || err === null) return;
  state.error = err;
  state.errorAt = performance.now();
}

/** For hooks that run inside the request's context and have only the error. */
export function noteActiveRequestError(err: unknown): void {
  noteRequestError(activeRequest(context.active()), err);
}

export interface RequestError {
  error: unknown;
  /** performance.now() when it was reported. */
  at: number;
}

/**
 * The request's error, read at its end. Hapi reports nothing on its way: a handler's throw
 * becomes its response — the error itself (boomified in place) until hapi answers, then a
 * response made from it that keeps it as `_error` (hapi's own, what it logs the error from).
 * Read only for a failed request, so a successful one pays nothing.
 */
export function requestErrorOf(state: RequestState, status: number | null, now: number): RequestError | null {
  if (state.error !== undefined) return { error: state.error, at: state.errorAt };
  if (state.hapiRequest !== undefined && (status === null || status >= 500)) {
    const response = state.hapiRequest.response;
    const error = response instanceof Error ? response : (response as { _error?: unknown } | null | undefined)?._error;
    if (error instanceof Error) return { error, at: now };
  }
  return null;
}

function messageOf(err: unknown): string {
  if (err instanceof Error) return err.message;
  if (typeof err === 'string') return err;
  try {
    return String(err);
  } catch {
    return 'unknown error';
  }
}

function asException(err: unknown): Exception {
  if (err instanceof Error || typeof err === 'string') return err;
  return { message: messageOf(err) };
}

/**
 * Marks a failed server span with its error: the semantic conventions' `exception` event
 * (exception.type, exception.message, exception.stacktrace) at the time it was reported, and
 * the message as the span's status description.
 */
export function recordRequestError(span: Span, { error, at }: RequestError): void {
  span.recordException(asException(error), performance.timeOrigin + at);
  span.setStatus({ code: SpanStatusCode.ERROR, message: messageOf(error) });
}
