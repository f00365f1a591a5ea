// What the agent's export warnings say (QA4). An endpoint set to the collector's dashboard port
// (or any server without the OTLP paths) answers 404: the warning says which address the
// endpoint should be (it said only "HTTP 404"). The OTLP exporter's "Concurrent export limit
// reached" read as lost data: it says the export is held. The real OTLP exporter against a real
// HTTP server. A file of its own: the agent's warnings are rate-limited per code for the whole
// process, one test per code here.
import assert from 'node:assert/strict';
import { ROOT_CONTEXT, SpanKind } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { BasicTracerProvider, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { createServer } from 'node:http';
import { test } from 'node:test';
import { ExportQueue } from '../../agent/src/export/export-queue';
import { ExportHealth } from '../../agent/src/export/health';
import { ExportResultCode } from '@opentelemetry/core';
import { setReportSink } from '../../agent/src/report';

test("a 404 says the endpoint should be the collector's OTLP address, not its dashboard port", async (t) => {
  const lines: string[] = [];
  setReportSink((line) => lines.push(line));
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.statusCode = 404;
      res.end('{"error":{"code":"HR_API_NOT_FOUND"}}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(async () => {
    setReportSink((line) => void process.stderr.write(line));
    await new Promise<void>((r) => server.close(() => r()));
  });
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/v1/traces`;
  const queue = new ExportQueue<ReadableSpan>('spans', new OTLPTraceExporter({ url }), new ExportHealth(url), { maxQueue: 100, maxBatch: 100, delayMs: 10_000 });
  const spans: ReadableSpan[] = [];
  const provider = new BasicTracerProvider({ spanProcessors: [{ onStart: () => undefined, onEnd: (s) => void spans.push(s), forceFlush: async () => undefined, shutdown: async () => undefined }] });
  provider.getTracer('t').startSpan('GET /', { kind: SpanKind.SERVER }, ROOT_CONTEXT).end();
  for (const s of spans) queue.push(s);
  await queue.flush();
  await queue.shutdown();
  const refused = lines.find((l) => l.includes('HR_AGENT_EXPORT_REFUSED')) ?? '';
  assert.match(refused, /HTTP 404.*is OTEL_EXPORTER_OTLP_ENDPOINT the collector's OTLP address, port 4318 by default, not its dashboard port\?/);
});

test('an export refused for the concurrency limit is said to be held, not lost', (t) => {
  const lines: string[] = [];
  setReportSink((line) => lines.push(line));
  t.after(() => setReportSink((line) => void process.stderr.write(line)));
  const health = new ExportHealth('http://127.0.0.1:4318/v1/metrics');
  health.failed('metrics', 0, { code: ExportResultCode.FAILED, error: new Error('Concurrent export limit reached') });
  const failed = lines.find((l) => l.includes('HR_AGENT_EXPORT_FAILED')) ?? '';
  assert.match(failed, /metrics to .*: earlier exports are still waiting for the collector \(this one is held to send again\)/);
  assert.doesNotMatch(failed, /Concurrent export limit/);
});
