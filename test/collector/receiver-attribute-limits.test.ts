// Attribute values and counts are bounded at the OTLP port, as the OpenTelemetry SDKs bound
// them (attribute-limits.ts): a sender with no limits of its own (the real SDK with its limits
// raised) sends one span with a 5,000,000-character db.statement, 10,003 attributes and 300
// events, one of them with 200 attributes; the trace API answers 128 attributes with values
// of at most 4,096 characters (cut at a code point, ending in "…"), 128 events, and the
// dropped counts, as OTLP counts them. The http.route attribute agrees with the cut route. A
// log record and a resource are bounded the same way, their dropped counts kept (schema 13). The first cut of each kind is logged
// once, naming the service, with its bidi controls escaped (as in the name cut's line).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { SpanKind, type Attributes } from '@opentelemetry/api';
import { SeverityNumber } from '@opentelemetry/api-logs';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import type { Resource } from '@opentelemetry/resources';
import { BatchLogRecordProcessor, LoggerProvider } from '@opentelemetry/sdk-logs';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { EventsResponse, InstancesResponse, TraceResponse, TracesResponse } from '../../collector/src/api-types';
import { quoteForLog } from '../../collector/src/log-text';
import { ATTRIBUTE_LIMITS } from '../../collector/src/receiver/normalise/attribute-limits';
import { CUT_MARK, NAME_LIMITS } from '../../collector/src/receiver/normalise/name-limits';
import { getJson, serviceResource, startTestCollector, type TestCollector } from './support/collector-harness';
import { captureConsoleErrors, type ConsoleErrors } from './support/console-errors';

// A bidi override in the service name: every log line that quotes it must show it escaped.
const SERVICE = 'shop\u202egnp.exe';
const ESCAPED_SERVICE = '"shop\\u202egnp.exe"';
const LONG_ROUTE = '/' + 'r'.repeat(5004);
const CUT_ROUTE = '/' + 'r'.repeat(NAME_LIMITS.route - 2) + CUT_MARK;
const STATEMENT = 'SELECT ' + 'x'.repeat(5_000_000);
// An emoji (a surrogate pair) straddling the value limit: a cut there would split it.
const EMOJI_VALUE = 'a'.repeat(ATTRIBUTE_LIMITS.valueLength - 2) + '😀' + 'b'.repeat(100);
const MANY = 10_000;
const EVENTS = 300;
// What the SDK sends when its own limits are raised out of the way: a sender with none.
const NO_LIMITS = { attributeCountLimit: 1_000_000, attributeValueLengthLimit: Infinity, eventCountLimit: 1_000_000, attributePerEventCountLimit: 1_000_000 };
const ONE_REQUEST = { maxExportBatchSize: 10_000, maxQueueSize: 10_000, scheduledDelayMillis: 3_600_000 };

let collector: TestCollector;
let traceId = '';
let sdkLimitedTraceId = '';
let captured: ConsoleErrors;
let logged: string[] = [];

function hr(ms: number): [number, number] {
  return [Math.floor(ms / 1000), (ms % 1000) * 1e6];
}

async function sendSpan(resource: Resource, spanLimits: object, attributes: Attributes, events: { name: string; attributes: Attributes }[]): Promise<string> {
  const provider = new BasicTracerProvider({
    resource,
    spanLimits,
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: `${collector.otlpUrl}/v1/traces` }), ONE_REQUEST)],
  });
  const start = Date.now() - 2_000;
  const span = provider.getTracer('limits-test').startSpan('GET /orders', { kind: SpanKind.SERVER, startTime: hr(start), attributes });
  for (const [i, event] of events.entries()) span.addEvent(event.name, event.attributes, hr(start + i));
  span.end(hr(start + 50));
  await provider.forceFlush();
  await provider.shutdown();
  return span.spanContext().traceId;
}

