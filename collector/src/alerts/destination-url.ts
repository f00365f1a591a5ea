// A destination's URL as the API and the logs show it. A Slack incoming-webhook URL is itself
// the secret (hooks.slack.com/services/T…/B…/<secret>: whoever has it can post to the channel),
// as are many generic webhooks' paths (Discord, Teams, PagerDuty-style keys:
// secret-path-segments.ts), and a query string often carries a token, so they are shown
// masked; the full URL stays in the store, and a PUT that sends the masked form back keeps it
// (as the write-only `secret` does).
// URLs with credentials (user:password@) are refused on the way in (rule-schema.ts).
import type { AlertDestinationType } from '../api-types';
import { errors, headroomError } from '../errors';
import { maskPathSecrets } from './secret-path-segments';

export const MASK = '***';

/**
 * The URL with its secret parts replaced by MASK: a Slack URL's last path segment, path
 * segments that are tokens (or a known provider's secret), every query value, a fragment.
 * The host and the path's shape stay readable.
 */
export function maskedUrl(url: string, type: AlertDestinationType): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return MASK; // never stored (parseDestination checks it); nothing of it is shown
  }
  const path = maskPathSecrets(u.hostname, u.pathname, type === 'slack', MASK);
  const query = u.search === '' ? '' : `?${u.search.slice(1).split('&').map((pair) => {
    const eq = pair.indexOf('=');
    return eq < 0 ? (pair === '' ? '' : MASK) : `${pair.slice(0, eq)}=${MASK}`;
  }).join('&')}`;
  return `${u.origin}${path}${query}${u.hash === '' ? '' : `#${MASK}`}`;
}

/**
 * The URL a PUT means: the stored one when it sends back the masked form (or none), else its
 * own. A new URL still holding the mask would post to a literal "***": refused.
 */
export function urlToStore(sent: unknown, existing: { url: string; type: AlertDestinationType }, type: unknown): unknown {
  if (sent === undefined) return existing.url;
  if (typeof sent !== 'string') return sent;
  if (sent === maskedUrl(existing.url, existing.type) && (type === undefined || type === existing.type)) return existing.url;
  if (sent.includes(MASK)) {
    throw headroomError(errors.alertBadDestination, `url still holds the masked part "${MASK}" of the URL the API showed; send the full URL, or the masked one unchanged to keep the stored URL`);
  }
  return sent;
}
