// crash.count: processes that ended abnormally, from the events agents send as they end — a
// stop after an uncaught exception or with an error code, a cluster worker its primary did not
// stop — and not the clean stops of a deploy.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AlertRulesResponse } from '../../collector/src/api-types';
import { eventually } from '../agent/support/harness';
import { payloads, startAlertCollector, tempDir } from './support/alerts-harness';
import { sendLogs, serviceResource } from './support/collector-harness';
import { postJson, startWebhookReceiver, TEST_SECRET } from './support/webhook-receiver';

const SERVICE = 'crashy-shop';

function stop(timeMs: number, reason: string, extra: Record<string, string | number> = {}) {
  return { timeMs, body: `process ${reason}`, attributes: { 'event.name': 'headroom.process.stop', 'headroom.stop.reason': reason, ...extra } };
}

test('crash.count counts crashed and failed processes and unmeant worker exits, not clean stops, and fires', async (t) => {
  const dir = tempDir();
  const hook = await startWebhookReceiver(TEST_SECRET);
  const collector = await startAlertCollector(dir);
  t.after(async () => {
    await collector.close();
    await hook.close();
    dir.remove();
  });
  const api = `${collector.httpUrl}/api/alerts`;
  assert.equal((await postJson(`${api}/destinations`, { id: 'hook', type: 'webhook', url: hook.url, secret: TEST_SECRET })).status, 201);
  const rule = { id: 'crashes', name: 'Crashes', series: 'crash.count', service: SERVICE, windowMs: '5m', comparison: '>=', threshold: 3, forMs: 0, destinations: ['hook'] };
  assert.equal((await postJson(`${api}/rules`, rule)).status, 201);
  const valueNow = async (): Promise<number | null | undefined> => {
    const r = (await (await fetch(`${api}/rules`)).json()) as AlertRulesResponse;
    return r.rules.find((x) => x.rule.id === 'crashes')?.state.value;
  };

  const now = Date.now();
  // A deploy: three processes stopped cleanly (SIGTERM; one exiting 0 from its own handler; one ending by itself).
  await sendLogs(collector.otlpUrl, serviceResource(SERVICE, 'old-1'), [stop(now - 3000, 'signal', { 'headroom.stop.signal': 'SIGTERM' })]);
  await sendLogs(collector.otlpUrl, serviceResource(SERVICE, 'old-2'), [stop(now - 2900, 'signal', { 'headroom.stop.signal': 'SIGTERM', 'headroom.stop.exit_code': 0 })]);
  await sendLogs(collector.otlpUrl, serviceResource(SERVICE, 'old-3'), [stop(now - 2800, 'natural', { 'headroom.stop.exit_code': 0 })]);
  await eventually(async () => ((await valueNow()) === 0 ? true : undefined), 'the rule evaluated over the clean stops: 0');

  // Two crashes: an uncaught exception, a start-up that exited 1; and a worker killed by SIGKILL (its primary's report).
  await sendLogs(collector.otlpUrl, serviceResource(SERVICE, 'new-1'), [stop(now - 2000, 'uncaught_exception')]);
  await sendLogs(collector.otlpUrl, serviceResource(SERVICE, 'new-2'), [stop(now - 1900, 'exit', { 'headroom.stop.exit_code': 1 })]);
  await sendLogs(collector.otlpUrl, serviceResource(SERVICE, 'primary'), [
    { timeMs: now - 1800, body: 'worker 2 (pid 4243) killed by SIGKILL', attributes: { 'event.name': 'headroom.process.worker_exit', 'headroom.worker.id': 2, 'headroom.worker.signal': 'SIGKILL', 'headroom.worker.intended': false } },
    { timeMs: now - 1700, body: 'worker 3 (pid 4244) killed by SIGTERM, stopped by the primary', attributes: { 'event.name': 'headroom.process.worker_exit', 'headroom.worker.id': 3, 'headroom.worker.signal': 'SIGTERM', 'headroom.worker.intended': true } },
  ]);
  await eventually(async () => (hook.requests.length >= 1 ? true : undefined), 'the firing');
  assert.equal(await valueNow(), 3);
  const alert = payloads(hook)[0]!.alerts[0]!;
  assert.equal(alert.status, 'firing');
  assert.equal(alert.annotations.summary, 'Crashes: crashed processes 3 over 5m (threshold >= 3)');
  assert.match(alert.generatorURL, new RegExp(`/services/${SERVICE}/instances\\?`));
});

test('crash.count counts each worker once: one that crashed, sent its stop and was reported by its primary; one its primary reported killed', async (t) => {
  const dir = tempDir();
  const collector = await startAlertCollector(dir);
  t.after(async () => {
    await collector.close();
    dir.remove();
  });
  const api = `${collector.httpUrl}/api/alerts`;
  const rule = { id: 'crashes', name: 'Crashes', series: 'crash.count', service: SERVICE, windowMs: '5m', comparison: '>=', threshold: 10, forMs: 0, destinations: [] };
  assert.equal((await postJson(`${api}/rules`, rule)).status, 201);
  const valueNow = async (): Promise<number | null | undefined> => {
    const r = (await (await fetch(`${api}/rules`)).json()) as AlertRulesResponse;
    return r.rules.find((x) => x.rule.id === 'crashes')?.state.value;
  };

  const now = Date.now();
  // Worker 1 (pid 5001) dies of an uncaught exception: its own stop, then its primary's report of the exit (code 1, not meant).
  await sendLogs(collector.otlpUrl, serviceResource(SERVICE, 'worker-1', { 'process.pid': 5001 }), [stop(now - 3000, 'uncaught_exception')]);
  await sendLogs(collector.otlpUrl, serviceResource(SERVICE, 'primary', { 'process.pid': 5000 }), [
    { timeMs: now - 2990, body: 'worker 1 (pid 5001) exited with code 1', attributes: { 'event.name': 'headroom.process.worker_exit', 'headroom.worker.id': 1, 'headroom.worker.pid': 5001, 'headroom.worker.exit_code': 1, 'headroom.worker.intended': false } },
  ]);
  // Worker 2 (pid 5002) reported, then was killed by SIGKILL: it sent no stop; its primary's report is how it ended.
  await sendLogs(collector.otlpUrl, serviceResource(SERVICE, 'worker-2', { 'process.pid': 5002 }), [
    { timeMs: now - 5000, body: 'process listening', attributes: { 'event.name': 'headroom.process.start' } },
  ]);
  await sendLogs(collector.otlpUrl, serviceResource(SERVICE, 'primary', { 'process.pid': 5000 }), [
    { timeMs: now - 2980, body: 'worker 2 (pid 5002) killed by SIGKILL', attributes: { 'event.name': 'headroom.process.worker_exit', 'headroom.worker.id': 2, 'headroom.worker.pid': 5002, 'headroom.worker.signal': 'SIGKILL', 'headroom.worker.intended': false } },
  ]);
  // Then another process crashes: once the rule has read it, it has read the two before it.
  await sendLogs(collector.otlpUrl, serviceResource(SERVICE, 'other', { 'process.pid': 5100 }), [stop(now - 2000, 'exit', { 'headroom.stop.exit_code': 1 })]);
  const value = await eventually(async () => {
    const v = await valueNow();
    return typeof v === 'number' && v >= 3 ? v : undefined;
  }, 'the rule evaluated over the last crash');
  assert.equal(value, 3);
});
