// Slow clients and big bodies: the time to read a request body (from the headers being
// parsed to the body's last byte), the time to flush the response (from the handler's
// `res.end()` to the last byte handed to the socket — 'finish'), and the bytes in and out.
// `ServerResponse.prototype.end` is wrapped once to stamp when the handler finished; that is
// a property write per response, nothing more.
import { ServerResponse, type IncomingMessage } from 'node:http';

const kEndAt = Symbol.for('headroom.agent.res.endAt');
const kPatched = Symbol.for('headroom.agent.res.endPatched');

type Stamped = ServerResponse & { [kEndAt]?: number };

export function patchResponseEnd(): void {
  const proto = ServerResponse.prototype as ServerResponse & { [kPatched]?: boolean };
  if (proto[kPatched]) return;
  const original = proto.end;
  Object.defineProperty(proto, kPatched, { value: true });
  proto.end = function end(this: Stamped, ...args: unknown[]) {
    if (this[kEndAt] === undefined) this[kEndAt] = performance.now();
    return (original as (...a: unknown[]) => ServerResponse).apply(this, args);
  } as typeof proto.end;
}

export function endCalledAt(res: ServerResponse): number | undefined {
  return (res as Stamped)[kEndAt];
}

/** Whether the request has a body to read (RFC 9112 §6.3: Content-Length or chunked). */
export function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  if (length !== undefined) return length !== '0';
  return req.headers['transfer-encoding'] !== undefined;
}

export function declaredLength(value: string | number | string[] | undefined): number | null {
  const text = Array.isArray(value) ? value[0] : value;
  if (text === undefined) return null;
  const n = typeof text === 'number' ? text : Number(text);
  return Number.isFinite(n) && n >= 0 ? n : null;
}
