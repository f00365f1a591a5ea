// Events (stalls, starts, restarts, crashes, cluster workers' exits) → chart markers with a
// plain-text label, and where the marker's entry in the list under a chart leads.

import type { AlertRule, AlertTransition, EventView } from '@headroom/collector/api-types';
import type { Marker, MarkerKind, MarkerLink } from '../charts/chart-spec';
import { formatMs } from '../format/units';
import { hardlyRan, stallCpuMs } from '../../../collector/src/store/stall-cpu';
import { HARDLY_RAN_TEXT, stallOwner } from './stall-waits';

function kindOf(event: EventView): MarkerKind {
  switch (event.type) {
    case 'stall': return 'stall';
    case 'restart': return 'restart';
    case 'start': return 'start';
    case 'uncaught_exception':
    case 'unhandled_rejection': return 'error';
    // A worker the primary stopped is part of a restart; one that died is an error.
    case 'worker_exit': return event.attributes['headroom.worker.intended'] === true ? 'restart' : 'error';
    // A process's own stop: part of a restart, unless an exception ended it.
    case 'stop': return event.attributes['headroom.stop.reason'] === 'uncaught_exception' ? 'error' : 'restart';
  }
}

/** A process as the pages name it ("worker 2 · pid 8675"), else its id. */
export type ProcessNames = ReadonlyMap<string, string>;
const NO_NAMES: ProcessNames = new Map();

export function eventLabel(event: EventView, names: ProcessNames = NO_NAMES): string {
  const where = event.route !== null ? ` in ${event.route}` : '';
  // The instance id is a UUID for most agents: the list under a chart read 'process started (4c4ffac7-1132-…)' (QA).
  const process = names.get(event.instanceId) ?? event.instanceId;
  switch (event.type) {
    // A GC pause or the agent's own work is no route's: it says whose it was. One the process
    // hardly ran through says so, as the Event loop page does: after a deploy on a busy host, a
    // bare "blocked 566 ms" read as the new version's code blocking the loop.
    case 'stall': {
      const owner = stallOwner(event);
      const starved = hardlyRan(event.durationMs, stallCpuMs(event.attributes)) ? `, ${HARDLY_RAN_TEXT}` : '';
      return `event loop blocked ${formatMs(event.durationMs)}${owner !== null ? ` by ${owner}` : where}${starved}`;
    }
    case 'start': return `process started (${process})`;
    case 'restart': return `process restarted (${process})`;
    case 'uncaught_exception': return `uncaught exception${where}${event.message ? `: ${event.message}` : ''}`;
    case 'unhandled_rejection': return `unhandled rejection${where}${event.message ? `: ${event.message}` : ''}`;
    case 'worker_exit': return event.message ?? 'cluster worker exited';
    case 'stop': return event.message ?? `process stopped (${process})`;
  }
}

/** What a listed marker opens: a stall's or crash's trace, else the page about its kind. */
function linkOf(event: EventView, kind: MarkerKind): MarkerLink | undefined {
  if ((kind === 'stall' || kind === 'error') && event.traceId !== null) return { page: 'trace', traceId: event.traceId };
  if (kind === 'stall') return { page: 'event-loop', route: event.route };
  if (kind === 'restart' || kind === 'start') return { page: 'instances' };
  return undefined;
}

/** Markers for the events inside [from, to], oldest first; processes named by `names`. */
export function eventsToMarkers(events: EventView[], from: number, to: number, names: ProcessNames = NO_NAMES): Marker[] {
  return events
    .filter((e) => e.timeMs >= from && e.timeMs <= to)
    .sort((a, b) => a.timeMs - b.timeMs)
    .map((e) => {
      const kind = kindOf(e);
      const link = linkOf(e, kind);
      return { timeMs: e.timeMs, kind, label: eventLabel(e, names), ...(link && { link }) };
    });
}

/** Alert rules going firing or resolved inside [from, to], as markers ("alert firing: <rule> — why"). */
/**
 * The transitions that belong on a view of one route: the rules of that route, and of the whole
 * service or one process (they are about every route); another route's alert is not this one's
 * (a rule the list no longer has cannot say whose it was: left out). `route` null: all of them.
 */
export function alertsOfRoute(transitions: AlertTransition[], rules: Pick<AlertRule, 'id' | 'route'>[], route: string | null): AlertTransition[] {
  if (route === null) return transitions;
  const routeOf = new Map(rules.map((r) => [r.id, r.route]));
  return transitions.filter((t) => {
    const ruleRoute = routeOf.get(t.ruleId);
    return ruleRoute === null || ruleRoute === route;
  });
}

/** `names`: rule id → its name (a rule since deleted keeps its id). */
export function alertsToMarkers(transitions: AlertTransition[], from: number, to: number, names: ReadonlyMap<string, string> = NO_NAMES): Marker[] {
  return transitions
    .filter((t) => (t.to === 'firing' || t.to === 'resolved') && t.at >= from && t.at <= to)
    .sort((a, b) => a.at - b.at)
    .map((t) => ({ timeMs: t.at, kind: t.to === 'firing' ? 'alert-firing' as const : 'alert-resolved' as const, label: `alert ${t.to}: ${names.get(t.ruleId) ?? t.ruleId} — ${t.reason}`, link: { page: 'alerts' as const } }));
}
