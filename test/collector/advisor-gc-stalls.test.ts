// Garbage collection that blocks the loop again and again is a finding of its own
// (eventloop.gc-stalls): the blocking-route rule leaves GC stalls out (19d9511), and before this
// nothing said that major GCs stopped every request in the process. A real app under the agent
// runs a long major GC per request over a large live heap (its GC stalls, heap and GC gauges
// through the real collector); stalls and gauges sent over OTLP check the noise guard and a
// heap kept near its limit.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { DEFAULT_THRESHOLDS } from '../../collector/src/advisor/thresholds';
import type { Finding } from '../../collector/src/api-types';
import type { StallTally } from '../../collector/src/store/storage';
import { FIXTURES } from '../agent/support/harness';
import { byKind, get, runApp, sendGauges, stallCount, startAdvisorTest, TEST_OPTIONS, type AdvisorTest, type RunningApp } from './support/advisor-harness';
import { sendLogs, serviceResource } from './support/collector-harness';

const MIB = 1024 * 1024;

let t: AdvisorTest;
let app: RunningApp | undefined;
before(async () => {
  t = await startAdvisorTest();
});
after(async () => {
  await app?.stop('SIGKILL');
  await t.close();
});

test('a process whose loop major GCs stop again and again: a GC finding with its figures, no route blamed', async (tc) => {
  // A full GC per request over ~60 MiB of small live objects, on the main thread alone
  // (--single-threaded-gc), past a 40 ms stall threshold.
  app = await runApp(
    `${FIXTURES}/gc-stall-app.js`,
    { OTEL_SERVICE_NAME: 'gc-heavy', OTEL_EXPORTER_OTLP_ENDPOINT: t.otlpUrl, HEADROOM_STALL_THRESHOLD_MS: '40', HEADROOM_TRACES_PER_SECOND: '0' },
    { nodeArgs: ['--expose-gc', '--single-threaded-gc'] },
  );
  for (let i = 0; i < 6; i++) await get(app.base, `/users/${i}`);
  // The GC gauges come with the metrics, apart from the stall events: the figures are read once
  // the pauses of every stall counted are in (a major GC behind each).
  const withGauges = (list: Finding[]): Finding | undefined =>
    list.find((x) => {
      const figures = x.evidence.figures;
      return x.kind === 'eventloop.gc-stalls' && figures.gcPauseOnCpuMs !== undefined && figures.heapUsedAfterGcBytes !== undefined && Number(figures.majorGcs) >= Number(figures.gcStalls);
    });
  // A crowded machine can starve a GC stall to under a third of it on CPU (then it is the
  // CPU-starvation finding's): collect again while no GC finding shows, for up to 30 s.
  const collectUntil = Date.now() + 30_000;
  while (Date.now() < collectUntil && !byKind('eventloop.gc-stalls')(await t.findings('gc-heavy'))) await get(app.base, '/users/again');
  // Then the finding with its gauges, or none while the GC stalls on CPU the store holds (read
  // in the same turn as the findings) are too few for it and the others hardly ran.
  let gc: StallTally[] = [];
  const f = await t.waitFor('gc-heavy', 'the GC finding with its GC gauges, or GC stalls starved of CPU', (list) => {
    if (byKind('eventloop.gc-stalls')(list)) return withGauges(list);
    gc = t.stallTally('gc-heavy').filter((g) => g.gc && !g.agent);
    return gc.some((g) => g.hardlyRan) ? ({ kind: 'starved' } as Finding) : undefined;
  });
  if (f.kind === 'starved') {
    const onCpu = gc.filter((g) => !g.hardlyRan);
    assert.ok(stallCount(onCpu) < DEFAULT_THRESHOLDS.gcStallMinCount && onCpu.every((g) => g.maxMs < DEFAULT_THRESHOLDS.blockingSingleMs), JSON.stringify(gc));
    tc.diagnostic(`the machine starved ${stallCount(gc) - stallCount(onCpu)} of ${stallCount(gc)} GC stalls of CPU: no GC finding`);
    assert.ok(!(await t.findings('gc-heavy')).some((x) => x.kind === 'eventloop.blocking-route'), 'no route nor "code outside any request" is blamed');
    return;
  }
  const figures = f.evidence.figures;
  assert.ok(Number(figures.gcStalls) >= 5, `stalls ${figures.gcStalls}`);
  assert.ok(Number(figures.maxGcStallMs) >= 40, `longest ${figures.maxGcStallMs}`);
  assert.equal(figures.processes, 1);
  assert.match(f.title, /^Garbage collection blocked the event loop \d+ times \(longest \d+ ms\)$/);
  // The heap after collection and its limit: far from it, so the cause is the allocation.
  assert.ok(Number(figures.heapUsedAfterGcBytes) >= 20 * MIB, `heap ${figures.heapUsedAfterGcBytes}`);
  assert.ok(Number(figures.heapLimitBytes) > Number(figures.heapUsedAfterGcBytes));
  assert.ok(Number(figures.heapShare) < 0.85);
  assert.match(f.cause, /far from its limit/);
  assert.match(f.change, /Allocate less/);
  // The GC pauses behind the stalls, as the agent measured them, and their time on CPU.
  assert.ok(Number(figures.gcPauseMs) >= Number(figures.totalGcStallMs) / 2, `${figures.gcPauseMs} ms of pauses, ${figures.totalGcStallMs} ms of GC stalls`);
  assert.ok(Number(figures.gcPauseOnCpuMs) > 0 && Number(figures.gcPauseOnCpuMs) <= Number(figures.gcPauseMs));
  assert.match(f.evidence.summary, /stalls in .+ were filled by GC pauses/);
  assert.match(f.evidence.summary, /Right after collection its heap held up to \d+(\.\d)? MiB of its \d+(\.\d)? GiB limit/);
  assert.match(f.evidence.chartLink, /^\/services\/gc-heavy\/event-loop\?/);
  const all = await t.findings('gc-heavy');
  assert.ok(!all.some((x) => x.kind === 'eventloop.blocking-route'), 'no route nor "code outside any request" is blamed');
});

