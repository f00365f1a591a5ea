// The settings each process reported at start, and which processes reported the same ones: the
// workers of a cluster report identical settings, and twelve cards each open on the same 26
// lines buried the one process that differed (QA s14).

import type { InstanceView, JsonValue } from '@headroom/collector/api-types';

/** Its settings by name. */
export function sortedSettings(i: InstanceView): [string, JsonValue][] {
  return Object.entries(i.settings).sort(([a], [b]) => a.localeCompare(b));
}

/**
 * For each process whose settings (at least one) are the same as those of a process before it in
 * `ordered`, that first process's id.
 */
export function sameSettingsAs(ordered: readonly InstanceView[]): Map<string, string> {
  const firstWith = new Map<string, string>();
  const same = new Map<string, string>();
  for (const i of ordered) {
    const settings = sortedSettings(i);
    if (settings.length === 0) continue;
    const key = JSON.stringify(settings);
    const first = firstWith.get(key);
    if (first === undefined) firstWith.set(key, i.instanceId);
    else same.set(i.instanceId, first);
  }
  return same;
}
