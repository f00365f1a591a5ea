import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApiHttpError } from '../../collector/src/query/api-error';
import { BUCKET_LADDER_MS, bucketSizeFor, MAX_POINTS } from '../../collector/src/query/bucket-size';
import {
  booleanParam,
  eventTypeParam,
  limitParam,
  nonNegativeNumberParam,
  offsetParam,
  rangeParams,
  stringParam,
  traceIdParam,
  traceSortParam,
  transactionRouteParam,
  wholeMinutes,
} from '../../collector/src/query/query-params';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const NOW = 1_780_000_000_000;

function rejects(fn: () => unknown, code: string, pattern: RegExp): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof ApiHttpError);
    assert.equal(error.status, 400);
    assert.equal(error.code, code);
    assert.match(error.message, pattern);
    return true;
  });
}

describe('bucket size', () => {
  it('picks the finest ladder step that keeps the series at or under 300 points', () => {
    assert.equal(bucketSizeFor(0, 15 * MIN), MIN);
    assert.equal(bucketSizeFor(0, HOUR), MIN);
    assert.equal(bucketSizeFor(0, 5 * HOUR), MIN); // 300 points exactly
    assert.equal(bucketSizeFor(0, 5 * HOUR + 1), 5 * MIN);
    assert.equal(bucketSizeFor(0, 6 * HOUR), 5 * MIN);
    assert.equal(bucketSizeFor(0, 24 * HOUR), 5 * MIN); // 288 points
    assert.equal(bucketSizeFor(0, 7 * DAY), HOUR); // 168 points
    assert.equal(bucketSizeFor(0, 31 * DAY), 6 * HOUR); // 124 points
    assert.equal(bucketSizeFor(0, 400 * DAY), DAY); // beyond the ladder: its coarsest step
  });

  it('never gives more than MAX_POINTS buckets within 31 days, and always a ladder step', () => {
    for (let span = 0; span <= 31 * DAY; span += 37 * MIN + 11) {
      const bucket = bucketSizeFor(NOW - span, NOW);
      assert.ok(BUCKET_LADDER_MS.includes(bucket));
      assert.ok(Math.ceil(span / bucket) <= MAX_POINTS, `span ${span} bucket ${bucket}`);
    }
  });

  it('treats an empty or inverted range as the finest step', () => {
    assert.equal(bucketSizeFor(NOW, NOW), MIN);
    assert.equal(bucketSizeFor(NOW, NOW - HOUR), MIN);
  });
});

describe('range parameters', () => {
  it('defaults to the last hour', () => {
    assert.deepEqual(rangeParams({}, NOW), { from: NOW - HOUR, to: NOW });
  });

  it('reads named ranges', () => {
    assert.deepEqual(rangeParams({ range: '15m' }, NOW), { from: NOW - 15 * MIN, to: NOW });
    assert.deepEqual(rangeParams({ range: '7d' }, NOW), { from: NOW - 7 * DAY, to: NOW });
  });

  it('reads from/to, and fills a missing end', () => {
    assert.deepEqual(rangeParams({ from: String(NOW - 2 * HOUR), to: String(NOW - HOUR) }, NOW), { from: NOW - 2 * HOUR, to: NOW - HOUR });
    assert.deepEqual(rangeParams({ from: String(NOW - 2 * HOUR) }, NOW), { from: NOW - 2 * HOUR, to: NOW });
    assert.deepEqual(rangeParams({ to: String(NOW - DAY) }, NOW), { from: NOW - DAY - HOUR, to: NOW - DAY });
  });

  it('rejects bad, inverted, too long and mixed ranges', () => {
    rejects(() => rangeParams({ range: '2h' }, NOW), 'HR_API_BAD_RANGE', /range must be one of 15m, 1h, 6h, 24h, 7d/);
    rejects(() => rangeParams({ from: 'yesterday' }, NOW), 'HR_API_BAD_RANGE', /from must be epoch milliseconds/);
    rejects(() => rangeParams({ from: '-5' }, NOW), 'HR_API_BAD_RANGE', /from must be epoch/);
    rejects(() => rangeParams({ from: '1.5' }, NOW), 'HR_API_BAD_RANGE', /from must be epoch/);
    rejects(() => rangeParams({ from: String(NOW), to: String(NOW - 1) }, NOW), 'HR_API_BAD_RANGE', /to must not be before from/);
    rejects(() => rangeParams({ from: String(NOW - 32 * DAY), to: String(NOW) }, NOW), 'HR_API_BAD_RANGE', /31 days/);
    rejects(() => rangeParams({ range: '1h', from: String(NOW) }, NOW), 'HR_API_BAD_RANGE', /either range or from\/to/);
    rejects(() => rangeParams({ from: [String(NOW), String(NOW)] }, NOW), 'HR_API_BAD_PARAM', /from must be given once/);
  });

  it('refuses a lone to too early to look back an hour from, and times past what a Date holds', () => {
    rejects(() => rangeParams({ to: '1' }, NOW), 'HR_API_BAD_RANGE', /to 1 alone looks back one hour, to before 1970/);
    assert.deepEqual(rangeParams({ to: String(HOUR) }, NOW), { from: 0, to: HOUR });
    assert.deepEqual(rangeParams({ from: '0', to: '1' }, NOW), { from: 0, to: 1 });
    rejects(() => rangeParams({ from: '8640000000000001' }, NOW), 'HR_API_BAD_RANGE', /from must be epoch milliseconds up to 8640000000000000/);
  });

  it('widens a range to the whole minutes the rollups count', () => {
    assert.deepEqual(wholeMinutes({ from: 5 * MIN + 1, to: 7 * MIN - 1 }), { from: 5 * MIN, to: 7 * MIN });
    assert.deepEqual(wholeMinutes({ from: 5 * MIN, to: 7 * MIN }), { from: 5 * MIN, to: 7 * MIN });
  });

  it('accepts exactly 31 days', () => {
    assert.deepEqual(rangeParams({ from: String(NOW - 31 * DAY), to: String(NOW) }, NOW), { from: NOW - 31 * DAY, to: NOW });
  });
});

