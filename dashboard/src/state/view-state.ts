// The URL is the view: page, service, trace, time range and filters all live in it, so a
// link (or a webhook's deep link) reopens exactly what was on screen. History routes:
//   /                                  services overview
//   /services/:service                 service charts
//   /services/:service/transactions    (?route= opens one route's charts and slow traces)
//   /services/:service/traces          (?route, minDurationMs, error, all, sort, errorKind)
//   /services/:service/traces/:traceId waterfall, with the filters of the list it was opened
//                                      from (also /traces/:traceId, without a service)
//   /services/:service/errors
//   /services/:service/event-loop
//   /services/:service/instances
//   /services/:service/deployments
//   /services/:service/advisor
// plus ?range=15m|1h|6h|24h|7d or ?from&to (epoch ms) on every page. Any other path is the
// not-found view (the collector answers every path with the app, so the app must say it).

import { isPreset, LIVE_RANGE, PRESETS, type TimeRangeSpec } from './time-range';

export type PageName = 'overview' | 'service' | 'transactions' | 'traces' | 'trace' | 'errors' | 'event-loop' | 'instances' | 'deployments' | 'advisor' | 'alerts' | 'not-found';

export type TraceOrder = 'start' | 'duration';

export interface TraceFilters {
  minDurationMs: number | null;
  errorsOnly: boolean;
  /** Every trace, not only the slow and failed ones (`?all=1`). */
  all: boolean;
  /** Newest first (`start`, the default) or slowest first (`?sort=duration`). */
  sort: TraceOrder;
  /** Only the failed traces of one kind, an Errors page group's (`?errorKind=`). */
  errorKind?: string;
}

export interface ViewState {
  page: PageName;
  service: string | null;
  traceId: string | null;
  /** Route filter (transactions, traces, service charts). */
  route: string | null;
  /**
   * The service charts over the requests that matched a route only (`?routes=matched`, a latency
   * alert rule's link: what the rule counts), the unrouted ones (404s) left out.
   */
  matchedRoutes: boolean;
  range: TimeRangeSpec;
  /**
   * Why the address's range was not used (an unknown name, a broken from/to): the view shows
   * live instead, and says so above the page until another range is chosen. Not in the URL.
   */
  rangeNotice: string | null;
  traceFilters: TraceFilters;
}

const SERVICE_PAGES: Record<string, PageName> = {
  '': 'service',
  transactions: 'transactions',
  traces: 'traces',
  errors: 'errors',
  'event-loop': 'event-loop',
  instances: 'instances',
  deployments: 'deployments',
  advisor: 'advisor',
};

export function defaultView(): ViewState {
  return {
    page: 'overview',
    service: null,
    traceId: null,
    route: null,
    matchedRoutes: false,
    range: LIVE_RANGE,
    rangeNotice: null,
    traceFilters: { minDurationMs: null, errorsOnly: false, all: false, sort: 'start' },
  };
}

function decodeSegment(segment: string): string | null {
  try {
    return decodeURIComponent(segment);
  } catch {
    return null;
  }
}

/** A value from the address, quoted and cut short, for a notice (shown as text). */
function quoted(value: string): string {
  return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
}

/** The range the address asks for, or live with a notice saying why not (an unusable one is never used silently). */
function parseRange(params: URLSearchParams): { range: TimeRangeSpec; notice: string | null } {
  const preset = params.get('range');
  const live = 'showing Live 15m instead; pick a range above';
  if (preset !== null) {
    if (isPreset(preset)) return { range: { kind: 'preset', preset }, notice: null };
    return { range: LIVE_RANGE, notice: `The address asks for range ${quoted(preset)}, which is not one of ${PRESETS.join(', ')}: ${live}.` };
  }
  if (!params.has('from') && !params.has('to')) return { range: LIVE_RANGE, notice: null };
  const rawFrom = params.get('from') ?? '';
  const rawTo = params.get('to') ?? '';
  const from = Number(rawFrom);
  const to = Number(rawTo);
  if (rawFrom !== '' && rawTo !== '' && Number.isFinite(from) && Number.isFinite(to) && to > from) {
    return { range: { kind: 'custom', from, to }, notice: null };
  }
  return {
    range: LIVE_RANGE,
    notice: `The address's range (from ${quoted(rawFrom)} to ${quoted(rawTo)}) is not a time range: it needs both from and to, in epoch milliseconds, to after from; ${live}.`,
  };
}

