// A 400 names the bad data: its google.rpc.Status carries one google.rpc.BadRequest in
// `details` (OTLP/HTTP Failures), as a google.protobuf.Any in the request's encoding, with the
// path of the bad field where the decoder knows it. Other failures carry no details.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { otlpTypes } from '../../collector/src/receiver/decode/proto-root';
import { send, startReceiver, type Harness, type RawResponse } from '../fixtures/receiver/harness';

const PROTO = { 'Content-Type': 'application/x-protobuf' };
const JSON_CT = { 'Content-Type': 'application/json' };
const BAD_REQUEST_URL = 'type.googleapis.com/google.rpc.BadRequest';

interface Violation {
  field: string;
  description: string;
}

interface Answer {
  code: number;
  message: string;
  /** [type URL, field violations] of each detail. */
  details: [string, Violation[]][];
}

/** The Status of a protobuf answer, each Any's value decoded as a BadRequest. */
function protobufAnswer(res: RawResponse): Answer {
  assert.equal(res.headers['content-type'], 'application/x-protobuf');
  const { status, badRequest } = otlpTypes();
  const s = status.toObject(status.decode(res.body), { arrays: true }) as { code: number; message: string; details: { type_url: string; value: Uint8Array }[] };
  return {
    code: s.code,
    message: s.message,
    details: s.details.map((detail) => {
      const br = badRequest.toObject(badRequest.decode(detail.value), { arrays: true }) as { fieldViolations: Violation[] };
      return [detail.type_url, br.fieldViolations];
    }),
  };
}

/** The Status of a JSON answer (proto3 JSON: an Any is the message's fields plus "@type"). */
function jsonAnswer(res: RawResponse): Answer {
  assert.equal(res.headers['content-type'], 'application/json');
  const s = JSON.parse(res.body.toString()) as { code: number; message: string; details?: { '@type': string; fieldViolations: Violation[] }[] };
  return { code: s.code, message: s.message, details: (s.details ?? []).map((d) => [d['@type'], d.fieldViolations]) };
}

/** A 400 with INVALID_ARGUMENT, the Headroom code first, and exactly one BadRequest. */
function violationsOf(answer: Answer, headroomCode: string): Violation[] {
  assert.equal(answer.code, 3);
  assert.match(answer.message, new RegExp(`^${headroomCode}: `));
  assert.equal(answer.details.length, 1);
  const [url, violations] = answer.details[0]!;
  assert.equal(url, BAD_REQUEST_URL);
  assert.ok(violations.length >= 1);
  return violations;
}

function traceRequest(spanNames: string[]): Buffer {
  const t = otlpTypes().traceRequest;
  const spans = spanNames.map((name, i) => ({
    traceId: Buffer.alloc(16, 7),
    spanId: Buffer.alloc(8, i + 1),
    name,
    startTimeUnixNano: '1700000000000000000',
    endTimeUnixNano: '1700000000000000001',
  }));
  return Buffer.from(t.encode(t.fromObject({ resourceSpans: [{ scopeSpans: [{ spans }] }] })).finish());
}

let h: Harness; // trace requests decoded in a worker
let inline: Harness; // and in the receiver's thread
before(async () => {
  h = await startReceiver({ maxBodyBytes: 64 * 1024, traceWorkers: 1 });
  inline = await startReceiver({ traceWorkers: 0 });
});
after(async () => {
  await h.close();
  await inline.close();
});

test('malformed protobuf: a protobuf BadRequest naming the field protobufjs could not read', async () => {
  // resource_spans (field 1, length-delimited) whose length varint never ends.
  const res = await send(h.url, { path: '/v1/traces', headers: PROTO, body: Buffer.from([0x0a, 0xff, 0xff, 0xff]) });
  assert.equal(res.status, 400);
  const [v] = violationsOf(protobufAnswer(res), 'HR_OTLP_DECODE');
  assert.equal(v!.field, 'resource_spans[0]');
  assert.match(v!.description, /runs past the end .*byte 0$/);
});

test('a length that runs past its span: the path down to that field, in proto field names', async () => {
  const body = traceRequest(['first', 'second']);
  // The second span's name (field 5, wire type 2: tag 0x2a) claims 100 bytes.
  const at = body.indexOf(Buffer.from([0x2a, 6, ...Buffer.from('second')]));
  assert.ok(at > 0);
  body[at + 1] = 100;
  for (const receiver of [h, inline]) {
    const res = await send(receiver.url, { path: '/v1/traces', headers: PROTO, body });
    assert.equal(res.status, 400);
    const [v] = violationsOf(protobufAnswer(res), 'HR_OTLP_DECODE');
    assert.equal(v!.field, 'resource_spans[0].scope_spans[0].spans[1].name');
    assert.match(v!.description, new RegExp(`field starts at byte ${at}$`));
  }
});

