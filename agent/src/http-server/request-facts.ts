// What a request turned out to be, read once at its end; metrics, the server span and the
// keep decision all read these.
import { OutgoingMessage } from 'node:http';
import { declaredLength } from '../signals/slow-clients';
import { requestErrorOf, type RequestError } from './request-error';
import { routeOf, type RequestState } from './request-state';
import { unansweredBy, type Unanswered } from './unanswered';

// Node's own getHeader, called on the response: looking the method up on express's response
// walks four prototypes in V8's runtime and allocates a handler, every request (request-state.ts).
const getHeader = OutgoingMessage.prototype.getHeader;

export interface RequestFacts {
  method: string;
  route: string | undefined;
  /** The status sent; null when the client went away before the response's head was sent. */
  status: number | null;
  durationMs: number;
  /** performance.now() at the end (the epoch time is worked out only for a span: it costs a native call). */
  endAt: number;
  /** The client went away before the response was fully handed to the socket. */
  aborted: boolean;
  /** Not answered, or cut off after its status, and not for the client's leaving: the server closed the connection (unanswered.ts). */
  unanswered: Unanswered | null;
  queueWaitMs: number | null;
  bodyReadMs: number | null;
  responseWriteMs: number | null;
  inBytes: number | null;
  outBytes: number | null;
  /** The error the framework reported (request-error.ts), if any. */
  error: RequestError | null;
}

/**
 * The status line and headers Node wrote before the body (`_header`, the text it sent, in
 * latin1: a character a byte): the socket's byte count holds them, the body size does not
 * (a 6-byte streamed body read as 152 bytes). Read only for a response without Content-Length.
 */
function headBytes(res: RequestState['res']): number {
  const head = (res as { _header?: unknown })._header;
  return typeof head === 'string' ? head.length : 0;
}

/** Reads the response's status, whether it finished and its length; the rest was read at the start. */
export function requestFacts(state: RequestState, now: number): RequestFacts {
  const { res, socket } = state;
  // Whether the response was handed to the socket in full. A response whose socket is still
  // open at its 'close' has finished ('close' follows 'finish' within the tick; a client that
  // went away destroys the socket first): only then is `res.writableFinished` read, a getter
  // that costs four inline-cache misses on express's response (request-state.ts).
  const finished = (socket !== null && !socket.destroyed) || res.writableFinished;
  const endAt = state.endAt;
  const bodyRead = state.bodyEndAt !== null;
  // Not the 200 a response starts with, when no status line ever left (read only then: the
  // getter misses its inline cache on express's response).
  const status = finished || res.headersSent ? res.statusCode : null;
  const durationMs = Math.max(0, now - state.startAt);
  return {
    method: state.method,
    route: routeOf(state),
    status,
    durationMs,
    endAt: now,
    aborted: !finished,
    unanswered: finished ? null : unansweredBy(socket, durationMs, status),
    queueWaitMs: state.queueWaitMs,
    bodyReadMs: bodyRead ? Math.max(0, (state.bodyEndAt ?? now) - state.startAt) : null,
    responseWriteMs: endAt !== null && finished ? Math.max(0, now - endAt) : null,
    inBytes: state.inDeclared ?? (bodyRead ? state.bytesIn : null),
    outBytes: declaredLength(getHeader.call(res, 'content-length')) ?? (socket ? Math.max(0, socket.bytesWritten - state.bytesOut0 - headBytes(res)) : null),
    error: requestErrorOf(state, status, now),
  };
}
