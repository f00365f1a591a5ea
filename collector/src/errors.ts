// One home for the collector's error codes and messages (the CLI's, the receiver's 4xx/5xx
// bodies, the API's), so users can search for a code and tests can match it.
// Each area adds its own entries here; codes are stable once released.

export interface ErrorInfo {
  code: string;
  message: string;
}

export class HeadroomError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'HeadroomError';
    this.code = code;
  }
}

/** Builds a HeadroomError from one of the templates below. */
export function headroomError(info: ErrorInfo, detail?: string, cause?: unknown): HeadroomError {
  const message = detail ? `${info.message}: ${detail}` : info.message;
  return new HeadroomError(info.code, message, cause === undefined ? undefined : { cause });
}

export const errors = {
  // ---- command line and configuration (HR_CLI_*, HR_CONFIG_*) ----
  // ---- receiver (HR_OTLP_*) ----
  // ---- store (HR_STORE_*) ----
  // ---- query API (HR_API_*) ----
} as const satisfies Record<string, ErrorInfo>;
