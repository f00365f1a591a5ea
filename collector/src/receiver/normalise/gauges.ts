// Per-instance gauge values of one request, combined across attribute sets (see Combine).
import type { IngestBatch } from '../../model';
import type { Combine } from './metric-names';

interface Slot {
  service: string;
  instanceId: string;
  metric: string;
  timeNs: bigint;
  combine: Combine;
  whole: number | null;
  parts: number;
  seen: boolean;
}

export class GaugeCollector {
  private readonly slots = new Map<string, Slot>();

  /** `part` is true for a point that is one piece of the whole (a heap space). */
  add(service: string, instanceId: string, metric: string, timeNs: bigint, combine: Combine, value: number, part: boolean): void {
    const key = `${service}\u0000${instanceId}\u0000${metric}\u0000${timeNs}`;
    let slot = this.slots.get(key);
    if (!slot) {
      slot = { service, instanceId, metric, timeNs, combine, whole: null, parts: 0, seen: false };
      this.slots.set(key, slot);
    }
    if (combine === 'max') {
      slot.parts = slot.seen ? Math.max(slot.parts, value) : value;
    } else if (combine === 'heap' && !part) {
      slot.whole = value;
    } else {
      slot.parts += value;
    }
    slot.seen = true;
  }

  flush(batch: IngestBatch): void {
    for (const s of this.slots.values()) {
      const v = s.whole ?? s.parts;
      batch.gauges.push({ service: s.service, instanceId: s.instanceId, metric: s.metric, timeNs: s.timeNs, count: 1, sum: v, min: v, max: v, last: v });
    }
    this.slots.clear();
  }
}
