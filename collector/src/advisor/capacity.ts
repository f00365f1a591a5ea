// Capacity, as New Relic's capacity analysis defined it: "instance busy" is the share of time
// a process spends running code — for Node, event-loop utilisation (ELU). One event loop is
// one thread of JavaScript (Node's GIL): a process at ELU ≈ 1 queues every further request
// inside itself, whatever the host's other CPUs are doing. Summed over processes at the peak
// minute, ELU says how many processes the load needs:
//   needed = ceil(Σ busy at peak / target utilisation)
// Compared with the CPUs of each host and the processes already on it (instances sharing
// host.name), the change is either "run more processes" (idle CPUs) or "add instances".
// ELU also counts the time a running callback waited for a CPU: 4 processes on 2 CPUs all
// read ≈ 1 while they can do at most 2 CPUs of work. So each process's busy is capped by the
// CPU it used (process.cpu.utilization × the host's CPUs) and each host's by its CPUs, the
// sizing is in CPUs (one process each), and a busy host with more processes than CPUs is a
// finding of its own.
// Busy loops filled mostly by stalls (one route's blocking code) are not short of processes
// either: the route is the change, and capacity is judged again once it no longer blocks.
// A loop that reads busy while its processes used under half the CPU they could have run on
// was mostly waiting for a CPU (other load on the host, a container's CPU quota), not short of
// processes: more processes on the same CPUs would wait too. QA s14: a process at 0.27 CPUs,
// a third of its capacity, read ELU 0.87 on a host other jobs kept at 100 % and was told to
// "run more processes".
import type { Finding, InstanceView } from '../api-types';
import { finding, gauge, plural, round, servingInstances, windowWords, type ServiceContext } from './context';
import { cpuRan, cpuReadings, hostsInMinute, waitedForCpu, type HostMinute } from './cpu-ran';

interface Peak {
  t: number;
  busy: number;
  processes: number;
  samples: number;
  ids: string[];
  /** Each process's mean ELU in the minute. */
  elu: Map<string, number>;
}

/** The minute with the most total busy, over the serving instances. */
function peakMinute(ctx: ServiceContext, serving: Set<string>): { peak: Peak | null; samples: number } {
  const minutes = new Map<number, Peak>();
  let samples = 0;
  for (const s of gauge(ctx, 'eventloop.utilization')) {
    if (!serving.has(s.instanceId)) continue;
    for (const b of s.buckets) {
      samples += b.count;
      const m = minutes.get(b.t) ?? { t: b.t, busy: 0, processes: 0, samples: 0, ids: [], elu: new Map<string, number>() };
      const elu = Math.min(1, Math.max(0, b.sum / b.count));
      m.busy += elu;
      m.elu.set(s.instanceId, elu);
      m.processes++;
      m.samples += b.count;
      m.ids.push(s.instanceId);
      minutes.set(b.t, m);
    }
  }
  let peak: Peak | null = null;
  // Of equally busy minutes (a saturated process reads 1 in each), the best measured: a process's
  // first minute, begun part-way, read as busy as its full ones from a few readings.
  for (const m of minutes.values()) {
    if (!peak || round(m.busy, 2) > round(peak.busy, 2) || (round(m.busy, 2) === round(peak.busy, 2) && m.samples > peak.samples)) peak = m;
  }
  return { peak, samples };
}

function hostsAtPeak(ctx: ServiceContext, serving: InstanceView[], peak: Peak): HostMinute[] {
  const cpu = cpuReadings(ctx, serving);
  return hostsInMinute(serving, peak.elu, cpu.at(peak.t), cpu.hostCpus);
}

/** A busy host with more serving processes than CPUs: the processes take turns on the CPUs. */
function oversubscribed(ctx: ServiceContext, hosts: HostMinute[], peak: Peak): Finding[] {
  const out: Finding[] = [];
  for (const h of hosts) {
    if (h.cpus === null || h.processes <= h.cpus) continue;
    const perProcess = round(h.elu / h.processes, 2);
    if (perProcess < ctx.thresholds.capacityBusy) continue;
    const used = h.cpuUsed === null ? null : round(Math.min(h.cpuUsed, h.cpus), 2);
    out.push(finding(ctx, {
      kind: 'capacity.oversubscribed',
      subject: h.host,
      severity: 'warning',
      title: `${plural(h.processes, 'process', 'processes')} share ${plural(h.cpus, 'CPU')} on ${h.host}: run one per CPU`,
      summary: `At the busiest minute of ${windowWords(ctx.asked)} (${new Date(peak.t).toISOString().slice(11, 16)} UTC) the ${h.processes} serving processes on ${h.host} read event-loop utilisation ${perProcess} each, ` +
        `but the host has ${plural(h.cpus, 'CPU')}${used === null ? '' : ` and they used ${used} CPUs`}: part of that utilisation is time a running callback waited for a CPU.`,
      figures: {
        host: h.host,
        processes: h.processes,
        hostCpus: h.cpus,
        peakUtilizationPerProcess: perProcess,
        cpuUsedAtPeak: used === null ? 'unknown' : used,
        peakMinute: new Date(peak.t).toISOString(),
      },
      page: 'instances',
      cause: 'More processes than CPUs do no more work: the kernel switches them in turn, every switch delays a callback that was already running, and each process holds its own heap. Event-loop utilisation then overstates the work done.',
      change: `Run ${plural(h.cpus, 'process', 'processes')} on ${h.host}, one per CPU (node:cluster with os.availableParallelism() workers, PM2 -i max); for more capacity, add CPUs or instances rather than processes.`,
    }));
  }
  return out;
}