// As the agent sends a GC stall.
const gcStall = (timeMs: number, durationMs = 180) => ({
  timeMs,
  attributes: { 'event.name': 'headroom.eventloop.stall', 'headroom.stall.duration_ms': durationMs, 'headroom.stall.cpu_ms': durationMs - 5, 'headroom.stall.gc_ms': durationMs - 10, 'headroom.stall.gc': true },
});

test('a GC stall or two is no finding; five are, and one of half a second is', async () => {
  const t0 = Date.now() - 240_000;
  const times = (n: number) => Array.from({ length: n }, (_, i) => gcStall(t0 + i * 20_000));
  await sendLogs(t.otlpUrl, serviceResource('gc-once', 'gc-once-1'), times(4));
  await sendLogs(t.otlpUrl, serviceResource('gc-often', 'gc-often-1'), times(5));
  await sendLogs(t.otlpUrl, serviceResource('gc-long', 'gc-long-1'), [gcStall(t0, 650)]);
  // Five GC stalls the process hardly ran through are the CPU-starvation finding's.
  await sendLogs(t.otlpUrl, serviceResource('gc-starved', 'gc-starved-1'), times(5).map((s) => ({ ...s, attributes: { ...s.attributes, 'headroom.stall.cpu_ms': 20 } })));
  await t.waitFor('gc-often', 'the GC finding', byKind('eventloop.gc-stalls'));
  const kinds = async (service: string) => (await t.findings(service, TEST_OPTIONS)).map((f) => f.kind);
  assert.ok(!(await kinds('gc-once')).includes('eventloop.gc-stalls'), 'four GC stalls of 180 ms');
  const long = (await t.findings('gc-long')).find((f) => f.kind === 'eventloop.gc-stalls');
  assert.equal(long?.title, 'Garbage collection blocked the event loop 1 time (longest 650 ms)');
  assert.equal(long?.severity, 'warning');
  // No heap gauges came with it: the cause names both, and claims neither.
  assert.match(long?.cause ?? '', /no heap figures came with these stalls/);
  assert.equal(long?.evidence.figures.heapShare, undefined);
  assert.deepEqual(await kinds('gc-starved'), ['eventloop.cpu-starved']);
});

test('GC stalls with the heap held near its limit: said in the title, the cause and the change', async () => {
  const now = Date.now();
  const resource = { 'service.name': 'gc-full', 'service.instance.id': 'gc-full-1', 'host.name': 'test-host', 'process.pid': 4242 };
  await sendLogs(t.otlpUrl, serviceResource('gc-full', 'gc-full-1'), Array.from({ length: 6 }, (_, i) => gcStall(now - 200_000 + i * 30_000, i === 3 ? 1200 : 300)));
  // A saw-tooth over 470 MiB kept after each collection, of a 512 MiB limit: four whole minutes,
  // each holding its floor (the store's minutes decide the lowest).
  const m0 = Math.floor((now - 300_000) / 60_000) * 60_000;
  const points = Array.from({ length: 60 }, (_, i) => ({ t: m0 + i * 4000, v: (470 + (i % 5) * 8) * MIB }));
  await sendGauges(t.otlpUrl, resource, [
    { name: 'v8js.memory.heap.used', unit: 'By', points },
    { name: 'v8js.memory.heap.limit', unit: 'By', points: points.map((p) => ({ t: p.t, v: 512 * MIB })) },
  ]);
  const f = await t.waitFor('gc-full', 'the GC finding with the heap', (list) => list.find((x) => x.kind === 'eventloop.gc-stalls' && x.evidence.figures.heapShare !== undefined));
  assert.equal(f.title, 'Garbage collection blocked the event loop 6 times (longest 1.2 s) with the heap at 92 % of its limit');
  assert.equal(f.severity, 'critical', 'a GC stall of a second or more');
  assert.equal(f.evidence.figures.heapUsedAfterGcBytes, 470 * MIB);
  assert.equal(f.evidence.figures.heapLimitBytes, 512 * MIB);
  assert.equal(f.evidence.figures.totalGcStallMs, 5 * 300 + 1200);
  assert.match(f.cause, /close to its limit/);
  assert.match(f.change, /--max-old-space-size/);
});
