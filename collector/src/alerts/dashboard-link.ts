// The dashboard view that shows a rule's series: the notification's generatorURL and the
// Alerts page's links. Paths follow the dashboard's routes (dashboard/src/state/view-state.ts).
import type { AlertRule } from '../api-types';
import { readsMatchedRoutes } from './series-reader';

function pageOf(series: AlertRule['series']): string {
  switch (series) {
    case 'eventloop.delay.p99':
    case 'eventloop.utilization':
    case 'stall.count':
      return '/event-loop';
    case 'heap.used_ratio':
    case 'memory.rss':
    case 'inflight':
    case 'restart.count':
    case 'crash.count':
      return '/instances';
    default:
      return '';
  }
}

/** Path and query, e.g. `/services/shop?range=1h&route=GET+%2Fcheckout`. */
export function seriesLink(rule: Pick<AlertRule, 'series' | 'service' | 'route'>, range?: { from: number; to: number }): string {
  const params = new URLSearchParams();
  if (range) {
    params.set('from', String(range.from));
    params.set('to', String(range.to));
  } else params.set('range', '1h');
  // The service page and the event-loop page (a route's stalls) take ?route=; the process pages have none.
  if (rule.route !== null && (pageOf(rule.series) === '' || rule.series === 'stall.count')) params.set('route', rule.route);
  // A latency, Apdex or error-rate rule over the service counts the requests that matched a route: its page shows those.
  if (readsMatchedRoutes(rule)) params.set('routes', 'matched');
  return `/services/${encodeURIComponent(rule.service)}${pageOf(rule.series)}?${params.toString()}`;
}

export function absoluteLink(externalUrl: string, path: string): string {
  return `${externalUrl.replace(/\/+$/, '')}${path}`;
}
