// Memory per process: RSS, heap used/total/limit, external, array buffers — read once per
// metric export (process.memoryUsage is a syscall plus a heap walk; not for a hot path).
import type { Meter } from '@opentelemetry/api';
import { getHeapStatistics } from 'node:v8';

export function registerMemoryMetrics(meter: Meter): void {
  const rss = meter.createObservableGauge('process.memory.usage', { unit: 'By', description: 'Resident set size' });
  const heapUsed = meter.createObservableGauge('v8js.memory.heap.used', { unit: 'By', description: 'V8 heap used, whole heap' });
  const heapLimit = meter.createObservableGauge('v8js.memory.heap.limit', { unit: 'By', description: 'V8 heap size limit, whole heap' });
  const heapTotal = meter.createObservableGauge('headroom.process.memory.heap_total', { unit: 'By' });
  const external = meter.createObservableGauge('headroom.process.memory.external', { unit: 'By' });
  const arrayBuffers = meter.createObservableGauge('headroom.process.memory.array_buffers', { unit: 'By' });
  const limit = getHeapStatistics().heap_size_limit;
  meter.addBatchObservableCallback(
    (result) => {
      const usage = process.memoryUsage();
      result.observe(rss, usage.rss);
      result.observe(heapUsed, usage.heapUsed);
      result.observe(heapLimit, limit);
      result.observe(heapTotal, usage.heapTotal);
      result.observe(external, usage.external);
      result.observe(arrayBuffers, usage.arrayBuffers);
    },
    [rss, heapUsed, heapLimit, heapTotal, external, arrayBuffers],
  );
}
