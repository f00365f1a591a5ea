// One function per query-API route, typed with the collector's own response types.

import type {
  AdvisorResponse,
  CollectorInfoResponse,
  DeploymentsResponse,
  ErrorGroupsResponse,
  EventsResponse,
  InstanceSeriesResponse,
  InstancesResponse,
  ServiceSeriesResponse,
  ServicesResponse,
  StallsResponse,
  TimeBreakdownResponse,
  TraceResponse,
  TracesResponse,
  TransactionsResponse,
  EventType,
} from '@headroom/collector/api-types';
import { rangeParams, type TimeRangeSpec } from '../state/time-range';
import { apiUrl, getJson } from './client';

const svc = (service: string) => `/api/services/${encodeURIComponent(service)}`;

export const api = {
  collector: (signal?: AbortSignal) => getJson<CollectorInfoResponse>('/api/collector', signal),

  advisor: (service: string, range: TimeRangeSpec, signal?: AbortSignal) =>
    getJson<AdvisorResponse>(apiUrl('/api/advisor', { ...rangeParams(range), service }), signal),

  services: (range: TimeRangeSpec, signal?: AbortSignal) =>
    getJson<ServicesResponse>(apiUrl('/api/services', rangeParams(range)), signal),

  serviceSeries: (service: string, range: TimeRangeSpec, filter: { route?: string | null; instance?: string | null; matchedRoutes?: boolean }, signal?: AbortSignal) =>
    getJson<ServiceSeriesResponse>(
      apiUrl(`${svc(service)}/series`, { ...rangeParams(range), route: filter.route, instance: filter.instance, routes: filter.matchedRoutes === true ? 'matched' : null }),
      signal,
    ),

  instanceSeries: (service: string, range: TimeRangeSpec, signal?: AbortSignal) =>
    getJson<InstanceSeriesResponse>(apiUrl(`${svc(service)}/instances/series`, rangeParams(range)), signal),

  transactions: (service: string, range: TimeRangeSpec, signal?: AbortSignal) =>
    getJson<TransactionsResponse>(apiUrl(`${svc(service)}/transactions`, rangeParams(range)), signal),

  instances: (service: string, range: TimeRangeSpec, signal?: AbortSignal) =>
    getJson<InstancesResponse>(apiUrl(`${svc(service)}/instances`, rangeParams(range)), signal),

  /** The versions seen in the range, each compared before and after its deploy over the collector's default window. */
  deployments: (service: string, range: TimeRangeSpec, signal?: AbortSignal) =>
    getJson<DeploymentsResponse>(apiUrl(`${svc(service)}/deployments`, rangeParams(range)), signal),

  /** With a route, that route's groups (not picked from the service's top 500). */
  stalls: (service: string, range: TimeRangeSpec, signal?: AbortSignal, route: string | null = null) =>
    getJson<StallsResponse>(apiUrl(`${svc(service)}/stalls`, { ...rangeParams(range), route }), signal),

  errors: (service: string, range: TimeRangeSpec, signal?: AbortSignal) =>
    getJson<ErrorGroupsResponse>(apiUrl(`${svc(service)}/errors`, rangeParams(range)), signal),

  timeBreakdown: (service: string, range: TimeRangeSpec, route: string | null, signal?: AbortSignal) =>
    getJson<TimeBreakdownResponse>(apiUrl(`${svc(service)}/time-breakdown`, { ...rangeParams(range), route }), signal),

  traces: (
    range: TimeRangeSpec,
    filter: {
      service?: string | null;
      route?: string | null;
      minDurationMs?: number | null;
      error?: boolean;
      errorKind?: string | null;
      notable?: boolean;
      sort?: 'start' | 'duration';
      offset?: number;
      limit?: number;
    },
    signal?: AbortSignal,
  ) =>
    getJson<TracesResponse>(
      apiUrl('/api/traces', {
        ...rangeParams(range),
        service: filter.service,
        route: filter.route,
        minDurationMs: filter.minDurationMs,
        error: filter.error ? 'true' : null,
        errorKind: filter.errorKind,
        notable: filter.notable ? 'true' : null,
        sort: filter.sort === 'duration' ? 'duration' : null,
        offset: filter.offset ? filter.offset : null,
        limit: filter.limit,
      }),
      signal,
    ),

  trace: (traceId: string, signal?: AbortSignal) =>
    getJson<TraceResponse>(`/api/traces/${encodeURIComponent(traceId)}`, signal),

  events: (
    range: TimeRangeSpec,
    filter: { service?: string | null; instance?: string | null; route?: string | null; type?: EventType | readonly EventType[] | null; limit?: number },
    signal?: AbortSignal,
  ) =>
    getJson<EventsResponse>(
      apiUrl('/api/events', {
        ...rangeParams(range),
        service: filter.service,
        instance: filter.instance,
        route: filter.route,
        // Several types: one comma-separated parameter.
        type: typeof filter.type === 'object' && filter.type !== null ? filter.type.join(',') : filter.type,
        limit: filter.limit,
      }),
      signal,
    ),
};
