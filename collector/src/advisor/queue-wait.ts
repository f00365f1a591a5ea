// Queue wait: time a request spent in front of the app — between the proxy stamping
// X-Request-Start and the app seeing it — is time the app cannot see in its own response
// time. When it is a large share of what the client waited, the fix is not in the code:
// there are too few processes taking requests (or the proxy queues them), so capacity in
// front of the app is short. Unless no process was busy: then the requests did not wait for a
// free process but in front of idle ones — a proxy's cap on its connections to the app, held
// by slow requests (QA: 14 ms of queue wait behind a 16-connection proxy while the workers'
// utilisation stayed at 0.27, and the finding said every process was busy).
// And not when the processes were busy only waiting for a CPU: ELU counts that wait as busy, so on
// a host other jobs kept at 100 % the requests queued because the processes hardly ran, and the
// change is CPU, not processes — judged as the capacity rule judges it (cpu-ran.ts), so the two
// findings never say the opposite (session 14: "capacity is short" beside capacity.waiting-for-cpu).
import type { Finding } from '../api-types';
import { count, finding, gauge, ms, percent, percentOf, round, servingInstances, windowWords, type ServiceContext } from './context';
import { cpuRan, cpuReadings, hostsInMinute, waitedForCpu } from './cpu-ran';
import { requestBreakdown } from './request-breakdown';

/** How busy the serving processes were over the window, by minute. */
interface Busyness {
  /** The highest event-loop utilisation of any serving process in any minute. */
  busiest: number;
  /** Minutes in which a process read busy (utilisation at least capacityBusy, as shown). */
  busyMinutes: number;
  /** Of them, the minutes whose processes used under half the CPU they were ready to run (cpu-ran.ts). */
  starvedMinutes: number;
  /** The most of it any busy minute used (CPU used over what its loops were ready to run). */
  ranShare: number;
}

/** Null with fewer than minSamples utilisation points (no judgement then). */
function busyness(ctx: ServiceContext): Busyness | null {
  const serving = servingInstances(ctx.instances);
  const ids = new Set(serving.map((i) => i.instanceId));
  const minutes = new Map<number, Map<string, number>>();
  let samples = 0;
  for (const s of gauge(ctx, 'eventloop.utilization')) {
    if (!ids.has(s.instanceId)) continue;
    for (const b of s.buckets) {
      if (b.count === 0) continue;
      samples += b.count;
      const m = minutes.get(b.t) ?? new Map<string, number>();
      m.set(s.instanceId, Math.min(1, Math.max(0, b.sum / b.count)));
      minutes.set(b.t, m);
    }
  }
  if (samples < ctx.thresholds.minSamples) return null;
  const cpu = cpuReadings(ctx, serving);
  const out: Busyness = { busiest: 0, busyMinutes: 0, starvedMinutes: 0, ranShare: 0 };
  for (const [t, elu] of minutes) {
    const highest = Math.max(...elu.values());
    out.busiest = Math.max(out.busiest, highest);
    // Compared as shown (two decimals), as the capacity rule does.
    if (round(highest, 2) < ctx.thresholds.capacityBusy) continue;
    out.busyMinutes++;
    const ran = cpuRan(hostsInMinute(serving, elu, cpu.at(t), cpu.hostCpus));
    if (waitedForCpu(ran)) {
      out.starvedMinutes++;
      out.ranShare = Math.max(out.ranShare, ran.used / ran.couldUse);
    }
  }
  return out;
}

/** Why the requests queued, by how busy the processes behind the queue were. */
type Behind = 'room' | 'busy' | 'waiting-for-cpu';

function behindOf(b: Busyness | null): Behind {
  // Without enough utilisation points (an SDK that sends none) the queue is capacity's, as always said.
  if (b === null) return 'busy';
  if (b.busyMinutes === 0) return 'room';
  return b.starvedMinutes === b.busyMinutes ? 'waiting-for-cpu' : 'busy';
}

const TITLE_ENDS: Record<Behind, string> = {
  room: 'requests queue in front of processes that had room',
  busy: 'capacity is short in front of the app',
  'waiting-for-cpu': 'the processes behind it were waiting for a CPU',
};

