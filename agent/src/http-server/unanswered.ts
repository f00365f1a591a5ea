// A request the server closed without answering: its own timeout (`server.timeout`, which
// destroys an idle socket when nothing handles 'timeout') or the app destroying the response.
// The client saw the connection close with nothing (a load balancer answers it 502): a failed
// request, "not answered", where a client that went away first is not (Headroom's error rate
// and Errors page count "5xx, or not answered"). Told apart by the socket at the response's
// 'close': a client that left ended its side (read to its end) or reset it; a socket the server
// destroyed has neither.
import type { Socket } from 'node:net';

export interface Unanswered {
  /** The request metric's and span's `error.type` (the semantic conventions' `timeout`, or our own). */
  type: 'timeout' | 'connection_closed';
  /** The span's status message: why the request failed, as the Errors page groups it. */
  message: string;
}

/** Codes of a socket error that say the client went away. */
const CLIENT_GONE = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED']);

/**
 * Why a request that sent no status line was not answered, when the server closed it: its
 * socket's timeout elapsed, or not; null when the client went away. Read only for a request
 * with no status, at its end.
 */
export function unansweredBy(socket: Socket | null, durationMs: number): Unanswered | null {
  if (socket === null || !socket.destroyed || socket.readableEnded) return null;
  const { errored } = socket;
  if (errored !== null && errored !== undefined && CLIENT_GONE.has(String((errored as { code?: unknown }).code))) return null;
  // The timer runs from the socket's last read, just before the request started (1 ms of slack).
  const timeoutMs = socket.timeout ?? 0;
  if (timeoutMs > 0 && durationMs >= timeoutMs - 1) {
    return { type: 'timeout', message: `not answered: the server's timeout (${timeoutMs} ms) closed the connection` };
  }
  return { type: 'connection_closed', message: 'not answered: the server closed the connection' };
}
