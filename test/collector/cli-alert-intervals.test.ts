// `headroom start --alert-interval 1s --alert-group-interval 2s` as a real process: a rule is
// evaluated every second, and a resolve held back by the group interval goes out after 2 s, not
// after the default 5 minutes (there was no flag: a user or a test wanting faster alerts waited).
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, test } from 'node:test';
import { eventually } from '../agent/support/harness';
import { payloads } from './support/alerts-harness';
import { startCli } from './support/cli-process';
import { makeTempDir, sendMetrics, serviceResource } from './support/collector-harness';
import { postJson, startWebhookReceiver, TEST_SECRET } from './support/webhook-receiver';

const tmp = makeTempDir();
after(() => tmp.remove());

test('--alert-interval and --alert-group-interval set how often rules are evaluated and notifications grouped', async (t) => {
  const hook = await startWebhookReceiver(TEST_SECRET);
  const cli = await startCli(['--db', path.join(tmp.path, 'alerts.db'), '--alert-interval', '1s', '--alert-group-interval', '2s']);
  t.after(async () => {
    await cli.stop();
    await hook.close();
  });
  const api = cli.httpUrl;
  assert.equal((await postJson(`${api}/api/alerts/destinations`, { id: 'hook', type: 'webhook', url: hook.url, secret: TEST_SECRET })).status, 201);
  // No traffic yet: 0 rpm < 1 fires at the next evaluation.
  const rule = { id: 'idle', name: 'Idle shop', series: 'throughput', service: 'shop', windowMs: '1m', comparison: '<', threshold: 1, forMs: 0, destinations: ['hook'] };
  assert.equal((await postJson(`${api}/api/alerts/rules`, rule)).status, 201);
  await eventually(async () => (payloads(hook).some((p) => p.status === 'firing') ? true : undefined), 'the firing');

  // Traffic resolves it at once; the resolve, inside the group interval after the firing, is held
  // for 2 s (with the default it would be held for 5 minutes, past this wait).
  const route = { 'http.request.method': 'GET', 'http.route': '/orders', 'http.response.status_code': 200 };
  await sendMetrics(cli.otlpUrl, serviceResource('shop', 'shop-1'), (m) => m.histogram('http.server.request.duration', 's', Array.from({ length: 60 }, () => 0.01), route));
  await eventually(async () => (payloads(hook).some((p) => p.status === 'resolved') ? true : undefined), 'the resolve', 10_000);
  assert.equal(payloads(hook).length, 2);
});
