// The bounded in-memory queue in front of the single writer. Capacity counts items (spans,
// points, events), not batches, so memory stays bounded whatever the batch sizes are.
import type { IngestBatch } from '../model';

export function batchItems(batch: IngestBatch): number {
  return (
    batch.instances.length +
    batch.spans.length +
    batch.requests.length +
    batch.routeSums.length +
    batch.gauges.length +
    batch.events.length
  );
}

export class WriteQueue {
  private batches: { batch: IngestBatch; items: number }[] = [];
  private head = 0;
  private depth = 0;

  constructor(readonly capacity: number) {}

  get items(): number {
    return this.depth;
  }

  get isEmpty(): boolean {
    return this.depth === 0 && this.head >= this.batches.length;
  }

  /**
   * Adds the whole batch or nothing. A batch larger than the capacity is still taken when
   * the queue is empty: refusing it would make its sender retry it forever.
   */
  offer(batch: IngestBatch): boolean {
    const items = batchItems(batch);
    if (this.depth > 0 && this.depth + items > this.capacity) return false;
    if (this.depth === 0 && this.head < this.batches.length) this.compact();
    this.batches.push({ batch, items });
    this.depth += items;
    return true;
  }

  /** Takes batches from the front until at least `maxItems` items (or the queue is empty). */
  take(maxItems: number): IngestBatch[] {
    const out: IngestBatch[] = [];
    let taken = 0;
    while (this.head < this.batches.length && (taken === 0 || taken < maxItems)) {
      const entry = this.batches[this.head] as { batch: IngestBatch; items: number };
      this.batches[this.head] = undefined as never;
      this.head++;
      out.push(entry.batch);
      taken += entry.items;
      this.depth -= entry.items;
    }
    if (this.head > 1024 && this.head * 2 > this.batches.length) this.compact();
    return out;
  }

  private compact(): void {
    this.batches = this.batches.slice(this.head);
    this.head = 0;
  }
}