/** Reads a view from a path and query string; a path that names no page is the not-found view. */
export function parseView(pathname: string, search: string): ViewState {
  const params = new URLSearchParams(search);
  const view = defaultView();
  const range = parseRange(params);
  view.range = range.range;
  view.rangeNotice = range.notice;
  view.route = params.get('route');
  view.matchedRoutes = params.get('routes') === 'matched';
  const min = Number(params.get('minDurationMs'));
  view.traceFilters = {
    minDurationMs: params.has('minDurationMs') && Number.isFinite(min) && min >= 0 ? min : null,
    errorsOnly: params.get('error') === '1',
    all: params.get('all') === '1',
    sort: params.get('sort') === 'duration' ? 'duration' : 'start',
  };
  const errorKind = params.get('errorKind');
  if (errorKind !== null && errorKind !== '') view.traceFilters.errorKind = errorKind;

  const parts = pathname.split('/').filter((p) => p.length > 0);
  const notFound = (): ViewState => ({ ...view, page: 'not-found' });
  if (parts.length === 0 || (parts.length === 1 && parts[0] === 'index.html')) return view;
  if (parts[0] === 'alerts' && parts.length === 1) {
    view.page = 'alerts';
    return view;
  }
  // A trace by id alone (from a notification, or an id found in a log line).
  if (parts[0] === 'traces' && parts[1] !== undefined && parts.length === 2) {
    const traceId = decodeSegment(parts[1]);
    if (traceId === null) return notFound();
    view.page = 'trace';
    view.traceId = traceId;
    return view;
  }
  if (parts[0] !== 'services' || parts[1] === undefined) return notFound();
  const service = decodeSegment(parts[1]);
  if (service === null) return notFound();
  const sub = parts[2] ?? '';
  const page = SERVICE_PAGES[sub];
  const withTrace = page === 'traces' && parts[3] !== undefined;
  if (page === undefined || parts.length > (withTrace ? 4 : 3)) return notFound();
  view.service = service;
  view.page = page;
  if (withTrace) {
    const traceId = decodeSegment(parts[3] ?? '');
    if (traceId === null) return notFound();
    view.page = 'trace';
    view.traceId = traceId;
  }
  return view;
}

/** The path and query string for a view (the inverse of parseView). */
export function viewUrl(view: ViewState): string {
  let path = view.page === 'alerts' ? '/alerts' : '/';
  if (view.page === 'trace' && view.service === null && view.traceId !== null) path = `/traces/${encodeURIComponent(view.traceId)}`;
  if (view.service !== null && view.page !== 'overview' && view.page !== 'alerts') {
    path = `/services/${encodeURIComponent(view.service)}`;
    if (view.page === 'trace' && view.traceId !== null) {
      path += `/traces/${encodeURIComponent(view.traceId)}`;
    } else if (view.page !== 'service' && view.page !== 'trace') {
      path += `/${view.page}`;
    }
  }
  const params = new URLSearchParams();
  if (view.range.kind === 'preset') {
    if (view.range.preset !== '15m') params.set('range', view.range.preset);
  } else {
    params.set('from', String(view.range.from));
    params.set('to', String(view.range.to));
  }
  // A trace opened from a list keeps the list's filters, so its way back is to that list.
  const listFilters = view.page === 'traces' || (view.page === 'trace' && view.service !== null);
  if (view.route !== null && view.page !== 'overview' && (view.page !== 'trace' || listFilters)) params.set('route', view.route);
  if (view.matchedRoutes && view.page === 'service' && view.route === null) params.set('routes', 'matched');
  if (listFilters) {
    if (view.traceFilters.minDurationMs !== null) params.set('minDurationMs', String(view.traceFilters.minDurationMs));
    if (view.traceFilters.errorsOnly) params.set('error', '1');
    if (view.traceFilters.all) params.set('all', '1');
    if (view.traceFilters.sort === 'duration') params.set('sort', 'duration');
    if (view.traceFilters.errorKind !== undefined) params.set('errorKind', view.traceFilters.errorKind);
  }
  const query = params.toString();
  return query ? `${path}?${query}` : path;
}

/** A view on another page of the same service, keeping the time range. */
export function withPage(view: ViewState, page: PageName, patch: Partial<ViewState> = {}): ViewState {
  return { ...view, page, route: null, matchedRoutes: false, traceId: null, ...patch };
}
