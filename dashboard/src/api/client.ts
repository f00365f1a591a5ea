// fetch → typed JSON, with the token attached and the API's error body turned into an
// ApiFailure the error views can show (code and message as text). A 401 is also told to the
// auth gate, which asks for the token.

import type { ApiError } from '@headroom/collector/api-types';
import { reportUnauthorized } from './auth-state';
import { currentToken } from './token';

export class ApiFailure extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.name = 'ApiFailure';
    this.status = status;
    this.code = code;
  }
}

function isApiError(body: unknown): body is ApiError {
  if (typeof body !== 'object' || body === null || !('error' in body)) return false;
  const error = (body as { error: unknown }).error;
  return typeof error === 'object' && error !== null && typeof (error as { code?: unknown }).code === 'string';
}

/** Builds `/api/...?a=b` from a path and parameters (null/undefined parameters left out). */
export function apiUrl(path: string, params: Record<string, string | number | boolean | null | undefined> = {}): string {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value === null || value === undefined || value === '') continue;
    query.set(key, String(value));
  }
  const qs = query.toString();
  return qs ? `${path}?${qs}` : path;
}

export async function getJson<T>(url: string, signal?: AbortSignal): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  const token = currentToken();
  if (token !== null) headers.Authorization = `Bearer ${token}`;
  let res: Response;
  try {
    res = await fetch(url, { headers, signal });
  } catch (err) {
    if (signal?.aborted) throw err;
    throw new ApiFailure(0, 'NETWORK', 'cannot reach the collector');
  }
  const body: unknown = await res.json().catch(() => null);
  if (res.status === 401) reportUnauthorized(token);
  if (!res.ok) {
    if (isApiError(body)) throw new ApiFailure(res.status, body.error.code, body.error.message);
    throw new ApiFailure(res.status, `HTTP_${res.status}`, res.statusText || 'request failed');
  }
  if (body === null) throw new ApiFailure(res.status, 'BAD_BODY', 'the collector sent no JSON');
  return body as T;
}