/** From this share of the peak minute's busy time filled by stalls, the stalls are the load. */
const STALL_SHARE = 0.5;
const MINUTE_MS = 60_000;

/**
 * The app's stalls on CPU in the peak minute (not the agent's, not GC's, not those the process
 * hardly ran through): their time, and the route that had the most of it.
 */
function stallsAtPeak(ctx: ServiceContext, peak: Peak): { ms: number; count: number; route: string; routeMs: number } {
  const byRoute = new Map<string, { ms: number; count: number }>();
  for (const g of ctx.storage.stallTally({ service: ctx.service, from: peak.t, to: peak.t + MINUTE_MS })) {
    if (g.agent || g.gc || g.hardlyRan || !g.instanceIds.some((id) => peak.ids.includes(id))) continue;
    const key = g.route ?? 'code outside any request';
    const r = byRoute.get(key) ?? { ms: 0, count: 0 };
    r.ms += g.totalMs;
    r.count += g.count;
    byRoute.set(key, r);
  }
  let ms = 0;
  let count = 0;
  let top: [string, { ms: number; count: number }] = ['', { ms: 0, count: 0 }];
  for (const e of byRoute) {
    ms += e[1].ms;
    count += e[1].count;
    if (e[1].ms > top[1].ms) top = e;
  }
  return { ms, count, route: top[0], routeMs: top[1].ms };
}

/**
 * The time the loops were busy in the peak minute: each process's ELU over the part of the
 * minute it ran (a process started or last heard from within it reported for less: its mean ELU
 * is of that part only).
 */
function busyMsAtPeak(serving: InstanceView[], peak: Peak): number {
  let ms = 0;
  for (const i of serving) {
    const elu = peak.elu.get(i.instanceId);
    if (elu === undefined) continue;
    const from = Math.max(peak.t, i.startedAt ?? i.firstSeen);
    const to = Math.min(peak.t + MINUTE_MS, i.lastSeen);
    ms += elu * Math.max(0, to - from);
  }
  return ms;
}

/** Busy loops filled mostly by stalls: the blocking code is the load, not the number of processes. */
function mostlyStalls(ctx: ServiceContext, peak: Peak, elu: number, stalls: ReturnType<typeof stallsAtPeak>, busyMs: number): Finding {
  const at = new Date(peak.t).toISOString().slice(11, 16);
  const share = Math.min(1, stalls.ms / busyMs);
  const routeWords = stalls.route.startsWith('code outside') ? stalls.route : `route ${stalls.route}`;
  return finding(ctx, {
    kind: 'capacity.mostly-stalls',
    subject: 'service',
    severity: 'warning',
    title: `Event-loop utilisation ${elu} on ${plural(peak.processes, 'process', 'processes')}, ${Math.round(share * 100)} % of it stalls: fix ${routeWords} before adding processes`,
    summary: `At the busiest minute of ${windowWords(ctx.asked)} (${at} UTC) the event loop${peak.processes === 1 ? ' was' : 's were'} busy for ${round(busyMs / 1000, 1)} s, ` +
      `and ${plural(stalls.count, 'stall')} (callbacks that blocked the loop past the stall threshold, on CPU) filled ${round(stalls.ms / 1000, 1)} s of it, ` +
      `${round(stalls.routeMs / 1000, 1)} s in ${routeWords}: the load is that blocking code, which holds up every other request in the process however many processes there are.`,
    figures: {
      peakUtilizationPerProcess: elu,
      eventLoopBusyAtPeak: round(peak.busy, 2),
      busyMsAtPeak: Math.round(busyMs),
      stallMsAtPeak: Math.round(stalls.ms),
      stallsAtPeak: stalls.count,
      stallShare: round(share, 2),
      topRoute: stalls.route,
      topRouteStallMs: Math.round(stalls.routeMs),
      processes: peak.processes,
      peakMinute: new Date(peak.t).toISOString(),
    },
    page: 'event-loop',
    ...(stalls.route.startsWith('code outside') ? {} : { linkParams: { route: stalls.route } }),
    cause: 'Most of the time the loop was busy, one callback was blocking it for hundreds of milliseconds: more processes would each run the same blocking code and keep stalling every request that shares its loop.',
    change: `Move the blocking work of ${routeWords} off the event loop (a worker thread, the call's async form, or chunks; see its blocking-route finding), then judge capacity again: the CPU it needs stays, but the loop that answers every other request is freed.`,
  });
}

