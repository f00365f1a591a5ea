// Reads an OTLP request body with the size cap enforced twice: on the bytes as they arrive
// (and on Content-Length before reading), and again on the decompressed bytes, so a small
// gzip body that inflates past the cap (a decompression bomb) is refused too (413).
import type http from 'node:http';
import zlib from 'node:zlib';
import { errors, type ErrorInfo } from '../../errors';
import { bodyViolation, type FieldViolation } from '../field-violation';

/** The request cannot be served: answer `status` with this error (and, for a 400, these violations). */
export class BodyError extends Error {
  constructor(
    readonly status: number,
    readonly info: ErrorInfo,
    readonly detail?: string,
    readonly violations: FieldViolation[] = [],
  ) {
    super(detail ? `${info.message}: ${detail}` : info.message);
  }
}

/** The client went away before the body was complete: there is nobody to answer. */
export class AbortedError extends Error {}

type Coding = 'identity' | 'gzip';

// OTLP/HTTP defines gzip only ("The client MAY gzip the content and in that case MUST include
// Content-Encoding: gzip"); other codings are refused with 415 (RFC 9110 §15.5.16).
function contentCoding(header: string | undefined): Coding | null {
  const v = (header ?? '').trim().toLowerCase();
  if (v === '' || v === 'identity') return 'identity';
  if (v === 'gzip' || v === 'x-gzip') return 'gzip';
  return null;
}

function collect(req: http.IncomingMessage, maxBytes: number, onBytes: (n: number) => void): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const finish = (err: Error | null, body?: Buffer): void => {
      if (settled) return;
      settled = true;
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
      if (err) reject(err);
      else resolve(body ?? Buffer.alloc(0));
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      onBytes(chunk.length);
      if (size > maxBytes) {
        chunks.length = 0;
        // Keep reading (and dropping) the rest, so the client can finish sending and read
        // the 413; the response carries Connection: close.
        req.resume();
        finish(new BodyError(413, errors.otlpTooLarge, `more than ${maxBytes} bytes`));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => finish(null, chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size));
    const onError = (): void => finish(new AbortedError('request stream failed'));
    const onClose = (): void => finish(new AbortedError('client went away'));
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}

function gunzip(body: Buffer, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    zlib.gunzip(body, { maxOutputLength: maxBytes }, (err, out) => {
      if (!err) return resolve(out);
      if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' || err instanceof RangeError) {
        return reject(new BodyError(413, errors.otlpTooLarge, `more than ${maxBytes} bytes after gzip decompression`));
      }
      reject(new BodyError(400, errors.otlpBadGzip, err.message, [bodyViolation(`not valid gzip (Content-Encoding: gzip): ${err.message}`)]));
    });
  });
}

/** `onBytes` is told of every chunk buffered, for the receiver's in-flight budget. */
export async function readBody(req: http.IncomingMessage, maxBytes: number, onBytes: (n: number) => void = () => {}): Promise<Buffer> {
  const coding = contentCoding(req.headers['content-encoding']);
  if (!coding) throw new BodyError(415, errors.otlpContentEncoding, String(req.headers['content-encoding']));
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) {
    req.resume();
    throw new BodyError(413, errors.otlpTooLarge, `Content-Length ${declared} > ${maxBytes} bytes`);
  }
  const raw = await collect(req, maxBytes, onBytes);
  return coding === 'gzip' ? gunzip(raw, maxBytes) : raw;
}
