// A collector with fast alert settings in a temp dir, for the alert tests.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AlertSettings } from '../../../collector/src/alerts';
import type { AlertDeliveriesResponse } from '../../../collector/src/api-types';
import { startCollector, type RunningCollector } from '../../../collector/src/server';

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