/** Busy event loops whose processes hardly had a CPU: the host's CPUs went elsewhere. */
function waitingForCpu(ctx: ServiceContext, hosts: HostMinute[], peak: Peak, elu: number, used: number, couldUse: number): Finding {
  const at = new Date(peak.t).toISOString().slice(11, 16);
  const cpus = hosts.every((h) => h.cpus !== null) ? hosts.reduce((s, h) => s + (h.cpus ?? 0), 0) : null;
  const who = peak.processes === 1 ? 'the process' : `the ${peak.processes} processes`;
  const usedWords = `${round(used, 2)} CPUs`;
  return finding(ctx, {
    kind: 'capacity.waiting-for-cpu',
    subject: 'service',
    severity: 'warning',
    title: `Event-loop utilisation ${elu} on ${plural(peak.processes, 'process', 'processes')} but only ${usedWords} used: ${peak.processes === 1 ? 'it waits' : 'they wait'} for a CPU, more processes would wait too`,
    summary: `At the busiest minute of ${windowWords(ctx.asked)} (${at} UTC) ${who} read event-loop utilisation ${elu}${peak.processes === 1 ? '' : ' each'}, ` +
      `but used ${usedWords}${cpus === null ? '' : ` of ${plural(cpus, 'CPU')}`}, ${Math.round((used / couldUse) * 100)} % of what ${peak.processes === 1 ? 'it was' : 'they were'} ready to run: ` +
      `most of the "busy" time a callback was waiting for a CPU. The work itself needed about ${usedWords}.`,
    figures: {
      peakUtilizationPerProcess: elu,
      eventLoopBusyAtPeak: round(peak.busy, 2),
      cpuUsedAtPeak: round(used, 2),
      ranShare: round(used / couldUse, 2),
      processes: peak.processes,
      hosts: hosts.length,
      hostCpus: cpus ?? 'unknown',
      peakMinute: new Date(peak.t).toISOString(),
    },
    page: 'instances',
    cause: 'Event-loop utilisation counts the time a running callback waits for a CPU as busy. These processes were given far less CPU than they were ready to use: other processes on the host took the CPUs, or a container CPU limit (cgroup quota) throttled them — or the loop sat in synchronous system calls (fs.*Sync, child_process.*Sync), busy without using CPU.',
    change: `Adding processes on these CPUs is not the fix: they would wait too, taking CPU from whatever else runs there. Find what used the host's CPUs at ${at} UTC (other services, batch jobs, a noisy neighbour) and whether the container was throttled (cpu.stat nr_throttled), and give the service CPU of its own or a higher CPU limit; if the host was idle, look for synchronous system calls on the loop. Capacity can be judged again once it has its CPU.`,
  });
}

