// The services overview's event-loop and memory figures are the range's: event-loop
// utilisation from the rows inside the range only, over the processes that serve requests (a
// cluster primary's idle loop left out), and RSS summed over the processes alive at the
// range's end (a restarted cluster's old processes not added for an hour). Gauges and start
// events go through the real OTLP exporters and receiver.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gaugeSegments } from '../../collector/src/store/sqlite/queries/gauge-queries';
import { sendMetrics, serviceResource, startTestCollector } from './support/collector-harness';
import { sendGauges, sendStart } from './support/advisor-harness';

const MINUTE = 60_000;
const MIB = 1024 * 1024;

interface Proc {
  id: string;
  role: 'primary' | 'worker';
  /** Minutes after the base it reports in, [first, last]. */
  minutes: [number, number];
  elu: (minute: number) => number;
  rssMib: number;
}

async function sendProcs(otlpUrl: string, base: number, procs: Proc[]): Promise<void> {
  for (const p of procs) {
    const elu: { t: number; v: number }[] = [];
    const rss: { t: number; v: number }[] = [];
    for (let m = p.minutes[0]; m <= p.minutes[1]; m++) {
      for (let s = 1_000; s < MINUTE; s += 10_000) {
        elu.push({ t: base + m * MINUTE + s, v: p.elu(m) });
        rss.push({ t: base + m * MINUTE + s, v: p.rssMib * MIB });
      }
    }
    // Workers say so in their resource; a primary only in its start event (agent/src/resource.ts).
    const resource = { 'service.name': 'shop', 'service.instance.id': p.id, 'host.name': 'h1', ...(p.role === 'worker' ? { 'headroom.cluster.role': 'worker' } : {}) };
    await sendGauges(otlpUrl, resource, [
      { name: 'nodejs.eventloop.utilization', unit: '1', points: elu },
      { name: 'process.memory.usage', unit: 'By', points: rss },
    ]);
    await sendStart(otlpUrl, resource, { cluster_role: p.role }, base + p.minutes[0] * MINUTE);
  }
}

test('overview: event-loop utilisation is the range\'s over serving processes; RSS counts the processes alive at its end', async (t) => {
  const collector = await startTestCollector();
  t.after(() => collector.dispose());
  // A 5-minute boundary 30 minutes back: minutes 0..4 share one 5-minute row, 5..9 the next.
  const base = Math.floor(Date.now() / (5 * MINUTE)) * 5 * MINUTE - 30 * MINUTE;
  const workers = (gen: string, minutes: [number, number], rssMib: number, elu: (m: number) => number): Proc[] =>
    [1, 2, 3, 4].map((w) => ({ id: `${gen}-w${w}`, role: 'worker', minutes, elu, rssMib }));
  await sendProcs(collector.otlpUrl, base, [
    // The first cluster, stopped after minute 2 (a deploy).
    { id: 'old-primary', role: 'primary', minutes: [0, 2], elu: () => 0.01, rssMib: 60 },
    ...workers('old', [0, 2], 200, () => 0.5),
    // The new cluster: saturated in minute 3, busy 20 % after.
    { id: 'new-primary', role: 'primary', minutes: [3, 9], elu: () => 0.01, rssMib: 50 },
    ...workers('new', [3, 9], 100, (m) => (m === 3 ? 1 : 0.2)),
  ]);
  await collector.storage.flush();
  const shop = (from: number, to: number) => {
    const s = collector.storage.services({ from, to }).services.find((x) => x.service === 'shop');
    assert.ok(s, 'shop in the overview');
    return s;
  };

  // The saturated minute alone: every worker at 100 %.
  const saturated = shop(base + 3 * MINUTE, base + 4 * MINUTE);
  assert.ok(Math.abs(saturated.eventLoopUtilization! - 1) < 1e-9, `saturated minute ${saturated.eventLoopUtilization}`);
  // A later minute of the same 5-minute row reads its own figure, not the row's.
  const later = shop(base + 4 * MINUTE, base + 5 * MINUTE);
  assert.ok(Math.abs(later.eventLoopUtilization! - 0.2) < 1e-9, `minute 4 ${later.eventLoopUtilization}`);
  // Ten minutes: whole 5-minute rows; workers only (3 × 4 at 0.5, 4 at 1, 5 × 4 at 0.2 process-minutes).
  const all = shop(base, base + 10 * MINUTE);
  const expected = (3 * 4 * 0.5 + 4 * 1 + 6 * 4 * 0.2) / (3 * 4 + 4 + 6 * 4);
  assert.ok(Math.abs(all.eventLoopUtilization! - expected) < 1e-9, `ten minutes ${all.eventLoopUtilization}, expected ${expected}`);

  // RSS at the end of the ten minutes: the new primary and its 4 workers, not the old 5.
  assert.equal(all.memoryRssBytes, (50 + 4 * 100) * MIB);
  // At the end of minute 2, the old cluster was the one alive.
  assert.equal(shop(base, base + 3 * MINUTE).memoryRssBytes, (60 + 4 * 200) * MIB);
});

