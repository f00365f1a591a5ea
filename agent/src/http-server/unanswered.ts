// A request the server closed without answering: its own timeout (`server.timeout`, which
// destroys an idle socket when nothing handles 'timeout') or the app destroying the response.
// The client saw the connection close with nothing (a load balancer answers it 502): a failed
// request, "not answered", where a client that went away first is not (Headroom's error rate
// and Errors page count "5xx, or not answered"). So is a response cut off after its status was
// sent (the app destroying it mid-body, the timeout while it streamed): the client read a 200
// and half a body, a failed request as much as one that got nothing. Told apart by the socket
// at the response's 'close': a client that left ended its side (read to its end) or reset it;
// a socket the server destroyed has neither.
import type { Socket } from 'node:net';

export interface Unanswered {
  /**
   * The request metric's and span's `error.type` (the semantic conventions' `timeout`, or our
   * own): `response_cut_off` when the status had been sent.
   */
  type: 'timeout' | 'connection_closed' | 'response_cut_off';
  /** The span's status message: why the request failed, as the Errors page groups it. */
  message: string;
}

/** Codes of a socket error that say the client went away. */
const CLIENT_GONE = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED']);

/**
 * Why a request whose response did not finish was not answered (in full), when the server closed
 * it: its socket's timeout elapsed, or not; null when the client went away. `status`: the status
 * already sent, if any (then the response was cut off). Read only for an unfinished response, at
 * its end.
 */
export function unansweredBy(socket: Socket | null, durationMs: number, status: number | null): Unanswered | null {
  if (socket === null || !socket.destroyed || socket.readableEnded) return null;
  const { errored } = socket;
  if (errored !== null && errored !== undefined && CLIENT_GONE.has(String((errored as { code?: unknown }).code))) return null;
  // The timer runs from the socket's last read, just before the request started (1 ms of slack).
  const timeoutMs = socket.timeout ?? 0;
  const timedOut = timeoutMs > 0 && durationMs >= timeoutMs - 1;
  const closer = timedOut ? `the server's timeout (${timeoutMs} ms)` : 'the server';
  if (status !== null) {
    return { type: 'response_cut_off', message: `cut off: ${closer} closed the connection after status ${status} was sent, before the response's end` };
  }
  if (timedOut) return { type: 'timeout', message: `not answered: ${closer} closed the connection` };
  return { type: 'connection_closed', message: `not answered: ${closer} closed the connection` };
}
