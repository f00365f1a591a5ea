// A collector that is down for a while (a restart, a deploy) loses nothing that fits the
// agent's queues: failed exports are held and sent once it answers again.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TraceResponse } from '../../collector/src/api-types';
import { eventually, FIXTURES, freePort, requestsByRoute, runApp, sampledTraceparent, startTestCollector, type RunningApp, type TestCollector } from './support/harness';

const SERVICE = 'agent-collector-outage';

test('requests served while the collector was down reach it once it is back: all counted, sampled traces kept', async () => {
  const port = await freePort();
  let app: RunningApp | undefined;
  let collector: TestCollector | undefined;
  try {
    app = await runApp(`${FIXTURES}/express-app.js`, {
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`,
      OTEL_SERVICE_NAME: SERVICE,
      OTEL_METRIC_EXPORT_INTERVAL: '300',
      // Each export gives up quickly, so the outage outlasts the exporter's own retries.
      OTEL_EXPORTER_OTLP_TIMEOUT: '300',
    });
    const traced: string[] = [];
    for (let i = 0; i < 20; i++) {
      const { traceId, header } = sampledTraceparent();
      if (i % 5 === 0) traced.push(traceId);
      const res = await fetch(`${app.base}/hello`, { headers: i % 5 === 0 ? { traceparent: header } : {} });
      assert.equal(await res.text(), 'hello');
    }
    // Several metric intervals and span exports fail meanwhile.
    await eventually(async () => (/HR_AGENT_EXPORT_FAILED/.test(app!.stderr()) ? true : undefined), 'a failed export');
    await new Promise((r) => setTimeout(r, 1_500));

    collector = await startTestCollector({ otlpPort: port });
    const c = collector;
    assert.deepEqual(await requestsByRoute(c, SERVICE, 20), { 'GET /hello': 20 });
    for (const traceId of traced) {
      await eventually(async () => {
        const res = await fetch(`${c.collector.httpUrl}/api/traces/${traceId}`);
        return res.ok ? ((await res.json()) as TraceResponse) : undefined;
      }, `trace ${traceId}`);
    }
    await eventually(async () => (/HR_AGENT_EXPORT_RECOVERED/.test(app!.stderr()) ? true : undefined), 'the recovery reported');
  } finally {
    await app?.stop();
    await collector?.close();
  }
});
