// The OTLP/HTTP receiver: a plain Node request listener for the OTLP port.
// HTTP bytes → body (cap, gzip) → decode (protobuf | JSON) → normalise → storage.enqueue(batch).
// Trace requests are decoded and normalised in worker threads (trace-workers/), the rest here.
// Behaviour follows the OTLP specification (opentelemetry-proto docs/specification.md, OTLP/HTTP).
import type http from 'node:http';
import os from 'node:os';
import { errors } from '../errors';
import { emptyBatch, type IngestBatch } from '../model';
import type { Storage } from '../store/storage';
import { CumulativeToDelta, type CumulativeOptions, type DeltaTransaction } from './cumulative-to-delta';
import { decodeJson } from './decode/json';
import { DecodeError, type DecodedRequest, type Signal } from './decode/otlp-types';
import { bodyViolation, type FieldViolation } from './field-violation';
import { IngestLimits, INSTANCE_LIVE_MS, type IngestLimitSettings } from './ingest-limits';
import { otlpTypes } from './decode/proto-root';
import { decodeProtobuf } from './decode/protobuf';
import { AbortedError, BodyError, readBody } from './http/read-body';
import { sendBadRequest, sendError, sendExportResponse, type Encoding } from './http/respond';
import { normaliseLogs } from './normalise/logs';
import { normaliseMetrics } from './normalise/metrics';
import { normaliseTraces } from './normalise/traces';
import { nowNs } from './normalise/values';
import { ReceiverCounters, type ReceiverStats } from './stats';
import { PoolClosedError, TraceWorkerPool } from './trace-workers/pool';

export type { ReceiverStats, SignalStats } from './stats';

export interface OtlpReceiverOptions {
  storage: Storage;
  /** Cap on the request body, before and after decompression (default 20 MiB upstream). */
  maxBodyBytes: number;
  /** Seconds a sender is told to wait when the write queue is full. */
  retryAfterSeconds?: number;
  /**
   * Bytes all requests still being read may buffer together (default 8 × maxBodyBytes).
   * Past it new requests get 503 at once: many slow or large senders cannot exhaust memory.
   */
  maxInFlightBytes?: number;
  cumulative?: CumulativeOptions;
  /**
   * Worker threads that decode and normalise trace requests; 0 does it in this thread.
   * Default: one per core beyond the first, at most 4 (none on a single core, where a worker
   * would only add the cost of handing its results over).
   */
  traceWorkers?: number;
  /**
   * Caps on services and live instances per service (ingest-limits.ts); the store is asked at
   * start what it holds. Absent: no caps.
   */
  limits?: IngestLimitSettings & { forgetAfterMs: number };
}

export interface OtlpReceiver {
  handle(req: http.IncomingMessage, res: http.ServerResponse): void;
  stats(): ReceiverStats;
  /** Stops the trace workers; requests still being decoded by them fail (500). */
  close(): Promise<void>;
}

export function defaultTraceWorkers(): number {
  return Math.max(0, Math.min(4, os.availableParallelism() - 1));
}

/** What decoding and normalising one request gave: a batch, or a body that is not OTLP. */
type Normalised =
  | { ok: true; batch: IngestBatch; received: number; rejected: number; cut: number; message: string; tx: DeltaTransaction | null }
  | { ok: false; message: string; violations: FieldViolation[] };

const PATHS: ReadonlyMap<string, Signal> = new Map([
  ['/v1/traces', 'traces'],
  ['/v1/metrics', 'metrics'],
  ['/v1/logs', 'logs'],
]);

function requestEncoding(contentType: string | undefined): Encoding | null {
  const type = (contentType ?? '').split(';', 1)[0]?.trim().toLowerCase();
  if (type === 'application/x-protobuf') return 'protobuf';
  if (type === 'application/json') return 'json';
  return null;
}

function decode<S extends Signal>(signal: S, encoding: Encoding, body: Buffer): DecodedRequest[S] {
  return encoding === 'protobuf' ? decodeProtobuf(signal, body) : decodeJson(signal, body);
}

