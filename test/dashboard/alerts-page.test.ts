// The Alerts page in headless Chromium against a real collector: a firing rule with its state,
// the history, a delivery with its status code, "send test" from the page, names shown as text,
// and a destination whose deliveries fail marked failing.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { sendGauges } from '../collector/support/advisor-harness';
import { postJson, startWebhookReceiver, TEST_SECRET, type WebhookReceiver } from '../collector/support/webhook-receiver';
import { verify } from '../../collector/src/alerts/notify/standard-webhooks-signature';
import { ARTIFACTS, ensureDashboardBuilt, eventually, launchBrowser, makeTempDir, startTestCollector, type TestCollector } from './support/browser-harness';

let browser: Browser;
let collector: TestCollector;
let receiver: WebhookReceiver;
let dir: { path: string; remove(): void };

before(async () => {
  ensureDashboardBuilt();
  dir = makeTempDir();
  receiver = await startWebhookReceiver(TEST_SECRET);
  collector = await startTestCollector(path.join(dir.path, 'headroom.db'), 0, { alerts: { intervalMs: 100, groupIntervalMs: 0 } });
  await postJson(`${collector.httpUrl}/api/alerts/destinations`, { id: 'ops', type: 'webhook', url: receiver.url, secret: TEST_SECRET });
  const created = await postJson(`${collector.httpUrl}/api/alerts/rules`, {
    id: 'quiet',
    name: '<b>Quiet</b> service',
    series: 'throughput',
    service: 'quiet-service',
    windowMs: '1m',
    comparison: '<',
    threshold: 1000,
    destinations: ['ops'],
  });
  assert.equal(created.status, 201);
  // Accepted (services deploy after their alerts), but the answer says nothing was seen from it.
  assert.match((created.json as { notice?: string }).notice ?? '', /^no data from service "quiet-service" has been seen yet/);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await collector?.close();
  await receiver?.close();
  dir?.remove();
});

test('the Alerts page shows rules with state, history, deliveries, and sends a test notification', async () => {
  await eventually('the firing delivery', async () => receiver.requests.length, (n) => n >= 1);
  const page = await browser.newPage();
  try {
    await page.goto(`${collector.httpUrl}/alerts`);
    const row = page.locator('[data-testid="alert-rules"] tr[data-rule="quiet"]');
    await row.waitFor();
    assert.match(await row.innerText(), /firing/);
    // The rule name is text, not markup.
    assert.equal(await row.locator('b').count(), 0);
    assert.match(await row.innerText(), /<b>Quiet<\/b> service/);
    // The page says the rule's service has not been seen.
    assert.match((await row.locator('[data-testid="rule-notice"]').textContent()) ?? '', /no data from service "quiet-service" has been seen yet/);
    assert.match(await page.locator('[data-testid="alert-history"]').innerText(), /firing/);
    // The history is the range's, unlike the deliveries: said above it, so a resolve listed without
    // its firing (fired before the range) is not read as a resolve that never fired.
    assert.match((await page.getByTestId('history-range').textContent()) ?? '', /^Transitions from \d\d:\d\d:\d\d to \d\d:\d\d:\d\d, the range above: pick a longer one for earlier transitions\.$/);
    await page.locator('[data-testid="alert-deliveries"]').waitFor();
    assert.match(await page.locator('[data-testid="alert-deliveries"]').innerText(), /delivered\s+200/);

    await page.getByRole('button', { name: 'Send test' }).click();
    await page.getByText('Test notification queued for ops').waitFor();
    await eventually('the test notification', async () => receiver.requests.map((r) => r.body), (bodies) => bodies.some((b) => b.includes('Headroom test notification')));
    await page.getByRole('button', { name: 'Mute' }).click();
    await page.locator('[data-testid="alert-rules"] tr[data-rule="quiet"] .alert-muted').waitFor();
    await page.screenshot({ path: path.join(ARTIFACTS, 'alerts-page.png'), fullPage: true });
  } finally {
    await page.close();
  }
});

test('a destination whose deliveries fail is marked failing in the Destinations table, with its last error', async () => {
  // A port nobody listens on: every attempt is refused.
  assert.equal((await postJson(`${collector.httpUrl}/api/alerts/destinations`, { id: 'nowhere', type: 'webhook', url: 'http://127.0.0.1:9/hook' })).status, 201);
  assert.equal((await postJson(`${collector.httpUrl}/api/alerts/destinations/nowhere/test`, {})).status, 202);
  const page = await browser.newPage();
  try {
    await page.goto(`${collector.httpUrl}/alerts`);
    const dead = page.locator('[data-testid="alert-destinations"] tr[data-destination="nowhere"]');
    await dead.locator('.destination-failing-text').waitFor();
    assert.match(await dead.innerText(), /failing: last attempt .*ECONNREFUSED/);
    assert.match(await dead.innerText(), /never delivered/);
    assert.match(await page.locator('[data-testid="alert-destinations"] tr[data-destination="ops"]').innerText(), /ok · /);
    await page.screenshot({ path: path.join(ARTIFACTS, 'alerts-page-failing-destination.png'), fullPage: true });
  } finally {
    await page.close();
  }
});