export const queueWaitRule = (ctx: ServiceContext): Finding[] => {
  const t = ctx.thresholds;
  const b = requestBreakdown(ctx);
  const q = b.queueWait;
  // Judged over the requests that carried the header, on both sides of the share.
  if (q === null || q.requests < t.minRequests) return [];
  if (q.share < t.queueWaitShare || q.meanMs < t.queueWaitMinMs) return [];
  const all = q.requests >= b.requests;
  const busy = busyness(ctx);
  const behind = behindOf(busy);
  const carried = all
    ? `all ${count(b.requests)} requests carried a queue-start header (X-Request-Start or X-Queue-Start)`
    : `${count(q.requests)} of ${count(b.requests)} requests (${percentOf(q.requests, b.requests)}) carried a queue-start header (X-Request-Start or X-Queue-Start)`;
  const busyWords = busy === null
    ? ''
    : behind === 'room'
      ? ` No process was busy: event-loop utilisation stayed at or below ${round(busy.busiest, 2)} in every serving process and minute (busy from ${t.capacityBusy}).`
      : behind === 'waiting-for-cpu'
        ? ` The processes read busy (event-loop utilisation up to ${round(busy.busiest, 2)}), but in ${busy.busyMinutes === 1 ? 'the minute' : `each of the ${busy.busyMinutes} minutes`} they did they used at most ${percent(busy.ranShare)} of the CPU they were ready to run: most of that busy time a callback was waiting for a CPU, and the requests waited behind it.`
        : '';
  return [finding(ctx, {
    kind: 'queue.wait-share',
    subject: 'service',
    severity: q.share >= t.queueWaitShareCritical ? 'critical' : 'warning',
    title: `Queue wait is ${percent(q.share)} of response time${all ? '' : ` for the ${percentOf(q.requests, b.requests)} of requests with a queue-start header`}: ${TITLE_ENDS[behind]}`,
    summary: `Over ${windowWords(ctx.asked)}, ${carried}; ${all ? 'they' : 'those'} waited ${ms(q.meanMs)} on average before the app saw them and then took ${ms(q.meanResponseMs)} in the app: ${percent(q.share)} of their time went to queueing.${all ? '' : ' The other requests did not say how long they waited.'}${busyWords}`,
    figures: {
      queueWaitShare: round(q.share, 3),
      meanQueueWaitMs: round(q.meanMs, 1),
      meanResponseMs: round(q.meanResponseMs, 1),
      requestsWithHeader: q.requests,
      requests: b.requests,
      // Without enough utilisation points (an SDK that sends none) nothing is said of it.
      ...(busy === null ? {} : { busiestUtilizationPerProcess: round(busy.busiest, 2) }),
      ...(behind === 'waiting-for-cpu' && busy !== null ? { ranShare: round(busy.ranShare, 2) } : {}),
    },
    page: '',
    cause: CAUSES[behind](all),
    change: CHANGES[behind],
  })];
};

const CAUSES: Record<Behind, (all: boolean) => string> = {
  room: () =>
    'The requests did not wait for a free process: the proxy in front held them — most often a cap on its connections to the app (nginx upstream max_conns or a small keepalive pool, HAProxy maxconn) taken up by slow requests — or a process’s event loop was blocked by a stall and read nothing meanwhile; the app cannot see this time in its own timings.',
  busy: (all) =>
    all
      ? 'Requests queue in the proxy or the listen backlog because every process is busy (or there are too few of them); the app cannot see this time in its own timings.'
      : 'The requests that pass the proxy stamping the header queue in it or in the listen backlog because every process is busy (or there are too few of them), or the proxy limits its upstream connections; the app cannot see this time in its own timings.',
  'waiting-for-cpu': () =>
    'Requests queue in the proxy or the listen backlog because the processes cannot keep up, and they cannot because they hardly get a CPU: other processes on the host took the CPUs, or a container CPU limit (cgroup quota) throttled them. Event-loop utilisation counts the wait for a CPU as busy; the app cannot see the queue in its own timings.',
};

const CHANGES: Record<Behind, string> = {
  room: 'Check the proxy’s limit of connections to the app and raise it, and shorten the slow requests that hold those connections (the routes with the most time under Transactions) and the stalls (Event loop page); more processes would sit idle behind the same limit.',
  busy: 'Add processes or instances (see the capacity finding, if any), check the proxy’s upstream connection limits, and look at the slowest routes: time saved there shortens the queue for everyone.',
  'waiting-for-cpu': 'Give the service CPU of its own or a higher CPU limit (see the capacity finding: its processes wait for a CPU); more processes on the same CPUs would wait too. Find what used the host’s CPUs meanwhile (other services, batch jobs) and whether the container was throttled (cpu.stat nr_throttled).',
};
