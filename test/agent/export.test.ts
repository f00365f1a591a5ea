// The bounded export queue and delivery bookkeeping, with the real OTLP exporter against a
// real HTTP server (one that answers, one port that refuses).
import assert from 'node:assert/strict';
import { ROOT_CONTEXT, SpanKind } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { BasicTracerProvider, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { createServer } from 'node:http';
import { after, test } from 'node:test';
import { ExportQueue } from '../../agent/src/export/export-queue';
import { ExportHealth } from '../../agent/src/export/health';
import { report, setReportSink } from '../../agent/src/report';

const lines: string[] = [];
setReportSink((line) => lines.push(line));
after(() => setReportSink((line) => void process.stderr.write(line)));

function spans(n: number): ReadableSpan[] {
  const out: ReadableSpan[] = [];
  const provider = new BasicTracerProvider({ spanProcessors: [{ onStart: () => undefined, onEnd: (s) => void out.push(s), forceFlush: async () => undefined, shutdown: async () => undefined }] });
  const tracer = provider.getTracer('t');
  for (let i = 0; i < n; i++) tracer.startSpan(`span ${i}`, { kind: SpanKind.SERVER }, ROOT_CONTEXT).end();
  return out;
}

test('collector unreachable: the queue holds at most maxQueue and keeps a failed batch to send again; shutdown counts what is left', async () => {
  const health = new ExportHealth('http://127.0.0.1:9');
  const exporter = new OTLPTraceExporter({ url: 'http://127.0.0.1:9/v1/traces', timeoutMillis: 500 });
  const queue = new ExportQueue<ReadableSpan>('spans', exporter, health, { maxQueue: 10, maxBatch: 100, delayMs: 10_000 });
  for (const s of spans(25)) queue.push(s);
  assert.equal(queue.length, 10);
  assert.equal(health.dropped.spans, 15);
  await queue.flush(); // one attempt: it fails, and the batch goes back
  assert.equal(queue.length, 10);
  assert.equal(health.dropped.spans, 15);
  assert.equal(health.answering, false);
  assert.equal(lines.filter((l) => l.includes('HR_AGENT_EXPORT_FAILED')).length, 1);
  await queue.shutdown();
  assert.equal(queue.length, 0);
  assert.equal(health.dropped.spans, 25);
});

test('a batch the collector refuses (400) is dropped, not sent again', async () => {
  let bodies = 0;
  const server = createServer((req, res) => {
    bodies++;
    req.resume();
    req.on('end', () => {
      res.statusCode = 400;
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/v1/traces`;
  const health = new ExportHealth(url);
  const queue = new ExportQueue<ReadableSpan>('spans', new OTLPTraceExporter({ url }), health, { maxQueue: 100, maxBatch: 100, delayMs: 10_000 });
  for (const s of spans(4)) queue.push(s);
  await queue.flush();
  assert.equal(queue.length, 0);
  assert.equal(health.dropped.spans, 4);
  assert.equal(bodies, 1);
  // Said as final: nothing of it is held to send again.
  const refused = lines.find((l) => l.includes('HR_AGENT_EXPORT_REFUSED')) ?? '';
  assert.match(refused, /not sent again: spans to .*: HTTP 400/);
  assert.doesNotMatch(refused, /holding/);
  await queue.shutdown();
  await new Promise<void>((r) => server.close(() => r()));
});

test('collector back: exports succeed and the recovery is reported with the drop count', async () => {
  let bodies = 0;
  const server = createServer((req, res) => {
    bodies++;
    req.resume();
    req.on('end', () => {
      res.setHeader('content-type', 'application/x-protobuf');
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/v1/traces`;
  const health = new ExportHealth(url);
  health.failed('spans', 7, { code: 1, error: new Error('down') });
  const queue = new ExportQueue<ReadableSpan>('spans', new OTLPTraceExporter({ url }), health, { maxQueue: 100, maxBatch: 3, delayMs: 10_000 });
  for (const s of spans(5)) queue.push(s);
  await queue.flush();
  await queue.shutdown();
  await new Promise<void>((r) => server.close(() => r()));
  assert.equal(bodies, 2); // batches of 3 + 2
  assert.equal(health.exported.spans, 5);
  assert.match(lines.find((l) => l.includes('HR_AGENT_EXPORT_RECOVERED')) ?? '', /7 items dropped/);
});

test('warnings are rate-limited per code, with the number suppressed', () => {
  const before = lines.length;
  report('internal', 'first', 1_000_000);
  report('internal', 'second', 1_000_100);
  report('internal', 'third', 1_000_200);
  report('internal', 'later', 1_100_000);
  const mine = lines.slice(before);
  assert.equal(mine.length, 2);
  assert.match(mine[0]!, /^\[headroom\] HR_AGENT_INTERNAL: .*first/);
  assert.match(mine[1]!, /later \(2 similar suppressed\)/);
});
