// A collector with fast alert settings in a temp dir, for the alert tests.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AlertSettings } from '../../../collector/src/alerts';
import type { AlertmanagerPayload } from '../../../collector/src/alerts/notify/alertmanager-payload';
import type { AlertDeliveriesResponse } from '../../../collector/src/api-types';
import { startCollector, type RunningCollector } from '../../../collector/src/server';
import { eventually } from '../../agent/support/harness';
import { postJson, startWebhookReceiver, TEST_SECRET, type WebhookReceiver } from './webhook-receiver';

export const FAST_ALERTS: AlertSettings = {
  intervalMs: 100,
  groupIntervalMs: 0,
  delivery: { timeoutMs: 1_000, baseDelayMs: 50, maxDelayMs: 2_000 },
};

export interface TempDir {
  path: string;
  file(name: string, content: unknown): string;
  remove(): void;
}

export function tempDir(): TempDir {
  const path = mkdtempSync(join(tmpdir(), 'headroom-alerts-'));
  return {
    path,
    file(name, content) {
      const file = join(path, name);
      writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
      return file;
    },
    remove: () => rmSync(path, { recursive: true, force: true }),
  };
}

export function startAlertCollector(dir: TempDir, alerts: AlertSettings = {}): Promise<RunningCollector> {
  return startCollector({ dbPath: join(dir.path, 'headroom.db'), otlpPort: 0, httpPort: 0, alerts: { ...FAST_ALERTS, ...alerts } });
}

/** A rule that fires at once without any traffic: throughput 0 rpm is below the threshold. */
export function quietRule(destinations: string[], overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: 'quiet',
    name: 'Quiet service',
    series: 'throughput',
    service: 'quiet-service',
    windowMs: '1m',
    comparison: '<',
    threshold: 1_000_000,
    forMs: 0,
    destinations,
    ...overrides,
  };
}

export async function deliveries(collector: RunningCollector, query = ''): Promise<AlertDeliveriesResponse['deliveries']> {
  const res = await fetch(`${collector.httpUrl}/api/alerts/deliveries${query}`);
  return ((await res.json()) as AlertDeliveriesResponse).deliveries;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The Alertmanager payloads a receiver got, in order. */
export function payloads(r: WebhookReceiver): AlertmanagerPayload[] {
  return r.requests.map((q) => q.json as AlertmanagerPayload);
}

/** A collector whose rule "quiet" (throughput 0 rpm < 1 000 000) fires to the destination "hook"; `body` runs once the firing arrived. */
export async function withFiringRule(body: (httpUrl: string, hook: WebhookReceiver) => Promise<void>): Promise<void> {
  const dir = tempDir();
  const hook = await startWebhookReceiver(TEST_SECRET);
  const collector = await startAlertCollector(dir);
  try {
    assert.equal((await postJson(`${collector.httpUrl}/api/alerts/destinations`, { id: 'hook', type: 'webhook', url: hook.url, secret: TEST_SECRET })).status, 201);
    assert.equal((await postJson(`${collector.httpUrl}/api/alerts/rules`, quietRule(['hook']))).status, 201);
    await eventually(async () => (hook.requests.length >= 1 ? true : undefined), 'the firing');
    assert.equal(payloads(hook)[0]!.alerts[0]!.annotations.summary, 'Quiet service: throughput 0 rpm over 1m (threshold < 1000000 rpm)');
    await body(collector.httpUrl, hook);
  } finally {
    await collector.close();
    await hook.close();
    dir.remove();
  }
}
