// Instances in words: "primary · pid 8674", "worker 2 · pid 8675" rather than a UUID, from
// what the process's resource and start settings say (text from the app, shown as text), and
// whether a process is gone (silent at the end of the range).

import type { InstanceView, JsonValue } from '@headroom/collector/api-types';
import { shortInstance } from '../charts/instance-charts';

/** Agents export metrics every few seconds: two silent minutes at the end of a range means gone. */
export const GONE_AFTER_MS = 120_000;

function text(v: JsonValue | undefined): string | null {
  return typeof v === 'string' || typeof v === 'number' ? String(v).slice(0, 40) : null;
}

export function instanceLabel(i: InstanceView): string {
  // The start event's cluster_role is right for a primary; the resource's is read before fork.
  const role = text(i.settings.cluster_role) ?? text(i.resource['headroom.cluster.role']);
  const worker = text(i.resource['headroom.cluster.worker_id']);
  const parts = [
    worker !== null ? `worker ${worker}` : role !== null && role !== 'standalone' && role !== 'worker' ? role : null,
    i.pid !== null ? `pid ${i.pid}` : null,
  ].filter((p): p is string => p !== null);
  return parts.length > 0 ? parts.join(' · ') : shortInstance(i.instanceId);
}

/** Instance id → label; labels that would repeat (a pid reused on another host) keep the id too. */
export function instanceNames(instances: InstanceView[]): Map<string, string> {
  const labels = instances.map((i) => [i.instanceId, instanceLabel(i)] as const);
  const counts = new Map<string, number>();
  for (const [, label] of labels) counts.set(label, (counts.get(label) ?? 0) + 1);
  return new Map(labels.map(([id, label]) => [id, (counts.get(label) ?? 0) > 1 ? `${label} (${shortInstance(id)})` : label]));
}

export function isGone(i: InstanceView, rangeTo: number): boolean {
  return i.lastSeen < rangeTo - GONE_AFTER_MS;
}
