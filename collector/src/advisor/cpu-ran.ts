// How much of a minute's event-loop "busy" was work. ELU counts the time a running callback
// waited for a CPU as busy: four processes on two CPUs all read about 1, and a process the host
// gave a quarter of a CPU reads 0.9 (QA s14). The CPU each process used (process.cpu.utilization,
// a share of its host's CPUs) says how much ran. One judgement for every rule that asks whether
// busy loops were short of processes or of a CPU — capacity at its peak minute, queue wait in the
// minutes its processes were busy — so no two findings say the opposite of one minute.
import type { InstanceView } from '../api-types';
import { byHost, cpuCount, gauge, type ServiceContext } from './context';

/** Below this share of the CPU they could have used, busy processes were waiting for a CPU more than running. */
export const RAN_SHARE = 0.5;

/** One host's serving processes in one minute. */
export interface HostMinute {
  host: string;
  processes: number;
  cpus: number | null;
  /** Σ ELU of its processes. */
  elu: number;
  /** Σ min(ELU, CPU used) of its processes, at most its CPUs: the work it did. */
  busy: number;
  /** Σ CPU used, when every process reported it. */
  cpuUsed: number | null;
}

/** Each process's mean CPU per minute, in CPUs of its host (the gauge is a share of them), read once. */
export interface CpuReadings {
  /** Each serving process's host's CPUs (the first of its host's processes that reported them). */
  hostCpus: Map<string, number | null>;
  /** The processes' CPU used in the minute starting at `t`. */
  at(t: number): Map<string, number>;
}

export function cpuReadings(ctx: ServiceContext, serving: InstanceView[]): CpuReadings {
  const hostCpus = new Map<string, number | null>();
  for (const list of byHost(serving).values()) {
    const cpus = list.map(cpuCount).find((c) => c !== null) ?? null;
    for (const i of list) hostCpus.set(i.instanceId, cpus);
  }
  const byMinute = new Map<number, Map<string, number>>();
  for (const s of gauge(ctx, 'cpu.utilization')) {
    const cpus = hostCpus.get(s.instanceId);
    if (cpus === undefined || cpus === null) continue;
    for (const b of s.buckets) {
      if (b.count === 0) continue;
      const m = byMinute.get(b.t) ?? new Map<string, number>();
      m.set(s.instanceId, Math.max(0, b.sum / b.count) * cpus);
      byMinute.set(b.t, m);
    }
  }
  return { hostCpus, at: (t) => byMinute.get(t) ?? new Map() };
}

/** The hosts of the processes that read a utilisation in the minute (`elu`: each one's mean). */
export function hostsInMinute(serving: InstanceView[], elu: Map<string, number>, cpu: Map<string, number>, hostCpus: Map<string, number | null>): HostMinute[] {
  const present = serving.filter((i) => elu.has(i.instanceId));
  return [...byHost(present).entries()].map(([host, list]) => {
    const cpus = hostCpus.get(list[0]?.instanceId ?? '') ?? null;
    let sumElu = 0;
    let busy = 0;
    let used = 0;
    let allCpu = true;
    for (const i of list) {
      const e = elu.get(i.instanceId) ?? 0;
      const c = cpu.get(i.instanceId);
      sumElu += e;
      busy += c === undefined ? e : Math.min(e, c);
      if (c === undefined) allCpu = false;
      else used += c;
    }
    return { host, processes: list.length, cpus, elu: sumElu, busy: cpus === null ? busy : Math.min(cpus, busy), cpuUsed: allCpu ? used : null };
  });
}

/**
 * The CPU the minute's processes used against what they were ready to run at once (their ELU,
 * at most each host's CPUs); null unless every process reported its CPU (no judgement then).
 */
export function cpuRan(hosts: HostMinute[]): { used: number; couldUse: number } | null {
  if (!hosts.every((h) => h.cpuUsed !== null)) return null;
  const used = hosts.reduce((s, h) => s + (h.cpuUsed ?? 0), 0);
  const couldUse = hosts.reduce((s, h) => s + (h.cpus === null ? h.elu : Math.min(h.elu, h.cpus)), 0);
  return { used, couldUse };
}

/** Busy loops that ran under RAN_SHARE of what they were ready to: they were waiting for a CPU. */
export function waitedForCpu(ran: { used: number; couldUse: number } | null): ran is { used: number; couldUse: number } {
  return ran !== null && ran.couldUse > 0 && ran.used < RAN_SHARE * ran.couldUse;
}
