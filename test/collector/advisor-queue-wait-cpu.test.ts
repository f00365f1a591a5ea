// Queue wait behind processes that were busy only waiting for a CPU: the queue-wait finding said
// "capacity is short in front of the app" (add processes or instances) beside the capacity rule's
// waiting-for-cpu (more processes would wait too), as it read the raw event-loop utilisation. It
// now judges the busy minutes as the capacity rule does (collector/src/advisor/cpu-ran.ts), so the
// two agree. Requests, utilisation and CPU sent as the agent sends them, through the real OTLP
// exporters into a real collector; a real starved app under the agent is in the report of session
// 15 (a shared machine cannot be starved on cue in a test).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { sendGauges, startAdvisorTest, TEST_OPTIONS, type AdvisorTest } from './support/advisor-harness';
import { sendMetrics, serviceResource } from './support/collector-harness';

let t: AdvisorTest;
before(async () => {
  t = await startAdvisorTest();
});
after(async () => {
  await t.close();
});

const ROUTE = { 'http.request.method': 'GET', 'http.route': '/work' };

/**
 * One process on a 2-CPU host: 200 requests of 50 ms in the app, each after 200 ms in front of it,
 * while its loop read utilisation `elu` and the process used `cpuShare` of the host's CPUs.
 */
async function sendQueued(service: string, elu: number, cpuShare: number): Promise<void> {
  const instance = `${service}-1`;
  await sendMetrics(t.otlpUrl, serviceResource(service, instance), (m) => {
    m.histogram('http.server.request.duration', 's', Array.from({ length: 200 }, () => 0.05), { ...ROUTE, 'http.response.status_code': 200 });
    m.histogram('headroom.http.server.queue_wait', 's', Array.from({ length: 200 }, () => 0.2), ROUTE);
  });
  const now = Date.now();
  const at = (v: number): { t: number; v: number }[] => Array.from({ length: 20 }, (_, i) => ({ t: now - 60_000 + i * 3000, v }));
  await sendGauges(t.otlpUrl, { 'service.name': service, 'service.instance.id': instance, 'host.name': 'test-host', 'process.pid': 4242, 'headroom.host.cpu_count': 2 }, [
    { name: 'nodejs.eventloop.utilization', unit: '1', points: at(elu) },
    { name: 'process.cpu.utilization', unit: '1', points: at(cpuShare) },
  ]);
}

const kinds = (list: { kind: string }[]): string[] => list.map((f) => f.kind).filter((k) => k === 'queue.wait-share' || k.startsWith('capacity.')).sort();

test('queue wait in front of a loop that read busy on a quarter of a CPU: it waited for a CPU, as the capacity finding says', async () => {
  // ELU 0.9 at 0.25 CPUs (an eighth of the host's 2): as QA s14's process at 0.27 CPUs on a host
  // other jobs kept at 100 %.
  await sendQueued('queue-starved-svc', 0.9, 0.125);
  const f = await t.waitFor('queue-starved-svc', 'the queue-wait finding with the utilisation', (list) =>
    list.find((x) => x.kind === 'queue.wait-share' && x.evidence.figures.busiestUtilizationPerProcess !== undefined),
  );
  assert.equal(f.title, 'Queue wait is 80 % of response time: the processes behind it were waiting for a CPU');
  assert.equal(f.evidence.figures.busiestUtilizationPerProcess, 0.9);
  assert.equal(f.evidence.figures.ranShare, 0.28);
  assert.match(f.evidence.summary, /The processes read busy \(event-loop utilisation up to 0\.9\), but in (the minute|each of the \d minutes) they did they used at most 28 % of the CPU they were ready to run/);
  assert.match(f.cause, /hardly get a CPU/);
  assert.match(f.change, /^Give the service CPU of its own/);
  assert.doesNotMatch(f.change, /Add processes/);
  assert.deepEqual(kinds(await t.findings('queue-starved-svc', TEST_OPTIONS)), ['capacity.waiting-for-cpu', 'queue.wait-share']);
});

test('queue wait in front of a loop busy on most of a CPU: capacity is short, as the capacity finding says', async () => {
  // ELU 0.95 at 0.7 CPUs: a saturated process on a shared host (QA s14: 0.76 CPUs at ELU 0.99).
  await sendQueued('queue-saturated-svc', 0.95, 0.35);
  const f = await t.waitFor('queue-saturated-svc', 'the queue-wait finding with the utilisation', (list) =>
    list.find((x) => x.kind === 'queue.wait-share' && x.evidence.figures.busiestUtilizationPerProcess !== undefined),
  );
  assert.equal(f.title, 'Queue wait is 80 % of response time: capacity is short in front of the app');
  assert.equal(f.evidence.figures.ranShare, undefined);
  assert.match(f.change, /^Add processes or instances/);
  assert.deepEqual(kinds(await t.findings('queue-saturated-svc', TEST_OPTIONS)), ['capacity.more-processes', 'queue.wait-share']);
});