test('a memory rule reads in MiB on the Alerts page (condition, value, history), with the worker that fired', async () => {
  const MIB = 1024 * 1024;
  const now = Date.now();
  for (const [worker, mib] of [[1, 100], [2, 272.5]] as const) {
    await sendGauges(
      collector.otlpUrl,
      { 'service.name': 'shop', 'service.instance.id': `a1b2c3d4-0000-4000-8000-00000000000${worker}`, 'host.name': 'h1', 'process.pid': 7627 + worker, 'headroom.cluster.role': 'worker', 'headroom.cluster.worker_id': worker },
      [{ name: 'process.memory.usage', unit: 'By', points: [{ t: now - 5_000, v: mib * MIB }] }],
    );
  }
  await collector.storage.flush();
  const created = await postJson(`${collector.httpUrl}/api/alerts/rules`, { id: 'rss', name: 'shop-rss', series: 'memory.rss', service: 'shop', windowMs: '1m', comparison: '>', threshold: 250 * MIB, destinations: [] });
  assert.equal(created.status, 201);
  const page = await browser.newPage();
  try {
    await page.goto(`${collector.httpUrl}/alerts`);
    const row = page.locator('[data-testid="alert-rules"] tr[data-rule="rss"]');
    await row.locator('[data-testid="rule-instance"]').waitFor();
    const text = await row.innerText();
    assert.match(text, /memory\.rss > 250 MiB/);
    assert.match(text, /272\.5 MiB/);
    assert.match(text, /in worker 2 · pid 7629/);
    assert.doesNotMatch(text, /262144000|285736960/);
    const history = page.locator('[data-testid="alert-history"]');
    await history.getByText('RSS 272.5 MiB in worker 2 · pid 7629 over 1m (threshold > 250 MiB)').waitFor();
    assert.doesNotMatch(await history.innerText(), /285736960/);
    await page.screenshot({ path: path.join(ARTIFACTS, 'alerts-page-units.png'), fullPage: true });
  } finally {
    await page.close();
  }
});

test('a deleted rule\'s history keeps its unit and records the deletion; a 24-hour window reads 1d', async () => {
  const MIB = 1024 * 1024;
  const created = await postJson(`${collector.httpUrl}/api/alerts/rules`, { id: 'rss-daily', name: 'shop-rss daily', series: 'memory.rss', service: 'shop', windowMs: '24h', comparison: '>', threshold: 250 * MIB, destinations: [] });
  assert.equal(created.status, 201);
  const page = await browser.newPage();
  try {
    await page.goto(`${collector.httpUrl}/alerts`);
    const row = page.locator('[data-testid="alert-rules"] tr[data-rule="rss-daily"]');
    await row.getByText('firing').waitFor();
    assert.match(await row.innerText(), /over 1d, for 0s/);
    assert.doesNotMatch(await row.innerText(), /1440 min/);

    assert.equal((await fetch(`${collector.httpUrl}/api/alerts/rules/rss-daily`, { method: 'DELETE' })).status, 204);
    await page.reload();
    const history = page.locator('[data-testid="alert-history"]');
    const deleted = history.locator('tr', { hasText: 'rss-daily' });
    await deleted.filter({ hasText: 'rule deleted' }).waitFor();
    const [deletion, fired] = await deleted.allInnerTexts();
    assert.match(deletion ?? '', /firing\s*→\s*resolved\s+—\s+rule deleted/);
    // The rule is gone; its value is still read in MiB (it read "285736960" before).
    assert.match(fired ?? '', /ok\s*→\s*firing\s+272\.5 MiB\s/);
    await page.screenshot({ path: path.join(ARTIFACTS, 'alerts-page-deleted-rule.png'), fullPage: true });
  } finally {
    await page.close();
  }
});

test("a route's view of the service page marks the alerts of that route and of the whole service, not another route's", async () => {
  const service = 'routes-svc';
  const rule = (id: string, route: string | null) =>
    postJson(`${collector.httpUrl}/api/alerts/rules`, { id, name: id, series: 'throughput', service, ...(route !== null && { route }), windowMs: '1m', comparison: '<', threshold: 1000, destinations: [] });
  for (const [id, route] of [['whole-service', null], ['mine-route', 'GET /mine'], ['other-route', 'GET /other']] as const) assert.equal((await rule(id, route)).status, 201);
  await sendGauges(collector.otlpUrl, { 'service.name': service, 'service.instance.id': 'rs-1' }, [{ name: 'process.memory.usage', unit: 'By', points: [{ t: Date.now(), v: 1e8 }] }]);
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  try {
    // Firing now: each rule's transition is in the history (every rule fires: no traffic is under 1000 rpm).
    await page.goto(`${collector.httpUrl}/alerts`);
    await eventually('all three firing', () => page.locator('[data-testid="alert-history"]').innerText(), (t) => ['whole-service', 'mine-route', 'other-route'].every((id) => t.includes(id)));
    await page.goto(`${collector.httpUrl}/services/${service}?route=${encodeURIComponent('GET /mine')}`);
    const markers = page.locator('figure[data-chart="response-time"] .chart-markers li');
    await markers.first().waitFor();
    const texts = await eventually('the alert markers', () => markers.allTextContents(), (t) => t.some((m) => m.includes('mine-route')));
    assert.ok(texts.some((m) => m.includes('alert firing: whole-service')), texts.join('\n'));
    assert.ok(!texts.some((m) => m.includes('other-route')), `another route's alert marked: ${texts.join('\n')}`);
  } finally {
    await page.close();
  }
});

