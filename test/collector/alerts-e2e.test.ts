// Alerts end to end: an express app under the agent → the real collector → a p95 rule →
// signed Alertmanager-shaped webhooks to a real receiver on 127.0.0.1, firing then resolved.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { AlertDeliveriesResponse, AlertHistoryResponse, AlertRulesResponse, TransactionsResponse } from '../../collector/src/api-types';
import type { AlertmanagerPayload } from '../../collector/src/alerts/notify/alertmanager-payload';
import { startCollector, type RunningCollector } from '../../collector/src/server';
import { eventually, FIXTURES, runApp, type RunningApp } from '../agent/support/harness';
import { postJson, startWebhookReceiver, TEST_SECRET, type WebhookReceiver } from './support/webhook-receiver';

const SERVICE = 'alerts-e2e';
const ROUTE_SLOW_MS = 800;
const THRESHOLD_MS = 400;

let dir: string;
let collector: RunningCollector;
let app: RunningApp;
let receiver: WebhookReceiver;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'headroom-alerts-e2e-'));
  receiver = await startWebhookReceiver(TEST_SECRET);
  collector = await startCollector({
    dbPath: join(dir, 'headroom.db'),
    otlpPort: 0,
    httpPort: 0,
    alerts: { intervalMs: 250, groupIntervalMs: 0, delivery: { timeoutMs: 2_000, baseDelayMs: 100, maxDelayMs: 1_000 } },
  });
  app = await runApp(`${FIXTURES}/express-app.js`, { OTEL_EXPORTER_OTLP_ENDPOINT: collector.otlpUrl, OTEL_SERVICE_NAME: SERVICE });
});

