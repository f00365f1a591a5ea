// Capacity: requests in flight (time-weighted mean and peak per export interval) and
// event-loop utilisation — the share of time the process ran code, Node's "instance busy",
// from which "how many more processes or instances" is read. The host's CPU count and the
// cluster role travel as resource attributes; the collector counts a service's processes
// per host from the instances it sees.
import type { Meter } from '@opentelemetry/api';
import { performance, type EventLoopUtilization } from 'node:perf_hooks';
import { cpuCount } from './lifecycle';

/** Integrates the in-flight count over time; pure apart from the clock the caller passes. */
export class InFlightTracker {
  private current = 0;
  private peak = 0;
  private area = 0;
  private lastChange: number;
  private intervalStart: number;

  constructor(now: number) {
    this.lastChange = now;
    this.intervalStart = now;
  }

  get inFlight(): number {
    return this.current;
  }

  change(delta: 1 | -1, now: number): void {
    this.area += this.current * (now - this.lastChange);
    this.lastChange = now;
    this.current = Math.max(0, this.current + delta);
    if (this.current > this.peak) this.peak = this.current;
  }

  /** Mean and peak since the previous call; starts the next interval. */
  take(now: number): { mean: number; max: number } {
    const area = this.area + this.current * (now - this.lastChange);
    const span = now - this.intervalStart;
    const result = { mean: span > 0 ? area / span : this.current, max: this.peak };
    this.area = 0;
    this.lastChange = now;
    this.intervalStart = now;
    this.peak = this.current;
    return result;
  }
}

export function registerCapacityMetrics(meter: Meter, inFlight: InFlightTracker): void {
  // OTel names `http.server.active_requests` an UpDownCounter; Headroom exports the interval's
  // time-weighted mean as a gauge instead, which is what capacity planning needs (a value
  // sampled at export time says little about a bursty interval).
  const active = meter.createObservableGauge('http.server.active_requests', { unit: '{request}', description: 'Requests in flight, time-weighted mean over the interval' });
  const activeMax = meter.createObservableGauge('headroom.http.server.active_requests.max', { unit: '{request}', description: 'Requests in flight, peak over the interval' });
  const utilization = meter.createObservableGauge('nodejs.eventloop.utilization', { unit: '1', description: 'Share of time the event loop ran code' });
  // OTel semconv: CPU time over elapsed time × available CPUs (all threads: GC, pool, agent).
  const cpu = meter.createObservableGauge('process.cpu.utilization', { unit: '1', description: 'Process CPU time over elapsed time and CPUs' });
  const cpus = Math.max(1, cpuCount());
  let previous: EventLoopUtilization = performance.eventLoopUtilization();
  let cpuBefore = process.cpuUsage();
  let cpuAt = performance.now();
  meter.addBatchObservableCallback(
    (result) => {
      const taken = inFlight.take(performance.now());
      result.observe(active, taken.mean);
      result.observe(activeMax, taken.max);
      const now = performance.eventLoopUtilization();
      result.observe(utilization, performance.eventLoopUtilization(now, previous).utilization);
      previous = now;
      const used = process.cpuUsage(cpuBefore);
      const at = performance.now();
      if (at > cpuAt) result.observe(cpu, (used.user + used.system) / 1e3 / (at - cpuAt) / cpus);
      cpuBefore = process.cpuUsage();
      cpuAt = at;
    },
    [active, activeMax, utilization, cpu],
  );
}
