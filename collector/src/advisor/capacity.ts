// Capacity, as New Relic's capacity analysis defined it: "instance busy" is the share of time
// a process spends running code — for Node, event-loop utilisation (ELU). One event loop is
// one thread of JavaScript (Node's GIL): a process at ELU ≈ 1 queues every further request
// inside itself, whatever the host's other CPUs are doing. Summed over processes at the peak
// minute, ELU says how many processes the load needs:
//   needed = ceil(Σ busy at peak / target utilisation)
// Compared with the CPUs of each host and the processes already on it (instances sharing
// host.name), the change is either "run more processes" (idle CPUs) or "add instances".
import type { Finding } from '../api-types';
import { byHost, cpuCount, finding, gauge, plural, round, servingInstances, windowWords, type ServiceContext } from './context';

interface Peak {
  t: number;
  busy: number;
  processes: number;
  samples: number;
  ids: string[];
}

/** The minute with the most total busy, over the serving instances. */
function peakMinute(ctx: ServiceContext, serving: Set<string>): { peak: Peak | null; samples: number } {
  const minutes = new Map<number, Peak>();
  let samples = 0;
  for (const s of gauge(ctx, 'eventloop.utilization')) {
    if (!serving.has(s.instanceId)) continue;
    for (const b of s.buckets) {
      samples += b.count;
      const m = minutes.get(b.t) ?? { t: b.t, busy: 0, processes: 0, samples: 0, ids: [] };
      m.busy += Math.min(1, Math.max(0, b.sum / b.count));
      m.processes++;
      m.samples += b.count;
      m.ids.push(s.instanceId);
      minutes.set(b.t, m);
    }
  }
  let peak: Peak | null = null;
  for (const m of minutes.values()) if (!peak || m.busy > peak.busy) peak = m;
  return { peak, samples };
}

export const capacityRule = (ctx: ServiceContext): Finding[] => {
  const t = ctx.thresholds;
  const serving = servingInstances(ctx.instances);
  const { peak, samples } = peakMinute(ctx, new Set(serving.map((i) => i.instanceId)));
  if (!peak || samples < t.minSamples || peak.processes === 0) return [];
  const perProcess = peak.busy / peak.processes;
  // Thresholds are judged on the figure the finding shows (two decimals): a minute's mean of
  // 0.95 readings can sum to 0.9499…, which must not read "0.95" yet miss the 0.95 threshold.
  const elu = round(perProcess, 2);
  if (elu < t.capacityBusy) return [];

  const needed = Math.max(peak.processes + 1, Math.ceil(peak.busy / t.targetUtilization));
  const extra = needed - peak.processes;
  // Hosts and their CPUs, from the processes that ran at the peak minute.
  const atPeak = new Set(peak.ids);
  const hosts = [...byHost(serving.filter((i) => atPeak.has(i.instanceId))).entries()].map(([host, list]) => {
    const cpus = list.map(cpuCount).find((c) => c !== null) ?? null;
    return { host, processes: list.length, cpus };
  });
  const known = hosts.every((h) => h.cpus !== null);
  const idleCpus = hosts.reduce((s, h) => s + Math.max(0, (h.cpus ?? 0) - h.processes), 0);
  const cpuTotal = hosts.reduce((s, h) => s + (h.cpus ?? 0), 0);
  const severity = elu >= t.capacityCritical ? 'critical' : 'warning';
  const hostWords = hosts.length === 1 ? `the host has ${plural(hosts[0]?.cpus ?? 0, 'CPU')}` : `the ${hosts.length} hosts have ${plural(cpuTotal, 'CPU')}`;
  const figures = {
    peakUtilizationPerProcess: elu,
    totalBusyAtPeak: round(peak.busy, 2),
    processes: peak.processes,
    processesNeeded: needed,
    targetUtilization: t.targetUtilization,
    hosts: hosts.length,
    hostCpus: known ? cpuTotal : 'unknown',
    idleCpus: known ? idleCpus : 'unknown',
    peakMinute: new Date(peak.t).toISOString(),
  };
  const summary = `At the busiest minute of ${windowWords(ctx.asked)} (${new Date(peak.t).toISOString().slice(11, 16)} UTC) ` +
    `the ${plural(peak.processes, 'process', 'processes')} ran code ${Math.round(perProcess * 100)} % of the time ` +
    `(total busy ${round(peak.busy, 2)}); at a target of ${t.targetUtilization} that load needs ${needed}.`;
  const cause = 'A Node process runs JavaScript on one thread (its event loop). Near full utilisation every new request waits in the process for the ones ahead of it, so latency climbs with load even while other CPUs are idle.';

  if (known && idleCpus >= extra) {
    return [finding(ctx, {
      kind: 'capacity.more-processes',
      subject: 'service',
      severity,
      title: `Event-loop utilisation ${elu} on ${plural(peak.processes, 'process', 'processes')} while ${hostWords}: run more processes`,
      summary,
      figures,
      page: 'instances',
      cause,
      change: `Run ${needed} processes instead of ${peak.processes} (node:cluster or PM2 -i, about one per CPU): ${extra} more on hosts with idle CPUs (${plural(idleCpus, 'idle CPU')} now). Keep per-process memory in mind.`,
    })];
  }
  const perHost = Math.max(1, ...hosts.map((h) => h.cpus ?? h.processes));
  const fill = known ? idleCpus : 0;
  const newHosts = Math.ceil((extra - fill) / perHost);
  return [finding(ctx, {
    kind: 'capacity.more-instances',
    subject: 'service',
    severity,
    title: `All ${plural(peak.processes, 'process', 'processes')} busy (event-loop utilisation ${elu}) and ${known ? (idleCpus > 0 ? `only ${plural(idleCpus, 'idle CPU')} left` : 'no idle CPUs left') : 'CPU count unknown'}: add instances`,
    summary,
    figures: { ...figures, instancesToAdd: newHosts },
    page: 'instances',
    cause,
    change: `${fill > 0 ? `Use the ${plural(fill, 'idle CPU')} (${fill} more processes) and ` : ''}add about ${plural(newHosts, 'instance')} of ${plural(perHost, 'CPU')} (${needed} processes in all at ~${Math.round(t.targetUtilization * 100)} % busy). Or make the hot routes cheaper (see Transactions).`,
  })];
};