after(async () => {
  await app?.stop();
  await collector?.close();
  await receiver?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function hit(path: string, n: number, parallel = 10): Promise<void> {
  for (let i = 0; i < n; i += parallel) {
    await Promise.all(Array.from({ length: Math.min(parallel, n - i) }, () => fetch(`${app.base}${path}`).then((r) => r.text())));
  }
}

function payloads(): AlertmanagerPayload[] {
  return receiver.requests.map((r) => r.json as AlertmanagerPayload);
}

test('a slow route fires a p95 rule after its for-duration; the resolve arrives when it is fast again', async () => {
  // Learn the route name the agent reports, from one request.
  await hit('/async-wait/1', 5);
  const route = await eventually(async () => {
    await collector.storage.flush();
    const res = (await (await fetch(`${collector.httpUrl}/api/services/${SERVICE}/transactions?range=15m`)).json()) as TransactionsResponse;
    return res.transactions.find((t) => t.route.includes('async-wait'))?.route;
  }, 'the route in transactions');

  const dest = await postJson(`${collector.httpUrl}/api/alerts/destinations`, { id: 'ops', type: 'webhook', url: receiver.url, secret: TEST_SECRET });
  assert.equal(dest.status, 201);
  const created = await postJson(`${collector.httpUrl}/api/alerts/rules`, {
    id: 'slow-route',
    name: 'Slow async-wait',
    series: 'latency.p95',
    service: SERVICE,
    route,
    windowMs: '1m',
    comparison: '>',
    threshold: THRESHOLD_MS,
    forMs: '1s',
    noData: 'keep',
    destinations: ['ops'],
    labels: { severity: 'page' },
  });
  assert.equal(created.status, 201, JSON.stringify(created.json));

  // Process series from the same app (no destinations: only their state is checked below).
  for (const [id, series, threshold] of [['rss', 'memory.rss', 1], ['heap', 'heap.used_ratio', 0.0001], ['elu', 'eventloop.utilization', 0]] as const) {
    const r = await postJson(`${collector.httpUrl}/api/alerts/rules`, { id, name: id, series, service: SERVICE, windowMs: '1m', comparison: '>=', threshold, noData: 'keep' });
    assert.equal(r.status, 201, JSON.stringify(r.json));
  }

  // Slow: p95 goes to ~800 ms; pending first, firing once it held for 1 s.
  await hit(`/async-wait/${ROUTE_SLOW_MS}`, 20);
  const firing = await eventually(async () => payloads().find((p) => p.status === 'firing'), 'the firing notification', 30_000);
  const firingRequest = receiver.requests.find((r) => (r.json as AlertmanagerPayload).status === 'firing');
  assert.ok(firingRequest?.signatureValid, 'the receiver verifies the Standard Webhooks signature');
  assert.match(String(firingRequest.headers['webhook-id']), /^msg_/);
  assert.match(String(firingRequest.headers['webhook-signature']), /^v1,[A-Za-z0-9+/]+=*$/);
  assert.equal(firing.version, '4');
  assert.equal(firing.receiver, 'ops');
  assert.equal(firing.truncatedAlerts, 0);
  assert.equal(firing.alerts.length, 1);
  const alert = firing.alerts[0]!;
  assert.equal(alert.status, 'firing');
  assert.equal(alert.labels.alertname, 'Slow async-wait');
  assert.equal(alert.labels.service, SERVICE);
  assert.equal(alert.labels.route, route);
  assert.equal(alert.labels.severity, 'page');
  assert.equal(alert.endsAt, '0001-01-01T00:00:00Z');
  assert.match(alert.fingerprint, /^[0-9a-f]{16}$/);
  assert.ok(alert.generatorURL.startsWith(`${collector.httpUrl}/services/${SERVICE}?`), alert.generatorURL);
  assert.ok(new URL(alert.generatorURL).searchParams.get('route') === route);
  assert.ok(Number(alert.annotations.value) > THRESHOLD_MS, `value ${alert.annotations.value}`);
  assert.deepEqual(firing.groupLabels, { alertname: 'Slow async-wait', rule_id: 'slow-route' });
  assert.equal(firing.externalURL, collector.httpUrl);

  const history = (await (await fetch(`${collector.httpUrl}/api/alerts/history?ruleId=slow-route&range=15m`)).json()) as AlertHistoryResponse;
  const path = history.transitions.map((t) => `${t.from}->${t.to}`).reverse();
  assert.deepEqual(path.slice(0, 2), ['ok->pending', 'pending->firing']);
  const toFiring = history.transitions.find((t) => t.to === 'firing')!;
  assert.ok(toFiring.value !== null && toFiring.value > THRESHOLD_MS, 'the transition stores the value that caused it');

  // Fast again: enough fast requests that the slow ones fall under 5 % of the window.
  await hit('/async-wait/0', 600, 5);
  const resolved = await eventually(async () => payloads().find((p) => p.status === 'resolved'), 'the resolve notification', 30_000).catch(async (e: unknown) => {
    console.log(JSON.stringify(await (await fetch(`${collector.httpUrl}/api/alerts/rules`)).json()));
    console.log(JSON.stringify(await (await fetch(`${collector.httpUrl}/api/services/${SERVICE}/transactions?range=15m`)).json()));
    throw e;
  });
  assert.equal(resolved.alerts[0]!.status, 'resolved');
  assert.notEqual(resolved.alerts[0]!.endsAt, '0001-01-01T00:00:00Z');
  assert.equal(resolved.alerts[0]!.startsAt, alert.startsAt, 'the same alert (startsAt) is resolved');
  assert.equal(resolved.alerts[0]!.fingerprint, alert.fingerprint);
  assert.ok(receiver.requests.every((r) => r.signatureValid));
  assert.deepEqual(payloads().map((p) => p.status), ['firing', 'resolved'], 'exactly one firing and one resolve');

  const rules = (await (await fetch(`${collector.httpUrl}/api/alerts/rules`)).json()) as AlertRulesResponse;
  const value = (id: string): number | null => rules.rules.find((r) => r.rule.id === id)?.state.value ?? null;
  assert.ok((value('rss') ?? 0) > 10 * 1024 * 1024, `RSS ${value('rss')}`);
  assert.ok((value('heap') ?? 0) > 0 && (value('heap') ?? 1) < 1, `heap used / limit ${value('heap')}`);
  assert.ok((value('elu') ?? -1) >= 0 && (value('elu') ?? 2) <= 1, `event-loop utilisation ${value('elu')}`);
  assert.equal(rules.rules.find((r) => r.rule.id === 'rss')?.state.state, 'firing');

  const deliveries = (await (await fetch(`${collector.httpUrl}/api/alerts/deliveries?ruleId=slow-route`)).json()) as AlertDeliveriesResponse;
  assert.deepEqual(deliveries.deliveries.map((d) => [d.kind, d.status, d.attempts.map((a) => a.statusCode)]), [
    ['resolved', 'delivered', [200]],
    ['firing', 'delivered', [200]],
  ]);
});