function normalise(signal: Signal, decoded: DecodedRequest[Signal], batch: IngestBatch, c2d: CumulativeToDelta, received: bigint) {
  if (signal === 'traces') return { outcome: normaliseTraces(decoded as DecodedRequest['traces'], batch, received), tx: null };
  if (signal === 'logs') return { outcome: normaliseLogs(decoded as DecodedRequest['logs'], batch, received), tx: null };
  const tx = c2d.begin();
  return { outcome: normaliseMetrics(decoded as DecodedRequest['metrics'], batch, tx, received), tx };
}

function batchSize(b: IngestBatch): number {
  return b.instances.length + b.spans.length + b.requests.length + b.routeSums.length + b.gauges.length + b.events.length;
}

export function createOtlpReceiver(options: OtlpReceiverOptions): OtlpReceiver {
  const { storage, maxBodyBytes } = options;
  const retryAfter = String(options.retryAfterSeconds ?? 5);
  const c2d = new CumulativeToDelta(options.cumulative);
  const counters = new ReceiverCounters();
  const inFlightBudget = options.maxInFlightBytes ?? 8 * maxBodyBytes;
  let inFlightBytes = 0;
  const traceWorkers = options.traceWorkers ?? defaultTraceWorkers();
  const pool = traceWorkers > 0 ? new TraceWorkerPool(traceWorkers) : null;
  const limits = options.limits
    ? new IngestLimits(options.limits, storage.resourceCensus(Date.now() - INSTANCE_LIVE_MS), options.limits.forgetAfterMs)
    : null;
  otlpTypes(); // load the .proto files now, not on the first request

  /**
   * Decode → normalise in this thread. Synchronous on purpose: from here to tx.commit() nothing
   * else may run, or two requests of one cumulative stream could both diff against the same
   * previous point.
   */
  function decodeAndNormalise(signal: Signal, encoding: Encoding, body: Buffer): Normalised {
    let decoded: DecodedRequest[Signal];
    try {
      decoded = decode(signal, encoding, body);
    } catch (err) {
      if (err instanceof DecodeError) return { ok: false, message: err.message, violations: err.violations };
      if (err instanceof RangeError) return { ok: false, message: err.message, violations: [bodyViolation(err.message)] };
      throw err;
    }
    const batch = emptyBatch();
    const { outcome, tx } = normalise(signal, decoded, batch, c2d, nowNs());
    return { ok: true, batch, received: outcome.received, rejected: outcome.rejected, cut: outcome.cut, message: outcome.message(), tx };
  }

  /** The same for a trace request, in a trace worker (traces keep no state between requests). */
  async function decodeAndNormaliseTraces(pool: TraceWorkerPool, encoding: Encoding, body: Buffer): Promise<Normalised> {
    const r = await pool.run(encoding, body, nowNs());
    return r.ok ? { ...r, tx: null } : r;
  }

  function reply(res: http.ServerResponse, status: number, send: () => void): void {
    counters.response(status);
    send();
  }

  async function serve(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?', 1)[0] ?? '/';
    const signal = PATHS.get(path);
    const encoding = requestEncoding(req.headers['content-type']);
    const errorEncoding: Encoding = encoding ?? 'json';
    if (!signal) {
      req.resume();
      return reply(res, 404, () => sendError(res, 404, errorEncoding, errors.otlpNotFound, path));
    }
    if (req.method !== 'POST') {
      req.resume();
      return reply(res, 405, () => sendError(res, 405, errorEncoding, errors.otlpMethod, req.method, { Allow: 'POST' }));
    }
    if (!encoding) {
      req.resume();
      return reply(res, 415, () => sendError(res, 415, 'json', errors.otlpContentType, String(req.headers['content-type'] ?? 'none')));
    }

    if (inFlightBytes >= inFlightBudget) {
      req.resume();
      return reply(res, 503, () => sendError(res, 503, encoding, errors.otlpBusy, undefined, { 'Retry-After': retryAfter, Connection: 'close' }));
    }
    let body: Buffer;
    let buffered = 0;
    let result: Normalised;
    try {
      try {
        body = await readBody(req, maxBodyBytes, (n) => {
          buffered += n;
          inFlightBytes += n;
        });
      } catch (err) {
        if (err instanceof BodyError) {
          // After a refused body the connection may still carry unread bytes: close it.
          const headers: Record<string, string> = err.status === 413 ? { Connection: 'close' } : {};
          // RFC 7694 §3: a 415 for a content coding names the codings the server does accept.
          if (err.info === errors.otlpContentEncoding) headers['Accept-Encoding'] = 'gzip';
          if (err.status === 400) return reply(res, 400, () => sendBadRequest(res, encoding, err.info, err.detail, err.violations, headers));
          return reply(res, err.status, () => sendError(res, err.status, encoding, err.info, err.detail, headers));
        }
        if (err instanceof AbortedError) return; // nobody left to answer; nothing was decoded
        throw err;
      }
      const stats = counters.signal(signal);
      stats.requests++;
      stats.bytes += body.length;
      // The body counts against the in-flight budget until it is decoded (in a worker, that
      // may be after other requests' bodies).
      result = signal === 'traces' && pool ? await decodeAndNormaliseTraces(pool, encoding, body) : decodeAndNormalise(signal, encoding, body);
    } catch (err) {
      // Not an error of the request: the sender keeps the data and sends it again.
      if (err instanceof PoolClosedError) return reply(res, 503, () => sendError(res, 503, encoding, errors.otlpClosing, undefined, { 'Retry-After': retryAfter, Connection: 'close' }));
      throw err;
    } finally {
      inFlightBytes -= buffered;
    }
    if (!result.ok) return reply(res, 400, () => sendBadRequest(res, encoding, errors.otlpDecode, result.message, result.violations));

    const { batch, tx } = result;
    const stats = counters.signal(signal);
    stats.received += result.received;
    stats.rejected += result.rejected;
    stats.cut += result.cut;
    // From here to commit() nothing else runs: two requests cannot both take a cap's last place.
    const limited = limits?.check(batch, Date.now()) ?? null;
    // Refused instances' cumulative streams leave the state as it was (cumulative-to-delta.ts).
    if (limited && tx) tx.forget(limited.refusedInstance);
    if (batchSize(batch) > 0 && !storage.enqueue(batch)) {
      // Nothing was written (enqueue is all or nothing) and the cumulative state is left as it
      // was, so the sender's retry of the same data gives the same result.
      stats.refused += result.received - result.rejected;
      // A database that cannot be written refuses too: the same retryable 503 (OTLP/HTTP
      // "Retryable Response Codes"), saying why, so the agent keeps the data for later.
      const info = storage.writeFailure?.() ? errors.otlpStoreFailing : errors.otlpQueueFull;
      return reply(res, 503, () => sendError(res, 503, encoding, info, undefined, { 'Retry-After': retryAfter }));
    }
    tx?.commit();
    let rejected = result.rejected;
    let message = result.message;
    if (limited) {
      limited.commit();
      stats.overServiceLimit += limited.refused.services;
      stats.overInstanceLimit += limited.refused.instances;
      rejected += limited.refused.services + limited.refused.instances;
      message = [message, limited.message].filter((m) => m !== '').join('; ');
    }
    reply(res, 200, () => sendExportResponse(res, signal, encoding, partialSuccess(rejected, message)));
  }

  function partialSuccess(rejected: number, message: string) {
    if (rejected === 0 && message === '') return null;
    return { rejected, message: rejected > 0 ? `${errors.otlpPartial.code}: ${message}` : message };
  }

  return {
    handle(req, res) {
      serve(req, res).catch((err: unknown) => {
        // Last resort: whatever a client sends must not take the collector down.
        console.error(`${errors.otlpInternal.code}: ${errors.otlpInternal.message}:`, err);
        if (!res.headersSent && !res.destroyed) {
          reply(res, 500, () => sendError(res, 500, requestEncoding(req.headers['content-type']) ?? 'json', errors.otlpInternal));
        }
      });
    },
    stats() {
      return counters.snapshot(c2d.size, inFlightBytes, limits?.stats().services ?? null);
    },
    async close() {
      await pool?.close();
    },
  };
}