before(async () => {
  // Traces normalised in the receiver's thread (no workers), so their log lines pass console.error.
  captured = captureConsoleErrors();
  logged = captured.lines;
  collector = await startTestCollector({ traceWorkers: 0 });
  const many: Record<string, string> = {};
  for (let i = 0; i < MANY; i++) many[`attr.${i}`] = String(i);
  const wideEvent: Record<string, number> = {};
  for (let i = 0; i < 200; i++) wideEvent[`e.${i}`] = i;
  const events = Array.from({ length: EVENTS }, (_, i) => ({ name: `event ${i}`, attributes: i === 0 ? wideEvent : { 'exception.message': 'boom' } }));
  const resourceExtra: Record<string, string> = {};
  for (let i = 0; i < 150; i++) resourceExtra[`res.${i}`] = 'r';
  traceId = await sendSpan(
    serviceResource(SERVICE, 'i-1', resourceExtra),
    NO_LIMITS,
    {
      'db.statement': STATEMENT,
      'http.request.method': 'GET',
      'http.route': LONG_ROUTE,
      'emoji.value': EMOJI_VALUE,
      'array.value': ['y'.repeat(5000), 'short'],
      ...many,
    },
    events,
  );
  // An SDK with its own limit: what it dropped itself is counted too.
  sdkLimitedTraceId = await sendSpan(serviceResource('limited', 'i-2'), { attributeCountLimit: 3 }, { a: 1, b: 2, c: 3, d: 4, e: 5 }, []);

  const stallAttributes: Record<string, string | number> = { 'event.name': 'headroom.eventloop.stall', 'headroom.stall.duration_ms': 120, 'http.route': LONG_ROUTE, 'code.function': 'f'.repeat(10_000) };
  for (let i = 0; i < 200; i++) stallAttributes[`x.${i}`] = i;
  const logs = new LoggerProvider({
    resource: serviceResource(SERVICE, 'i-1', resourceExtra),
    logRecordLimits: { attributeCountLimit: 1_000_000, attributeValueLengthLimit: Infinity },
    processors: [new BatchLogRecordProcessor({ exporter: new OTLPLogExporter({ url: `${collector.otlpUrl}/v1/logs` }), ...ONE_REQUEST })],
  });
  logs.getLogger('limits-test').emit({ timestamp: hr(Date.now() - 1_500), severityNumber: SeverityNumber.WARN, attributes: stallAttributes });
  await logs.forceFlush();
  await logs.shutdown();
  // An SDK with its own limit on log records: what it dropped itself is counted too.
  const limitedLogs = new LoggerProvider({
    resource: serviceResource('limited', 'i-2'),
    logRecordLimits: { attributeCountLimit: 3 },
    processors: [new BatchLogRecordProcessor({ exporter: new OTLPLogExporter({ url: `${collector.otlpUrl}/v1/logs` }), ...ONE_REQUEST })],
  });
  const limitedStall = { 'event.name': 'headroom.eventloop.stall', 'headroom.stall.duration_ms': 80, a: 1, b: 2, c: 3 };
  limitedLogs.getLogger('limits-test').emit({ timestamp: hr(Date.now() - 1_500), severityNumber: SeverityNumber.WARN, attributes: limitedStall });
  await limitedLogs.forceFlush();
  await limitedLogs.shutdown();
  await collector.storage.flush();
});

after(async () => {
  captured.restore();
  await collector?.dispose();
});

async function theSpan(id: string) {
  const { status, body } = await getJson<TraceResponse>(`${collector.httpUrl}/api/traces/${id}`);
  assert.equal(status, 200);
  assert.equal(body.spans.length, 1);
  return body.spans[0]!;
}

test('a span keeps its first 128 attributes, the rest counted as dropped', async () => {
  const span = await theSpan(traceId);
  assert.equal(Object.keys(span.attributes).length, ATTRIBUTE_LIMITS.count);
  assert.equal(span.attributes['attr.0'], '0');
  assert.equal(span.attributes[`attr.${ATTRIBUTE_LIMITS.count}`], undefined);
  assert.equal(span.droppedAttributesCount, MANY + 5 - ATTRIBUTE_LIMITS.count);
});

test('string values are cut to 4,096 characters at a code point, ending in …, in arrays too', async () => {
  const span = await theSpan(traceId);
  const statement = span.attributes['db.statement'] as string;
  assert.equal(statement.length, ATTRIBUTE_LIMITS.valueLength);
  assert.equal(statement, STATEMENT.slice(0, ATTRIBUTE_LIMITS.valueLength - 1) + CUT_MARK);
  assert.equal(span.attributes['emoji.value'], 'a'.repeat(ATTRIBUTE_LIMITS.valueLength - 2) + CUT_MARK);
  assert.deepEqual(span.attributes['array.value'], ['y'.repeat(ATTRIBUTE_LIMITS.valueLength - 1) + CUT_MARK, 'short']);
});

test('the http.route attribute agrees with the cut route of the transaction', async () => {
  const span = await theSpan(traceId);
  assert.equal(span.attributes['http.route'], CUT_ROUTE);
  const list = await getJson<TracesResponse>(`${collector.httpUrl}/api/traces?service=${encodeURIComponent(SERVICE)}&range=15m`);
  assert.deepEqual(list.body.traces.map((t) => t.route), [`GET ${CUT_ROUTE}`]);
});

test('a span keeps its first 128 events, an event its first 128 attributes, both counted as dropped', async () => {
  const span = await theSpan(traceId);
  assert.equal(span.events.length, ATTRIBUTE_LIMITS.events);
  assert.equal(span.events.at(-1)?.name, `event ${ATTRIBUTE_LIMITS.events - 1}`);
  assert.equal(span.droppedEventsCount, EVENTS - ATTRIBUTE_LIMITS.events);
  const wide = span.events[0]!;
  assert.equal(Object.keys(wide.attributes).length, ATTRIBUTE_LIMITS.count);
  assert.equal(wide.droppedAttributesCount, 200 - ATTRIBUTE_LIMITS.count);
  assert.equal(span.events[1]?.droppedAttributesCount, undefined);
});

