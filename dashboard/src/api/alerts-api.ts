// The /api/alerts routes, typed with the collector's alert types. Changes are sent as JSON
// (the collector refuses anything else on POST/PUT, so forms on other sites cannot use them).

import type {
  AlertDeliveriesResponse,
  AlertDestinationCreated,
  AlertDestinationInput,
  AlertDestinationsResponse,
  AlertHistoryResponse,
  AlertRuleWithState,
  AlertRulesResponse,
} from '@headroom/collector/api-types';
import { rangeParams, type TimeRangeSpec } from '../state/time-range';
import { reportUnauthorized } from './auth-state';
import { ApiFailure, apiUrl, getJson } from './client';
import { currentToken } from './token';

async function sendJson<T>(method: 'POST' | 'PUT' | 'DELETE', url: string, body: unknown = {}): Promise<T | null> {
  const headers: Record<string, string> = { Accept: 'application/json', 'Content-Type': 'application/json' };
  const token = currentToken();
  if (token !== null) headers.Authorization = `Bearer ${token}`;
  let res: Response;
  try {
    res = await fetch(url, { method, headers, body: method === 'DELETE' ? undefined : JSON.stringify(body) });
  } catch {
    throw new ApiFailure(0, 'NETWORK', 'cannot reach the collector');
  }
  if (res.status === 204) return null;
  const parsed: unknown = await res.json().catch(() => null);
  if (res.status === 401) reportUnauthorized(token);
  if (!res.ok) {
    const error = (parsed as { error?: { code?: unknown; message?: unknown } } | null)?.error;
    if (typeof error?.code === 'string') throw new ApiFailure(res.status, error.code, String(error.message));
    throw new ApiFailure(res.status, `HTTP_${res.status}`, res.statusText || 'request failed');
  }
  return parsed as T;
}

const rule = (id: string) => `/api/alerts/rules/${encodeURIComponent(id)}`;
const destination = (id: string) => `/api/alerts/destinations/${encodeURIComponent(id)}`;

export const alertsApi = {
  rules: (signal?: AbortSignal) => getJson<AlertRulesResponse>('/api/alerts/rules', signal),
  history: (range: TimeRangeSpec, filter: { service?: string | null; ruleId?: string | null }, signal?: AbortSignal) =>
    getJson<AlertHistoryResponse>(apiUrl('/api/alerts/history', { ...rangeParams(range), service: filter.service, ruleId: filter.ruleId, limit: 200 }), signal),
  deliveries: (signal?: AbortSignal) => getJson<AlertDeliveriesResponse>(apiUrl('/api/alerts/deliveries', { limit: 50 }), signal),
  destinations: (signal?: AbortSignal) => getJson<AlertDestinationsResponse>('/api/alerts/destinations', signal),

  createRule: (input: unknown) => sendJson<AlertRuleWithState>('POST', '/api/alerts/rules', input),
  deleteRule: (id: string) => sendJson<null>('DELETE', rule(id)),
  setMuted: (id: string, muted: boolean) => sendJson<AlertRuleWithState>('POST', `${rule(id)}/${muted ? 'mute' : 'unmute'}`),
  createDestination: (input: AlertDestinationInput) => sendJson<AlertDestinationCreated>('POST', '/api/alerts/destinations', input),
  deleteDestination: (id: string) => sendJson<null>('DELETE', destination(id)),
  sendTest: (id: string) => sendJson<{ deliveryId: string }>('POST', `${destination(id)}/test`),
};
