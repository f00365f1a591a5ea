// A real OTel log exporter → receiver → Headroom EventRecords.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { TraceFlags, context, trace } from '@opentelemetry/api';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { allOf, startReceiver, type Harness } from '../fixtures/receiver/harness';

let h: Harness;
before(async () => {
  h = await startReceiver();
});
after(() => h.close());

test('headroom.* log records become events; other log records are counted, not stored', async () => {
  const provider = new LoggerProvider({
    resource: resourceFromAttributes({ 'service.name': 'api', 'service.instance.id': 'api-7' }),
    processors: [new SimpleLogRecordProcessor({ exporter: new OTLPLogExporter({ url: `${h.url}/v1/logs` }) })],
  });
  const logger = provider.getLogger('headroom');
  const traceId = '0af7651916cd43dd8448eb211c80319c';
  const spanId = 'b7ad6b7169203331';
  logger.emit({
    timestamp: [1_700_000_100, 250_000_001],
    body: 'event loop blocked for 230 ms',
    attributes: {
      'event.name': 'headroom.eventloop.stall',
      'headroom.stall.duration_ms': 230,
      'http.route': '/report',
      'code.function': 'buildReport',
    },
    // Emitted inside a span: the record carries its trace and span ids.
    context: trace.setSpanContext(context.active(), { traceId, spanId, traceFlags: TraceFlags.SAMPLED }),
  });
  // The newer way: the LogRecord's own event_name field (proto field 12).
  logger.emit({ eventName: 'headroom.process.start', timestamp: [1_700_000_000, 0], attributes: { 'headroom.setting.keepAliveTimeout': 5000 } });
  logger.emit({ body: 'an ordinary log line', attributes: { level: 'info' } });
  logger.emit({ eventName: 'headroom.something.new', body: 'unknown Headroom event' });
  await provider.forceFlush();
  await provider.shutdown();

  const events = allOf(h.batches, 'events');
  assert.equal(events.length, 2);
  const stall = events.find((e) => e.type === 'stall')!;
  assert.equal(stall.service, 'api');
  assert.equal(stall.instanceId, 'api-7');
  assert.equal(stall.timeNs, 1_700_000_100_250_000_001n);
  assert.equal(stall.durationMs, 230);
  assert.equal(stall.route, '/report');
  assert.equal(stall.message, 'event loop blocked for 230 ms');
  assert.equal(stall.attributes['code.function'], 'buildReport');
  assert.equal(stall.traceId, traceId);
  assert.equal(stall.spanId, spanId);
  const start = events.find((e) => e.type === 'start')!;
  assert.equal(start.timeNs, 1_700_000_000_000_000_000n);
  assert.equal(start.attributes['headroom.setting.keepAliveTimeout'], 5000);
  assert.equal(start.traceId, null); // emitted outside a span

  const stats = h.receiver.stats().logs;
  assert.equal(stats.received, 4);
  assert.equal(stats.rejected, 0);
  assert.equal(allOf(h.batches, 'instances')[0]!.instanceId, 'api-7');
});
