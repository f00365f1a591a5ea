// A 4xx/5xx answer of the query API: the status plus the ApiError body
// (`{ error: { code, message } }`), codes from errors.ts.
import type { ApiError } from '../api-types';
import { errors, type ErrorInfo } from '../errors';

export class ApiHttpError extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, info: ErrorInfo, detail?: string) {
    super(detail ? `${info.message}: ${detail}` : info.message);
    this.name = 'ApiHttpError';
    this.status = status;
    this.code = info.code;
  }

  body(): ApiError {
    return { error: { code: this.code, message: this.message } };
  }
}

export function badParam(detail: string): ApiHttpError {
  return new ApiHttpError(400, errors.apiBadParam, detail);
}

export function badRange(detail: string): ApiHttpError {
  return new ApiHttpError(400, errors.apiBadRange, detail);
}

export function notFound(detail: string): ApiHttpError {
  return new ApiHttpError(404, errors.apiNotFound, detail);
}
