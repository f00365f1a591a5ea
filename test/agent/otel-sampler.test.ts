// OTEL_TRACES_SAMPLER, end to end: it decides which traces are sampled at their root in place of
// HEADROOM_TRACES_PER_SECOND, while Headroom still keeps the traces of errors.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { EventsResponse, TracesResponse } from '../../collector/src/api-types';
import { eventually, FIXTURES, LIGHT_BUDGETS, RANGE, requestsByRoute, runServiceApps, startTestCollector, type RunningApp, type TestCollector } from './support/harness';

const HELLOS = 25;

describe('OTEL_TRACES_SAMPLER', () => {
  let collector: TestCollector;
  const apps = new Map<string, RunningApp>();

  before(async () => {
    collector = await startTestCollector();
    await runServiceApps(
      collector,
      [
        // Both Headroom budgets at 0: every trace sampled here is the sampler's doing.
        { service: 'sampler-always-on', script: `${FIXTURES}/express-app.js`, env: { ...LIGHT_BUDGETS, OTEL_TRACES_SAMPLER: 'always_on' } },
        // Headroom's default rate would sample the first ten of these.
        { service: 'sampler-always-off', script: `${FIXTURES}/express-app.js`, env: { OTEL_TRACES_SAMPLER: 'parentbased_always_off', HEADROOM_RECORDED_TRACES_PER_SECOND: '0' } },
      ],
      async (app) => {
        for (let i = 0; i < HELLOS; i++) await fetch(`${app.base}/hello`).then((r) => r.text());
        await fetch(`${app.base}/fail`).then((r) => r.text());
      },
      apps,
    );
  });

  after(async () => {
    for (const app of apps.values()) await app.stop();
    await collector?.close();
  });

  const traces = async (service: string, route: string): Promise<TracesResponse['traces']> => {
    await collector.collector.storage.flush();
    const r = await collector.api<TracesResponse>(`/api/traces?service=${service}&route=${encodeURIComponent(route)}&limit=100&${RANGE()}`);
    return r.traces;
  };

  test('always_on: every request is traced, over Headroom budgets of 0', async () => {
    const hellos = await eventually(async () => {
      const t = await traces('sampler-always-on', 'GET /hello');
      return t.length >= HELLOS ? t : undefined;
    }, `${HELLOS} /hello traces`);
    assert.equal(hellos.length, HELLOS);
    const start = await eventually(async () => {
      const r = await collector.api<EventsResponse>(`/api/events?service=sampler-always-on&type=start&${RANGE()}`);
      return r.events[0];
    }, 'start event');
    assert.equal(start.attributes['headroom.setting.agent.trace_sampling'], 'always_on');
    assert.equal(start.attributes['headroom.setting.agent.db_statement'], 'sanitized');
  });

  test('parentbased_always_off: ordinary requests leave no trace; an error is still kept', async () => {
    await requestsByRoute(collector, 'sampler-always-off', HELLOS + 1);
    await eventually(async () => {
      const t = await traces('sampler-always-off', 'GET /fail');
      return t.length > 0 ? t : undefined;
    }, 'the /fail trace');
    const hellos = await traces('sampler-always-off', 'GET /hello');
    assert.ok(hellos.every((t) => t.durationMs >= 2000 || t.stallMs > 0), `only slow or stalled /hello requests (a loaded machine) leave a trace: ${hellos.length}`);
  });
});