test('attributes the sender dropped itself are counted as dropped too', async () => {
  const span = await theSpan(sdkLimitedTraceId);
  assert.deepEqual(span.attributes, { a: 1, b: 2, c: 3 });
  assert.equal(span.droppedAttributesCount, 2);
  assert.equal(span.droppedEventsCount, undefined);
});

test('a log record event and a resource are bounded the same way', async () => {
  const { body } = await getJson<EventsResponse>(`${collector.httpUrl}/api/events?service=${encodeURIComponent(SERVICE)}&range=15m`);
  assert.equal(body.events.length, 1);
  const stall = body.events[0]!;
  assert.equal(stall.route, CUT_ROUTE);
  assert.equal(stall.attributes['http.route'], CUT_ROUTE);
  assert.equal(Object.keys(stall.attributes).length, ATTRIBUTE_LIMITS.count);
  assert.equal((stall.attributes['code.function'] as string).length, ATTRIBUTE_LIMITS.valueLength);
  // 4 named attributes and 200 more: the first 128 kept, 76 counted as dropped.
  assert.equal(stall.droppedAttributesCount, 204 - ATTRIBUTE_LIMITS.count);

  const instances = await getJson<InstancesResponse>(`${collector.httpUrl}/api/services/${encodeURIComponent(SERVICE)}/instances?range=15m`);
  const instance = instances.body.instances[0]!;
  assert.equal(Object.keys(instance.resource).length, ATTRIBUTE_LIMITS.count);
  // serviceResource's 4 attributes and 150 more.
  assert.equal(instance.resourceDroppedAttributesCount, 154 - ATTRIBUTE_LIMITS.count);
});

test('a log record event keeps the count its sender dropped; a whole resource has no count', async () => {
  const { body } = await getJson<EventsResponse>(`${collector.httpUrl}/api/events?service=limited&range=15m`);
  assert.equal(body.events.length, 1);
  assert.deepEqual(body.events[0]!.attributes, { 'event.name': 'headroom.eventloop.stall', 'headroom.stall.duration_ms': 80, a: 1 });
  assert.equal(body.events[0]!.droppedAttributesCount, 2);
  const instances = await getJson<InstancesResponse>(`${collector.httpUrl}/api/services/limited/instances?range=15m`);
  assert.equal(instances.body.instances[0]!.resourceDroppedAttributesCount, undefined);
});

test('each kind of cut is logged once, naming the service with its bidi control escaped, and counted in /metrics', async () => {
  const lines = logged.filter((l) => l.includes('HR_OTLP_ATTRIBUTE_CUT'));
  const kinds = [
    'a value of 5000007 characters (attribute "db.statement"), cut to 4096',
    'a span with 10005 attributes, the first 128 kept',
    'a span with 300 events, the first 128 kept',
    'a span event with 200 attributes, the first 128 kept',
    'a log record with 204 attributes, the first 128 kept',
    'a resource with 154 attributes, the first 128 kept',
  ];
  for (const what of kinds) {
    const matching = lines.filter((l) => l.includes(what));
    assert.equal(matching.length, 1, `${what}:\n${lines.join('\n')}`);
    assert.ok(matching[0]!.includes(`service ${ESCAPED_SERVICE} sent`), matching[0]);
  }
  assert.equal(lines.length, kinds.length, lines.join('\n'));
  assert.ok(logged.every((l) => !l.includes('\u202e')), 'no raw bidi control in any log line');

  const metrics = await (await fetch(`${collector.httpUrl}/metrics`)).text();
  assert.match(metrics, /headroom_receiver_items_cut_total\{signal="traces"\} [1-9]/);
  assert.match(metrics, /headroom_receiver_items_cut_total\{signal="logs"\} [1-9]/);
});

test('a name cut quotes the app name with its control characters escaped', async () => {
  // The name-limits line quotes the start of the cut name: an override there is escaped too.
  await sendSpan(serviceResource('\u202e' + 's'.repeat(300), 'i-3'), {}, {}, []);
  const line = logged.find((l) => l.includes('HR_OTLP_NAME_CUT') && l.includes('service name'));
  assert.ok(line, logged.join('\n'));
  assert.ok(line.includes('"\\u202esss'), line);
});

test('quoteForLog escapes C0, C1, DEL, line separators and every bidi control, and nothing else', () => {
  assert.equal(quoteForLog('a\u0007b\u0085c\u007fd\u2028e\u202ae\u2066f\u200fg\u061c'), '"a\\u0007b\\u0085c\\u007fd\\u2028e\\u202ae\\u2066f\\u200fg\\u061c"');
  assert.equal(quoteForLog('GET /ünïcode/😀'), '"GET /ünïcode/😀"');
});
