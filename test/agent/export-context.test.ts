// The agent's exports run in the ROOT context, whichever request queued the last item: a
// request's context carried into the export made a stall in the serialiser that request's.
import assert from 'node:assert/strict';
import { context, createContextKey, ROOT_CONTEXT, SpanKind } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import type { ExportResult } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { BasicTracerProvider, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { createServer, type Server } from 'node:http';
import { after, before, test } from 'node:test';
import { ExportQueue } from '../../agent/src/export/export-queue';
import { ExportHealth } from '../../agent/src/export/health';

const REQUEST = createContextKey('a request');
const manager = new AsyncLocalStorageContextManager().enable();
let server: Server;
let url = '';
let bodies = 0;

before(async () => {
  context.setGlobalContextManager(manager);
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      bodies++;
      res.setHeader('content-type', 'application/x-protobuf');
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as { port: number }).port}/v1/traces`;
});

after(async () => {
  context.disable();
  await new Promise((r) => server.close(r));
});

function spans(n: number): ReadableSpan[] {
  const out: ReadableSpan[] = [];
  const provider = new BasicTracerProvider({ spanProcessors: [{ onStart: () => undefined, onEnd: (s) => void out.push(s), forceFlush: async () => undefined, shutdown: async () => undefined }] });
  for (let i = 0; i < n; i++) provider.getTracer('t').startSpan(`span ${i}`, { kind: SpanKind.SERVER }, ROOT_CONTEXT).end();
  return out;
}

/** The real OTLP exporter, noting the context each export (and its HTTP request) starts in. */
function watchedExporter(seen: unknown[]): OTLPTraceExporter {
  const inner = new OTLPTraceExporter({ url });
  const original = inner.export.bind(inner);
  inner.export = (items: ReadableSpan[], done: (result: ExportResult) => void): void => {
    seen.push(context.active().getValue(REQUEST));
    original(items, done);
  };
  return inner;
}

test('an export started by the batch timer or by a full batch carries no request context', async () => {
  const seen: unknown[] = [];
  const queue = new ExportQueue<ReadableSpan>('spans', watchedExporter(seen), new ExportHealth(url), { maxQueue: 100, maxBatch: 4, delayMs: 20 });
  const inRequest = ROOT_CONTEXT.setValue(REQUEST, 'GET /leak');
  const [a, b, c, d, e] = spans(5);
  // A full batch: sent at once, from inside the request.
  context.with(inRequest, () => [a, b, c, d].forEach((s) => queue.push(s!)));
  // One more: the timer is armed from inside the request.
  context.with(inRequest, () => queue.push(e!));
  await new Promise((r) => setTimeout(r, 200));
  await queue.flush();
  assert.equal(bodies, 2);
  assert.deepEqual(seen, [undefined, undefined]);
  await queue.shutdown();
});
