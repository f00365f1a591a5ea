import assert from 'node:assert/strict';
import { test } from 'node:test';
import { customRange, isLive, rangeParams, resolveRange, tooLong } from '../../dashboard/src/state/time-range';
import { defaultView, parseView, viewUrl, withPage, type ViewState } from '../../dashboard/src/state/view-state';

function roundTrip(view: ViewState): ViewState {
  const url = new URL(viewUrl(view), 'http://x');
  return parseView(url.pathname, url.search);
}

test('the overview is the default, live view', () => {
  const v = parseView('/', '');
  assert.equal(v.page, 'overview');
  assert.equal(v.service, null);
  assert.ok(isLive(v.range));
  assert.equal(viewUrl(v), '/');
});

test('every page round-trips through its URL, with range and filters', () => {
  const base = { ...defaultView(), service: 'checkout api' };
  const views: ViewState[] = [
    { ...base, page: 'service' },
    { ...base, page: 'service', route: 'GET /cart/:id' },
    { ...base, page: 'service', matchedRoutes: true, range: { kind: 'preset', preset: '1h' } },
    { ...base, page: 'transactions', route: '<img src=x onerror=alert(1)>', range: { kind: 'preset', preset: '6h' } },
    { ...base, page: 'traces', route: 'POST /pay', traceFilters: { minDurationMs: 250, errorsOnly: true, all: true, sort: 'duration' }, range: { kind: 'custom', from: 1_700_000_000_000, to: 1_700_000_600_000 } },
    { ...base, page: 'traces', traceFilters: { minDurationMs: null, errorsOnly: false, all: false, sort: 'start', errorKind: 'NotFoundError: user <n> not found' }, range: { kind: 'preset', preset: '1h' } },
    { ...base, page: 'errors', range: { kind: 'preset', preset: '24h' } },
    { ...base, page: 'trace', traceId: '0af7651916cd43dd8448eb211c80319c' },
    { ...base, page: 'event-loop', range: { kind: 'preset', preset: '7d' } },
    { ...base, page: 'instances' },
  ];
  for (const v of views) assert.deepEqual(roundTrip(v), v, viewUrl(v));
});

test("?routes=matched (a latency alert rule's link) is the service page's; another page leaves it behind", () => {
  const v = parseView('/services/shop', '?range=1h&routes=matched');
  assert.equal(v.matchedRoutes, true);
  assert.equal(viewUrl(v), '/services/shop?range=1h&routes=matched');
  assert.equal(viewUrl(withPage(v, 'transactions')), '/services/shop/transactions?range=1h');
  assert.equal(parseView('/services/shop', '?routes=all').matchedRoutes, false);
});

test('a trace opens by id alone, without a service', () => {
  const v = parseView('/traces/0af7651916cd43dd8448eb211c80319c', '?range=1h');
  assert.equal(v.page, 'trace');
  assert.equal(v.service, null);
  assert.equal(v.traceId, '0af7651916cd43dd8448eb211c80319c');
  assert.equal(viewUrl(v), '/traces/0af7651916cd43dd8448eb211c80319c?range=1h');
  assert.equal(parseView('/traces', '').page, 'not-found');
});

test('service names with slashes and unicode survive the path', () => {
  const v = { ...defaultView(), page: 'service' as const, service: 'a/b ü?#' };
  assert.equal(viewUrl(v), '/services/a%2Fb%20%C3%BC%3F%23');
  assert.equal(roundTrip(v).service, 'a/b ü?#');
});

test('unknown or broken paths are the not-found view (not the overview), bad ranges fall back to live', () => {
  assert.equal(parseView('/', '').page, 'overview');
  assert.equal(parseView('/index.html', '').page, 'overview');
  for (const path of ['/nonexistent/page', '/nope', '/services', '/services/x/unknown', '/services/%E0%A4%A', '/services/x/instances/extra', '/services/x/traces/abc/extra', '/alerts/x', '/traces/%E0%A4%A']) {
    assert.equal(parseView(path, '').page, 'not-found', path);
  }
  assert.equal(parseView('/services/x/traces/abc', '').page, 'trace');
  assert.ok(isLive(parseView('/', '?range=3y').range));
  assert.ok(isLive(parseView('/', '?from=10&to=5').range));
  assert.equal(parseView('/services/s/traces', '?minDurationMs=-4').traceFilters.minDurationMs, null);
});

test('a range the address cannot mean falls back to live with a notice saying why; a usable one has none', () => {
  const bogus = parseView('/services/s', '?range=bogus');
  assert.ok(isLive(bogus.range));
  assert.equal(bogus.rangeNotice, 'The address asks for range "bogus", which is not one of 15m, 1h, 6h, 24h, 7d: showing Live 15m instead; pick a range above.');
  for (const search of ['?from=10&to=5', '?from=10', '?to=5', '?from=yesterday&to=5', '?from=&to=']) {
    const v = parseView('/', search);
    assert.ok(isLive(v.range), search);
    assert.match(v.rangeNotice ?? '', /is not a time range: it needs both from and to, in epoch milliseconds, to after from; showing Live 15m instead/, search);
  }
  assert.match(parseView('/', `?range=${'x'.repeat(100)}`).rangeNotice ?? '', /"x{40}…"/, 'a long value is cut short');
  for (const search of ['', '?range=7d', '?from=10&to=20']) assert.equal(parseView('/', search).rangeNotice, null, search);
  // Not written back: the next address is a clean one.
  assert.equal(viewUrl(bogus), '/services/s');
});

test('a custom range over 31 days is too long for the collector; 31 days is not', () => {
  const DAY = 86_400_000;
  assert.equal(tooLong({ kind: 'custom', from: 0, to: 31 * DAY }), false);
  assert.equal(tooLong({ kind: 'custom', from: 0, to: 31 * DAY + 1 }), true);
  assert.equal(tooLong({ kind: 'preset', preset: '7d' }), false);
});

test('withPage keeps service and range, drops the route unless given', () => {
  const v: ViewState = { ...defaultView(), page: 'transactions', service: 's', route: 'GET /', range: { kind: 'preset', preset: '1h' } };
  const t = withPage(v, 'traces');
  assert.equal(t.page, 'traces');
  assert.equal(t.service, 's');
  assert.equal(t.route, null);
  assert.deepEqual(t.range, v.range);
  assert.equal(withPage(v, 'traces', { route: 'GET /' }).route, 'GET /');
});

test('time ranges resolve, become API parameters, and come from drags', () => {
  assert.deepEqual(resolveRange({ kind: 'preset', preset: '1h' }, 10_000_000), { from: 10_000_000 - 3_600_000, to: 10_000_000 });
  assert.deepEqual(rangeParams({ kind: 'preset', preset: '24h' }), { range: '24h' });
  assert.deepEqual(rangeParams({ kind: 'custom', from: 1.4, to: 2000.6 }), { from: '1', to: '2001' });
  assert.deepEqual(customRange(5000.2, 1000), { kind: 'custom', from: 1000, to: 5000 });
  assert.equal(customRange(1000, 1500), null, 'a click is not a range');
  assert.equal(isLive({ kind: 'preset', preset: '1h' }), false);
});
