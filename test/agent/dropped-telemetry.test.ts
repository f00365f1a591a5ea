// What the agent drops while the collector is down (more than its queues hold) reaches the
// collector as a count once it is back, and the API says where the data is incomplete: the
// same totals the agent reports on stderr, per instance and over the service's series.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { InstancesResponse, ServiceSeriesResponse } from '../../collector/src/api-types';
import { eventually, FIXTURES, freePort, RANGE, runApp, sampledTraceparent, startTestCollector, type RunningApp, type TestCollector } from './support/harness';

const SERVICE = 'agent-dropped-telemetry';

test('telemetry dropped during an outage is counted in the series and the instances listing, as the agent reports it', async () => {
  const port = await freePort();
  let app: RunningApp | undefined;
  let collector: TestCollector | undefined;
  try {
    app = await runApp(`${FIXTURES}/express-app.js`, {
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`,
      OTEL_SERVICE_NAME: SERVICE,
      OTEL_METRIC_EXPORT_INTERVAL: '200',
      OTEL_EXPORTER_OTLP_TIMEOUT: '300',
      // The smallest queues: 16 spans, 128 metric points of failed intervals.
      HEADROOM_MAX_QUEUE: '16',
      HEADROOM_TRACES_PER_SECOND: '1000',
    });
    for (let i = 0; i < 40; i++) {
      const res = await fetch(`${app.base}/hello`, { headers: { traceparent: sampledTraceparent().header } });
      assert.equal(await res.text(), 'hello');
    }
    await eventually(async () => (/HR_AGENT_EXPORT_FAILED/.test(app!.stderr()) ? true : undefined), 'a failed export');
    // Enough failed metric intervals that the held ones overflow too.
    await new Promise((r) => setTimeout(r, 3_000));

    collector = await startTestCollector({ otlpPort: port });
    const c = collector;
    const recovered = await eventually(async () => {
      const m = /spans (\d+), log records (\d+), metric points (\d+) since start/.exec(app!.stderr());
      return m ? { spans: Number(m[1]), logs: Number(m[2]), metricPoints: Number(m[3]) } : undefined;
    }, 'the recovery reported');
    assert.ok(recovered.spans > 0 && recovered.metricPoints > 0, `the queues overflowed: ${JSON.stringify(recovered)}`);

    // The agent's counts arrive with its next metric export; what it dropped since start is
    // at least what it had dropped when it reported the recovery (an export already failing
    // then may add to it). Read until the series and the listing agree on one state.
    const { series, instance } = await eventually(async () => {
      const listed = await c.api<InstancesResponse>(`/api/services/${SERVICE}/instances?${RANGE()}`);
      const s = await c.api<ServiceSeriesResponse>(`/api/services/${SERVICE}/series?${RANGE()}`);
      const i = listed.instances[0];
      const d = i?.dropped;
      if (!i || !d || d.spans < recovered.spans || d.metricPoints < recovered.metricPoints || d.logs < recovered.logs) return undefined;
      // The process started in the range: everything it dropped was dropped in the range.
      return JSON.stringify(s.dropped.total) === JSON.stringify(d) && JSON.stringify(i.droppedInRange) === JSON.stringify(d) ? { series: s, instance: i } : undefined;
    }, 'the dropped counts in the listing and the series', 30_000);
    assert.ok(series.dropped.gaps.every((g) => g.instanceId === instance?.instanceId && g.fromMs <= g.toMs));
    const incomplete = series.dropped.buckets.filter((b) => b.instances === 1);
    assert.ok(incomplete.length > 0 && incomplete.every((b) => series.t.includes(b.t)), JSON.stringify(series.dropped));
  } finally {
    await app?.stop();
    await collector?.close();
  }
});