test('gauge segments: whole hours and 5 minutes inside the range, minute rows at the edges', () => {
  const H = 60 * MINUTE;
  const h = 10 * H;
  assert.deepEqual(gaugeSegments(h + 3 * MINUTE, h + 4 * MINUTE), [{ table: 'gauge_minute', from: h + 3 * MINUTE, to: h + 4 * MINUTE }]);
  assert.deepEqual(gaugeSegments(h - 7 * MINUTE, h + H + 12 * MINUTE), [
    { table: 'gauge_minute', from: h - 7 * MINUTE, to: h - 5 * MINUTE },
    { table: 'gauge_5m', from: h - 5 * MINUTE, to: h },
    { table: 'gauge_hour', from: h, to: h + H },
    { table: 'gauge_5m', from: h + H, to: h + H + 10 * MINUTE },
    { table: 'gauge_minute', from: h + H + 10 * MINUTE, to: h + H + 12 * MINUTE },
  ]);
});

test('throughput averages over the time the service reported in the range, not over a week it did not exist', async (t) => {
  const collector = await startTestCollector();
  t.after(() => collector.dispose());
  const now = Date.now();
  const minute = (ms: number): number => Math.floor(ms / MINUTE) * MINUTE;
  // One process, first seen 40 minutes ago (a gauge point then), idle since, and 600 requests
  // in the minute now: its idle minutes count (it was there), the week before it does not.
  const resource = { 'service.name': 'young', 'service.instance.id': 'young-1', 'host.name': 'h1' };
  await sendGauges(collector.otlpUrl, resource, [{ name: 'nodejs.eventloop.utilization', unit: '1', points: [{ t: now - 40 * MINUTE, v: 0.1 }] }]);
  await sendMetrics(collector.otlpUrl, serviceResource('young', 'young-1', { 'host.name': 'h1' }), (m) => {
    m.histogram('http.server.request.duration', 's', Array.from({ length: 600 }, () => 0.01), { 'http.request.method': 'GET', 'http.route': '/a', 'http.response.status_code': 200 });
  });
  await collector.storage.flush();
  const young = (from: number, to: number) => {
    const s = collector.storage.services({ from, to }).services.find((x) => x.service === 'young');
    assert.ok(s, 'young in the overview');
    return s;
  };
  const to = minute(now) + MINUTE;
  const last = collector.storage.instances({ service: 'young', from: to - 60 * MINUTE, to }).instances[0]!.lastSeen;
  // Over a week: per minute of the 40-odd minutes it reported (from its first minute — it sent no
  // start, and its first export counted requests from before it — to its last report), not of 7 days.
  const week = young(to - 7 * 24 * 60 * MINUTE, to);
  const reported = last - minute(now - 40 * MINUTE);
  assert.equal(week.requests, 600);
  assert.equal(week.reportedMs, reported);
  assert.ok(Math.abs(week.throughputRpm - 600 / (reported / MINUTE)) < 1e-9, `week ${week.throughputRpm}`);
  // A range it reported through: per minute of the range up to its last report.
  const tenMinutes = young(to - 10 * MINUTE, to);
  assert.equal(tenMinutes.reportedMs, last - (to - 10 * MINUTE));
  assert.ok(Math.abs(tenMinutes.throughputRpm - 600 / (tenMinutes.reportedMs! / MINUTE)) < 1e-9, `ten minutes ${tenMinutes.throughputRpm}`);
});

test('a service 1.8 minutes old: its throughput is over the time from its start to its last report, not the 3 minutes it touched', async (t) => {
  const collector = await startTestCollector();
  t.after(() => collector.dispose());
  const now = Date.now();
  const started = now - 108_000;
  const resource = { 'service.name': 'newborn', 'service.instance.id': 'newborn-1', 'host.name': 'h1' };
  await sendStart(collector.otlpUrl, resource, { cpu_count: 2 }, started);
  await sendMetrics(collector.otlpUrl, serviceResource('newborn', 'newborn-1', { 'host.name': 'h1' }), (m) => {
    m.histogram('http.server.request.duration', 's', Array.from({ length: 540 }, () => 0.01), { 'http.request.method': 'GET', 'http.route': '/a', 'http.response.status_code': 200 });
  });
  await collector.storage.flush();
  const to = Math.floor(now / MINUTE) * MINUTE + MINUTE;
  const range = { from: to - 15 * MINUTE, to };
  const process = collector.storage.instances({ service: 'newborn', ...range }).instances[0]!;
  assert.equal(process.firstSeen, started);
  const s = collector.storage.services(range).services.find((x) => x.service === 'newborn')!;
  assert.equal(s.requests, 540);
  // 540 requests in the 1.8 minutes from its start to its last report: about 300 a minute, not 180 or 270.
  assert.equal(s.reportedMs, process.lastSeen - started);
  assert.ok(s.reportedMs! > 1.75 * MINUTE && s.reportedMs! < 1.9 * MINUTE, `reported ${s.reportedMs}`);
  assert.ok(Math.abs(s.throughputRpm - 540 / (s.reportedMs! / MINUTE)) < 1e-9, `throughput ${s.throughputRpm}`);
});
