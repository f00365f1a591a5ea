// Why a request failed, as its framework reported it: fastify's handler channel
// (signals/frameworks.ts), express's error dispatch and final handler (express-layers.ts),
// koa's `ctx.onerror` and `app.emit('error')` (koa-routes.ts), hapi's error response (read at
// the end). The error is kept in the request state — no span needed, so a light request has it
// too — and written on the server span of a request that failed (5xx, or no answer): an
// `exception` event and the status message, where the trace list and the trace page look for
// a failure's reason.
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

/** Causes followed at most: a wrapper of a wrapper of the failure is as deep as apps go. */
const MAX_CAUSES = 3;

/** An error's `cause` (ES2022) when it is one: an Error, or an object with a message or code. */
function causeOf(err: unknown): { message: string; stack: string | undefined } | null {
  const cause = (err as { cause?: unknown } | null)?.cause;
  if (cause === null || typeof cause !== 'object') return null;
  const { message, code, stack } = cause as { message?: unknown; code?: unknown; stack?: unknown };
  // A refused connection to `localhost` is an AggregateError of its two addresses, without a message.
  const text = typeof message === 'string' && message !== '' ? message : typeof code === 'string' ? code : '';
  return text === '' ? null : { message: text, stack: typeof stack === 'string' ? stack : undefined };
}

/**
 * The message, followed by its causes' where it does not already say them: fetch's
 * "fetch failed" is the same for every failure, its cause (`connect ECONNREFUSED
 * 10.0.3.7:5432`, `getaddrinfo ENOTFOUND api.example`) says which downstream failed and how,
 * and the Errors page groups failures by this message.
 */
function messageWithCauses(err: unknown): { message: string; stack: string | undefined } {
  let message = messageOf(err);
  let stack = err instanceof Error ? err.stack : undefined;
  let at = err;
  try {
    for (let i = 0; i < MAX_CAUSES; i++) {
      const cause = causeOf(at);
      if (cause === null) break;
      if (!message.includes(cause.message)) message += ` (cause: ${cause.message})`;
      if (stack !== undefined) stack += `\nCaused by: ${cause.stack ?? cause.message}`;
      at = (at as { cause: unknown }).cause;
    }
  } catch {
    // A cause behind a getter that throws: the causes read so far.
  }
  return { message, stack };
}

/** The exception.type recordException gives an error: its `code` (a system error's ECONNREFUSED), else its name. */
export function errorTypeOf(err: unknown): string | undefined {
  if (!(err instanceof Error)) return undefined;
  const { code } = err as { code?: unknown };
  return typeof code === 'string' || typeof code === 'number' ? String(code) : err.name;
}

function asException(err: unknown, { message, stack }: { message: string; stack: string | undefined }): Exception {
  if (typeof err === 'string') return err;
  if (!(err instanceof Error)) return { message };
  // recordException names the type by `code` first (a system error's ECONNREFUSED), then `name`.
  const { code } = err as { code?: unknown };
  return { name: err.name, message, stack, ...(typeof code === 'string' || typeof code === 'number' ? { code } : {}) };
}

/**
 * Marks a failed server span with its error: the semantic conventions' `exception` event
 * (exception.type, exception.message, exception.stacktrace) at the time it was reported, and
 * the message as the span's status description; both with the error's causes.
 */
export function recordRequestError(span: Span, { error, at }: RequestError): void {
  const described = messageWithCauses(error);
  span.recordException(asException(error, described), performance.timeOrigin + at);
  span.setStatus({ code: SpanStatusCode.ERROR, message: described.message });
}