describe('other parameters', () => {
  it('bounds limit to 1..1000 with a default of 100', () => {
    assert.equal(limitParam({}), 100);
    assert.equal(limitParam({ limit: '1000' }), 1000);
    rejects(() => limitParam({ limit: '1001' }), 'HR_API_BAD_PARAM', /limit must be a whole number from 1 to 1000/);
    rejects(() => limitParam({ limit: '0' }), 'HR_API_BAD_PARAM', /limit/);
    rejects(() => limitParam({ limit: '10abc' }), 'HR_API_BAD_PARAM', /limit/);
  });

  it('reads booleans, durations, event types and trace ids strictly', () => {
    assert.equal(booleanParam({ error: 'true' }, 'error'), true);
    assert.equal(booleanParam({ error: '0' }, 'error'), false);
    assert.equal(booleanParam({}, 'error'), undefined);
    rejects(() => booleanParam({ error: 'yes' }, 'error'), 'HR_API_BAD_PARAM', /error must be true or false/);
    assert.equal(nonNegativeNumberParam({ minDurationMs: '250.5' }, 'minDurationMs'), 250.5);
    rejects(() => nonNegativeNumberParam({ minDurationMs: '-1' }, 'minDurationMs'), 'HR_API_BAD_PARAM', /minDurationMs must be a number/);
    rejects(() => nonNegativeNumberParam({ minDurationMs: '' }, 'minDurationMs'), 'HR_API_BAD_PARAM', /minDurationMs/);
    assert.deepEqual(eventTypeParam({ type: 'stall' }), ['stall']);
    assert.deepEqual(eventTypeParam({ type: 'start,restart,start' }), ['start', 'restart'], 'several, comma-separated, each once');
    rejects(() => eventTypeParam({ type: 'boom' }), 'HR_API_BAD_PARAM', /type must be one or more of stall, start/);
    rejects(() => eventTypeParam({ type: 'start,' }), 'HR_API_BAD_PARAM', /type must be one or more of stall, start/);
    assert.equal(traceIdParam('0AF7651916CD43DD8448EB211C80319C'), '0af7651916cd43dd8448eb211c80319c');
    rejects(() => traceIdParam('xyz'), 'HR_API_BAD_PARAM', /32 hexadecimal digits/);
    rejects(() => stringParam({ route: 'x'.repeat(600) }, 'route'), 'HR_API_BAD_PARAM', /route is longer than 512/);
    rejects(() => stringParam({ route: { a: '1' } }, 'route'), 'HR_API_BAD_PARAM', /route must be given once/);
  });

  it('reads a route filter as a transaction name, saying what to write for a path alone', () => {
    assert.equal(transactionRouteParam({}), undefined);
    assert.equal(transactionRouteParam({ route: 'GET /orders/:id' }), 'GET /orders/:id');
    assert.equal(transactionRouteParam({ route: 'GET' }), 'GET');
    assert.equal(transactionRouteParam({ route: '_OTHER /x' }), '_OTHER /x');
    rejects(() => transactionRouteParam({ route: '/orders/:id' }), 'HR_API_BAD_PARAM', /route "\/orders\/:id" names no method: .*e\.g\. "GET \/orders\/:id"/);
    rejects(() => transactionRouteParam({ route: 'GET ' }), 'HR_API_BAD_PARAM', /is not a transaction name/);
  });

  it('reads a trace list\'s order and page offset strictly', () => {
    assert.equal(traceSortParam({}), undefined);
    assert.equal(traceSortParam({ sort: 'duration' }), 'duration');
    rejects(() => traceSortParam({ sort: 'slowest' }), 'HR_API_BAD_PARAM', /sort must be start or duration/);
    assert.equal(offsetParam({}), 0);
    assert.equal(offsetParam({ offset: '200' }), 200);
    rejects(() => offsetParam({ offset: '-1' }), 'HR_API_BAD_PARAM', /offset must be a whole number/);
    rejects(() => offsetParam({ offset: '100001' }), 'HR_API_BAD_PARAM', /offset/);
  });
});
