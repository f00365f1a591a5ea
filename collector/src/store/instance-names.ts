// Processes in words: "primary · pid 8674", "worker 2 · pid 8675" rather than a UUID, from
// what the process's resource and start settings say (text from the app: shown as text). One
// rule for the advisor's findings, the alerts' notifications and the dashboard's pages (which
// imports this dependency-free file), so a finding names a process as the pages do.
import type { InstanceView, JsonValue } from '../api-types';

/** A long instance id shortened to its start and end. */
export function shortInstance(id: string): string {
  return id.length <= 24 ? id : `${id.slice(0, 10)}…${id.slice(-8)}`;
}

function labelText(v: JsonValue | undefined): string | null {
  return typeof v === 'string' || typeof v === 'number' ? String(v).slice(0, 40) : null;
}

export function instanceLabel(i: InstanceView): string {
  // The start event's cluster_role is right for a primary; the resource's is read before fork.
  const role = labelText(i.settings['cluster_role']) ?? labelText(i.resource['headroom.cluster.role']);
  const worker = labelText(i.resource['headroom.cluster.worker_id']);
  const parts = [
    worker !== null ? `worker ${worker}` : role !== null && role !== 'standalone' && role !== 'worker' ? role : null,
    i.pid !== null ? `pid ${i.pid}` : null,
  ].filter((p): p is string => p !== null);
  return parts.length > 0 ? parts.join(' · ') : shortInstance(i.instanceId);
}

/** Instance id → label; labels that would repeat (a pid reused on another host) keep the short id too. */
export function instanceNames(instances: InstanceView[]): Map<string, string> {
  const labels = instances.map((i) => [i.instanceId, instanceLabel(i)] as const);
  const counts = new Map<string, number>();
  for (const [, label] of labels) counts.set(label, (counts.get(label) ?? 0) + 1);
  return new Map(labels.map(([id, label]) => [id, (counts.get(label) ?? 0) > 1 ? `${label} (${shortInstance(id)})` : label]));
}
