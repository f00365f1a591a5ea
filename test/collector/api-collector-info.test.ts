// GET /api/collector: the OTLP address the collector is bound to, for the dashboard's
// "how to start the agent" (the port is often not the default 4318).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CollectorInfoResponse } from '../../collector/src/api-types';
import { startTestCollector } from './support/collector-harness';

test('/api/collector answers the OTLP URL the collector listens on, behind the dashboard token', async (t) => {
  const collector = await startTestCollector({ dashboardToken: 'dash-secret' });
  t.after(() => collector.dispose());
  const res = await fetch(`${collector.httpUrl}/api/collector`, { headers: { Authorization: 'Bearer dash-secret' } });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('cache-control'), 'no-store');
  const body = (await res.json()) as CollectorInfoResponse;
  assert.deepEqual(body, { otlpUrl: collector.otlpUrl, ingestTokenRequired: false });
  assert.notEqual(new URL(body.otlpUrl).port, '4318', 'port 0 picked another port');
  assert.equal((await fetch(`${collector.httpUrl}/api/collector`)).status, 401);
});

test('/api/collector says an ingest token is required, without giving it (the guide then shows the header to set)', async (t) => {
  const collector = await startTestCollector({ ingestToken: 'ingest-secret' });
  t.after(() => collector.dispose());
  const res = await fetch(`${collector.httpUrl}/api/collector`);
  const text = await res.text();
  assert.deepEqual(JSON.parse(text), { otlpUrl: collector.otlpUrl, ingestTokenRequired: true });
  assert.doesNotMatch(text, /ingest-secret/);
});