test('malformed protobuf metrics (decoded in the receiver thread) name the field too', async () => {
  const t = otlpTypes().metricsRequest;
  const body = Buffer.from(t.encode(t.fromObject({ resourceMetrics: [{ scopeMetrics: [{ metrics: [{ name: 'a' }, { name: 'b' }] }] }] })).finish());
  // A truncated body: every enclosing length claims one byte too many, so reading stops at
  // the outermost.
  const cut = await send(h.url, { path: '/v1/metrics', headers: PROTO, body: body.subarray(0, body.length - 1) });
  assert.equal(cut.status, 400);
  assert.equal(violationsOf(protobufAnswer(cut), 'HR_OTLP_DECODE')[0]!.field, 'resource_metrics[0]');
  // The second metric's name (field 1: tag 0x0a) claims 50 bytes.
  const at = body.lastIndexOf(Buffer.from([0x0a, 1, 0x62]));
  body[at + 1] = 50;
  const long = await send(h.url, { path: '/v1/metrics', headers: PROTO, body });
  assert.equal(long.status, 400);
  assert.equal(violationsOf(protobufAnswer(long), 'HR_OTLP_DECODE')[0]!.field, 'resource_metrics[0].scope_metrics[0].metrics[1].name');
});

test('malformed JSON: a JSON BadRequest for the body', async () => {
  const res = await send(h.url, { path: '/v1/logs', headers: JSON_CT, body: '{"resourceLogs": [' });
  assert.equal(res.status, 400);
  const [v] = violationsOf(jsonAnswer(res), 'HR_OTLP_DECODE');
  assert.equal(v!.field, '(body)');
  assert.match(v!.description, /^not JSON: /);
});

test('a JSON value of the wrong type: its path in JSON field names, whatever case was sent', async () => {
  const camel = '{"resourceSpans":[{"scopeSpans":[{},{"spans":[{},{"traceId":5}]}]}]}';
  const snake = '{"resource_spans":[{"scope_spans":[{},{"spans":[{},{"trace_id":5}]}]}]}';
  for (const body of [camel, snake]) {
    const res = await send(h.url, { path: '/v1/traces', headers: JSON_CT, body });
    assert.equal(res.status, 400);
    const violations = violationsOf(jsonAnswer(res), 'HR_OTLP_DECODE');
    assert.deepEqual(violations, [{ field: 'resourceSpans[0].scopeSpans[1].spans[1].traceId', description: 'expected a hex string, got 5' }]);
  }
  const metric = '{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"gauge":{"dataPoints":[{"timeUnixNano":"soon"}]}}]}]}]}';
  const res = await send(h.url, { path: '/v1/metrics', headers: JSON_CT, body: metric });
  assert.deepEqual(violationsOf(jsonAnswer(res), 'HR_OTLP_DECODE'), [
    { field: 'resourceMetrics[0].scopeMetrics[0].metrics[0].gauge.dataPoints[0].timeUnixNano', description: 'expected an integer (number or decimal string), got "soon"' },
  ]);
  const top = await send(h.url, { path: '/v1/metrics', headers: JSON_CT, body: '[]' });
  assert.deepEqual(violationsOf(jsonAnswer(top), 'HR_OTLP_DECODE'), [{ field: '(body)', description: 'expected an object, got an array' }]);
});

test('bad gzip: a BadRequest for the body in either encoding', async () => {
  for (const [headers, answer] of [
    [PROTO, protobufAnswer],
    [JSON_CT, jsonAnswer],
  ] as const) {
    const res = await send(h.url, { path: '/v1/traces', headers: { ...headers, 'Content-Encoding': 'gzip' }, body: 'not gzip at all' });
    assert.equal(res.status, 400);
    const [v] = violationsOf(answer(res), 'HR_OTLP_BAD_GZIP');
    assert.equal(v!.field, '(body)');
    assert.match(v!.description, /^not valid gzip/);
  }
});

test('failures that are not about the data carry no details', async () => {
  const wrongType = await send(h.url, { path: '/v1/traces', headers: { 'Content-Type': 'text/plain' }, body: 'x' });
  assert.equal(wrongType.status, 415);
  assert.deepEqual(jsonAnswer(wrongType).details, []);
  const tooLarge = await send(h.url, { path: '/v1/traces', headers: PROTO, body: Buffer.alloc(65 * 1024) });
  assert.equal(tooLarge.status, 413);
  assert.deepEqual(protobufAnswer(tooLarge).details, []);
  h.full = true;
  try {
    const full = await send(h.url, { path: '/v1/traces', headers: PROTO, body: traceRequest(['x']) });
    assert.equal(full.status, 503);
    assert.deepEqual(protobufAnswer(full).details, []);
  } finally {
    h.full = false;
  }
  const ok = await send(h.url, { path: '/v1/traces', headers: PROTO, body: traceRequest(['x']) });
  assert.equal(ok.status, 200);
});
