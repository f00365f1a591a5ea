// Slow clients and big bodies: the time to read a request body (from the headers being
// parsed to the body's last byte), the time to flush the response (from the handler's
// `res.end()` to the last byte handed to the socket — 'finish'), and the bytes in and out.
// `ServerResponse.prototype.end` is wrapped once to tell the caller when a handler finished.
// The wrapper writes nothing on the response object: a property added to Node's response
// objects after construction makes the http module's hot property accesses polymorphic,
// which measured 5 % of a hello-world request's throughput (docs/agent.md).
import { ServerResponse, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';

const kPatched = Symbol.for('headroom.agent.res.endPatched');

/** Wraps `end` once per process; `onEnd` runs before the original, for every response. */
export function patchResponseEnd(onEnd: (res: ServerResponse) => void): void {
  const proto = ServerResponse.prototype as ServerResponse & { [kPatched]?: boolean };
  if (proto[kPatched]) return;
  const original = proto.end;
  Object.defineProperty(proto, kPatched, { value: true });
  proto.end = function end(this: ServerResponse) {
    try {
      onEnd(this);
    } catch {
      // Never into the app's end(): the response-write time is just not known then.
    }
    // eslint-disable-next-line prefer-rest-params -- passed through as is, no copy
    return (original as (...a: unknown[]) => ServerResponse).apply(this, arguments as unknown as unknown[]);
  } as typeof proto.end;
}

/**
 * Counts a body of undeclared length (chunked) as Node's HTTP parser hands it to the request
 * (`stream.push(b)` in lib/_http_common.js parserOnBody): the body's bytes without the chunks'
 * framing, as a Content-Length would have declared them. The socket's byte count cannot say
 * it: the read that held the headers often holds some or all of the body too (a small upload
 * is one packet). An own `push` on this one request; requests with a Content-Length keep
 * their shape.
 */
export function countBodyBytes(req: IncomingMessage, add: (bytes: number) => void): void {
  const push = req.push;
  req.push = function countedPush(this: IncomingMessage, chunk: unknown, encoding?: BufferEncoding): boolean {
    if (chunk instanceof Uint8Array) add(chunk.length);
    return push.call(this, chunk, encoding);
  };
}

/** Whether the request has a body to read (RFC 9112 §6.3: Content-Length or chunked). */
export function hasBody(headers: IncomingHttpHeaders): boolean {
  const length = headers['content-length'];
  if (length !== undefined) return length !== '0';
  return headers['transfer-encoding'] !== undefined;
}

export function declaredLength(value: string | number | string[] | undefined): number | null {
  const text = Array.isArray(value) ? value[0] : value;
  if (text === undefined) return null;
  const n = typeof text === 'number' ? text : Number(text);
  return Number.isFinite(n) && n >= 0 ? n : null;
}
