// Which notification a destination should get about a rule now, from what it was last told.
// This is the grouping that keeps a flapping rule from flooding a channel: a destination hears
// about a rule at most once per group interval (the first firing goes out at once), and a
// firing → resolved → firing flap inside the interval sends nothing, because by the time the
// interval is over the destination already knows what is true. A firing after a resolve the
// destination was told is a new incident, and goes out at once as the first did (Alertmanager
// starts a new group then too): held for the interval, an incident that began and ended inside
// it was never told at all. It is also what makes a
// restart safe: "already told firing" is stored, so no duplicate; "told firing, now resolved"
// sends the resolve even when it happened while the collector was down.
import type { AlertStateName } from '../../api-types';
import type { NotifiedStatus, SentStatus } from '../alert-store';

export function plannedStatus(
  state: AlertStateName,
  notified: { status: NotifiedStatus; at: number } | null,
  now: number,
  groupIntervalMs: number,
): SentStatus | null {
  // A destination whose firing failed holds nothing: it gets the firing again (a group interval
  // after the failure) while the rule fires, and no resolve, which would pair with nothing.
  const wanted: SentStatus | null = state === 'firing' ? 'firing' : notified?.status === 'firing' ? 'resolved' : null;
  if (wanted === null || wanted === notified?.status) return null;
  const newIncident = wanted === 'firing' && notified?.status === 'resolved';
  if (notified !== null && !newIncident && now - notified.at < groupIntervalMs) return null;
  return wanted;
}