test('at 390 px the new destination form stays inside the page: its URL field narrows instead of running past the edge', async () => {
  const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
  try {
    await page.goto(`${collector.httpUrl}/alerts`);
    await page.getByText('New destination').click();
    const url = page.locator('input[type="url"]');
    await url.waitFor();
    const right = await url.evaluate((el) => el.getBoundingClientRect().right);
    assert.ok(right <= 390, `the URL field ends at ${right} px`);
  } finally {
    await page.close();
  }
});

test('the history, the deliveries and the charts name a rule as the rules table does, not by its generated id', async () => {
  const service = 'named-rule-svc';
  // A rule given no id: the collector makes one up ("rule-…"), which the history and deliveries showed.
  const created = await postJson(`${collector.httpUrl}/api/alerts/rules`, {
    name: 'Checkout <i>slow</i>', series: 'throughput', service, windowMs: '1m', comparison: '<', threshold: 1000, destinations: ['ops'],
  });
  assert.equal(created.status, 201);
  const id = (created.json as { rule: { id: string } }).rule.id;
  assert.match(id, /^rule-/);
  await sendGauges(collector.otlpUrl, { 'service.name': service, 'service.instance.id': 'nr-1' }, [{ name: 'process.memory.usage', unit: 'By', points: [{ t: Date.now(), v: 1e8 }] }]);
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  try {
    await page.goto(`${collector.httpUrl}/alerts`);
    const historyRow = page.locator('[data-testid="alert-history"] tbody tr', { hasText: 'Checkout <i>slow</i>' });
    await eventually('the firing named in the history', () => historyRow.count(), (n) => n >= 1);
    assert.equal(await historyRow.first().locator('td').nth(1).getAttribute('title'), id, 'the id as its tooltip');
    assert.equal(await page.locator('[data-testid="alert-history"] i').count(), 0, 'the name is text');
    const deliveryRow = page.locator('[data-testid="alert-deliveries"] tbody tr', { hasText: 'Checkout <i>slow</i>' });
    await eventually('its delivery named', () => deliveryRow.count(), (n) => n >= 1);
    assert.equal(await page.locator('[data-testid="alert-history"]', { hasText: id }).count(), 0);

    await page.goto(`${collector.httpUrl}/services/${service}`);
    const markers = page.locator('figure[data-chart="response-time"] .chart-markers li.marker-alert-firing');
    await markers.first().waitFor();
    assert.match((await markers.first().textContent()) ?? '', /alert firing: Checkout <i>slow<\/i> — /);
  } finally {
    await page.close();
  }
});

test("a destination added on the page shows the signing secret the collector made for it, and a receiver verifies its notifications with it", async () => {
  const own = await startWebhookReceiver(null);
  const page = await browser.newPage();
  try {
    await page.goto(`${collector.httpUrl}/alerts`);
    await page.getByText('New destination').click();
    await page.getByLabel('Id').fill('made-here');
    await page.getByLabel('URL').fill(own.url);
    await page.getByRole('button', { name: 'Add' }).click();
    const message = page.getByTestId('alert-message');
    await message.getByText('Destination made-here created').waitFor();
    // The only time the secret is told: the answer to the create call, shown on the page.
    const secret = /signing secret \(shown once\): (whsec_\S+)$/.exec((await message.textContent()) ?? '')?.[1];
    assert.ok(secret !== undefined, `no secret in "${await message.textContent()}"`);
    await page.locator('[data-testid="alert-destinations"] tr[data-destination="made-here"]').getByRole('button', { name: 'Send test' }).click();
    await eventually('the test notification', async () => own.requests.length, (n) => n >= 1);
    const [sent] = own.requests;
    const h = sent!.headers as Record<string, string | undefined>;
    assert.ok(verify(secret, { 'webhook-id': h['webhook-id'], 'webhook-timestamp': h['webhook-timestamp'], 'webhook-signature': h['webhook-signature'] }, sent!.body, Math.floor(Date.now() / 1000)));
  } finally {
    await page.close();
    await own.close();
  }
});
