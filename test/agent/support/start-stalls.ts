// The stalls of an app's start: run it (CommonJS under --require, or an ES module under
// --import) until it listened, answer one request, stop it (the stop flushes its events) and
// read the stall events its service got.
import assert from 'node:assert/strict';
import type { EventsResponse, EventView } from '../../../collector/src/api-types';
import { FIXTURES, RANGE, REGISTER, runApp, type TestCollector } from './harness';

export async function stallsOfStart(collector: TestCollector, service: string, script: string, esm: boolean, env: Record<string, string>): Promise<EventView[]> {
  const app = await runApp(`${FIXTURES}/${script}`, {
    OTEL_EXPORTER_OTLP_ENDPOINT: collector.collector.otlpUrl,
    OTEL_SERVICE_NAME: service,
    HEADROOM_STALL_THRESHOLD_MS: '100',
    ...env,
  }, esm ? { agent: false, nodeArgs: ['--import', REGISTER] } : {});
  try {
    assert.equal(await fetch(`${app.base}/`).then((r) => r.text()), 'ok');
  } finally {
    await app.stop();
  }
  await collector.collector.storage.flush();
  return (await collector.api<EventsResponse>(`/api/events?service=${service}&type=stall&${RANGE()}`)).events;
}
