// The GC finding over several processes says of one process what is true of that process: its
// heap after collection against its limit, its GC pauses, its share of its time. Before, the heap
// was the process with the most GC stall time's and the pauses were summed over every process
// with a GC stall, so "the heap at 92 % of its limit" sat beside another process's 40 major GCs.
// Stalls, heap gauges and GC pauses sent as the agent sends them, through the real OTLP
// exporters into a real collector.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { sendGauges, sendGcPauses, startAdvisorTest, type AdvisorTest } from './support/advisor-harness';
import { sendLogs, serviceResource } from './support/collector-harness';

const MIB = 1024 * 1024;

let t: AdvisorTest;
before(async () => {
  t = await startAdvisorTest();
});
after(async () => {
  await t.close();
});

// As the agent sends a GC stall.
const gcStall = (timeMs: number, durationMs: number) => ({
  timeMs,
  attributes: { 'event.name': 'headroom.eventloop.stall', 'headroom.stall.duration_ms': durationMs, 'headroom.stall.cpu_ms': durationMs - 5, 'headroom.stall.gc_ms': durationMs - 10, 'headroom.stall.gc': true },
});

/** A process of `gc-mixed` on test-host: its GC stalls, its heap kept after each collection against its limit, its major GCs. */
async function sendProcess(instanceId: string, pid: number, stalls: number[], keptMiB: number, limitMiB: number, majorGcs: number): Promise<void> {
  const now = Date.now();
  const resource = { 'service.name': 'gc-mixed', 'service.instance.id': instanceId, 'host.name': 'test-host', 'process.pid': pid };
  await sendLogs(t.otlpUrl, serviceResource('gc-mixed', instanceId, { 'process.pid': pid }), stalls.map((ms, i) => gcStall(now - 200_000 + i * 30_000, ms)));
  // A saw-tooth over what each collection keeps: four whole minutes, each holding its floor.
  const m0 = Math.floor((now - 300_000) / 60_000) * 60_000;
  const points = Array.from({ length: 60 }, (_, i) => ({ t: m0 + i * 4000, v: (keptMiB + (i % 5) * 8) * MIB }));
  await sendGauges(t.otlpUrl, resource, [
    { name: 'v8js.memory.heap.used', unit: 'By', points },
    { name: 'v8js.memory.heap.limit', unit: 'By', points: points.map((p) => ({ t: p.t, v: limitMiB * MIB })) },
  ]);
  // 2 ms each (the harness's pause).
  await sendGcPauses(t.otlpUrl, resource, Array.from({ length: majorGcs }, (_, i) => ({ t: now - 240_000 + i * 4000, kind: 'major' })));
}

test('GC stalls in two processes: the heap, the pauses and the share are those of the process named', async () => {
  // web-1: six GC stalls (2.7 s), its heap kept at 470 MiB of 512 MiB, six major GCs.
  await sendProcess('gc-mixed-1', 4101, [300, 300, 300, 1200, 300, 300], 470, 512, 6);
  // web-2: five short GC stalls (750 ms), a heap far from its 2 GiB limit, forty major GCs.
  await sendProcess('gc-mixed-2', 4102, [150, 150, 150, 150, 150], 100, 2048, 40);
  const f = await t.waitFor('gc-mixed', 'the GC finding with both processes\' stalls and gauges', (list) =>
    list.find((x) => x.kind === 'eventloop.gc-stalls' && x.evidence.figures.processes === 2 && x.evidence.figures.heapShare !== undefined && Number(x.evidence.figures.gcPauses) >= 6),
  );
  const figures = f.evidence.figures;
  // The service's stalls, over both processes.
  assert.equal(figures.gcStalls, 11);
  assert.equal(figures.totalGcStallMs, 2700 + 750);
  assert.equal(figures.maxGcStallMs, 1200);
  // The rest is pid 4101's, the process with the most GC stall time: its own stalls, heap and pauses.
  assert.equal(figures.worstInstance, 'gc-mixed-1');
  assert.equal(figures.worstProcess, 'pid 4101');
  assert.equal(figures.heapUsedAfterGcBytes, 470 * MIB);
  assert.equal(figures.heapLimitBytes, 512 * MIB);
  assert.equal(figures.majorGcs, 6, 'its major GCs, not both processes\' 46');
  assert.equal(figures.gcPauses, 6);
  assert.equal(figures.gcPauseMs, 12);
  assert.equal(figures.worstGcStalls, 6);
  assert.equal(figures.worstGcStallMs, 2700);
  const windowMs = f.evidence.window.to - f.evidence.window.from;
  assert.equal(figures.shareOfWindow, Math.round((2700 / windowMs) * 10_000) / 10_000, 'its GC stall time over its time in the window');
  assert.equal(f.title, 'Garbage collection blocked the event loop 11 times in 2 processes (longest 1.2 s), with pid 4101\'s heap at 92 % of its limit');
  assert.match(f.evidence.summary, /^Over the last 10 minutes, 11 stalls in 2 processes were filled by GC pauses, 3\.5 s in all; every request in a process waited while its loop was stopped\. /);
  assert.match(f.evidence.summary, / The figures that follow are pid 4101's, the process with the most GC stall time: 6 stalls, 2\.7 s \([\d.]+ % of its time\)\. Right after collection its heap held up to 470 MiB of its 512 MiB limit \(92 %\)\. Its GC pauses took 12 ms in all \(6 major GCs\)\.$/);
  assert.match(f.cause, /close to its limit/);
});