export const capacityRule = (ctx: ServiceContext): Finding[] => {
  const t = ctx.thresholds;
  const serving = servingInstances(ctx.instances);
  const { peak, samples } = peakMinute(ctx, new Set(serving.map((i) => i.instanceId)));
  if (!peak || samples < t.minSamples || peak.processes === 0) return [];
  const hosts = hostsAtPeak(ctx, serving, peak);
  const over = oversubscribed(ctx, hosts, peak);
  const perProcess = peak.busy / peak.processes;
  // Thresholds are judged on the figure the finding shows (two decimals): a minute's mean of
  // 0.95 readings can sum to 0.9499…, which must not read "0.95" yet miss the 0.95 threshold.
  const elu = round(perProcess, 2);
  if (elu < t.capacityBusy) return over;

  // Stalls first: code that blocks the loop is the app's to fix, starved of CPU or not (the
  // stalls the process hardly ran through are not counted).
  const stalls = stallsAtPeak(ctx, peak);
  const busyMs = busyMsAtPeak(serving, peak);
  if (busyMs > 0 && stalls.ms >= STALL_SHARE * busyMs) return [...over, mostlyStalls(ctx, peak, elu, stalls, busyMs)];
  // What the busy loops could have run on at once (their ELU, at most each host's CPUs)
  // against the CPU they used, when every process reported it (cpu-ran.ts: the queue-wait rule judges by it too).
  const ran = cpuRan(hosts);
  if (waitedForCpu(ran)) return [...over, waitingForCpu(ctx, hosts, peak, elu, ran.used, ran.couldUse)];

  // The work done at the peak, in CPUs; the processes that can run at once (one per CPU).
  const busy = hosts.reduce((s, h) => s + h.busy, 0);
  const running = hosts.reduce((s, h) => s + (h.cpus === null ? h.processes : Math.min(h.cpus, h.processes)), 0);
  const needed = Math.max(running + 1, Math.ceil(round(busy, 2) / t.targetUtilization));
  const extra = needed - running;
  const known = hosts.every((h) => h.cpus !== null);
  const idleCpus = hosts.reduce((s, h) => s + Math.max(0, (h.cpus ?? 0) - h.processes), 0);
  const cpuTotal = hosts.reduce((s, h) => s + (h.cpus ?? 0), 0);
  const severity = elu >= t.capacityCritical ? 'critical' : 'warning';
  const hostWords = hosts.length === 1 ? `the host has ${plural(hosts[0]?.cpus ?? 0, 'CPU')}` : `the ${hosts.length} hosts have ${plural(cpuTotal, 'CPU')}`;
  const figures = {
    peakUtilizationPerProcess: elu,
    totalBusyAtPeak: round(busy, 2),
    eventLoopBusyAtPeak: round(peak.busy, 2),
    processes: peak.processes,
    processesNeeded: needed,
    targetUtilization: t.targetUtilization,
    hosts: hosts.length,
    hostCpus: known ? cpuTotal : 'unknown',
    idleCpus: known ? idleCpus : 'unknown',
    peakMinute: new Date(peak.t).toISOString(),
  };
  const capped = round(busy, 2) < round(peak.busy, 2);
  const summary = `At the busiest minute of ${windowWords(ctx.asked)} (${new Date(peak.t).toISOString().slice(11, 16)} UTC) ` +
    `the ${plural(peak.processes, 'process', 'processes')} ran code ${Math.round(perProcess * 100)} % of the time ` +
    (capped ? `(event-loop busy ${round(peak.busy, 2)}, but the CPU they used or had comes to ${round(busy, 2)}); ` : `(total busy ${round(busy, 2)}); `) +
    `at a target of ${t.targetUtilization} that load needs ${plural(needed, 'CPU')}, one process each.`;
  const cause = 'A Node process runs JavaScript on one thread (its event loop). Near full utilisation every new request waits in the process for the ones ahead of it, so latency climbs with load even while other CPUs are idle.';

  if (known && idleCpus >= extra) {
    return [...over, finding(ctx, {
      kind: 'capacity.more-processes',
      subject: 'service',
      severity,
      title: `Event-loop utilisation ${elu} on ${plural(peak.processes, 'process', 'processes')} while ${hostWords}: run more processes`,
      summary,
      figures,
      page: 'instances',
      cause,
      change: `Run ${peak.processes + extra} processes instead of ${peak.processes} (node:cluster or PM2 -i, about one per CPU): ${extra} more on hosts with idle CPUs (${plural(idleCpus, 'idle CPU')} now). Keep per-process memory in mind.`,
    })];
  }
  const perHost = Math.max(1, ...hosts.map((h) => h.cpus ?? h.processes));
  const fill = known ? idleCpus : 0;
  const newHosts = Math.ceil((extra - fill) / perHost);
  return [...over, finding(ctx, {
    kind: 'capacity.more-instances',
    subject: 'service',
    severity,
    title: `All ${plural(peak.processes, 'process', 'processes')} busy (event-loop utilisation ${elu}) and ${known ? (idleCpus > 0 ? `only ${plural(idleCpus, 'idle CPU')} left` : 'no idle CPUs left') : 'CPU count unknown'}: add instances`,
    summary,
    figures: { ...figures, instancesToAdd: newHosts },
    page: 'instances',
    cause,
    change: `${fill > 0 ? `Use the ${plural(fill, 'idle CPU')} (${fill} more processes) and ` : ''}add about ${plural(newHosts, 'instance')} of ${plural(perHost, 'CPU')}, one process per CPU (${needed} CPUs in all at ~${Math.round(t.targetUtilization * 100)} % busy). Or make the hot routes cheaper (see Transactions).`,
  })];
};
