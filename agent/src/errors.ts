// One home for the agent's own warning codes and messages (HR_AGENT_*), so users can search
// for a code and tests can match it. The agent never throws into the app: every problem
// becomes one of these lines on stderr, rate-limited per code (see report.ts).

export interface AgentWarning {
  code: string;
  message: string;
}

export const warnings = {
  config: { code: 'HR_AGENT_CONFIG', message: 'ignoring invalid Headroom/OTel settings, using defaults' },
  startFailed: { code: 'HR_AGENT_START_FAILED', message: 'Headroom agent failed to start; the app runs without it' },
  exportFailed: { code: 'HR_AGENT_EXPORT_FAILED', message: 'cannot deliver telemetry to the collector; holding what fits its queues to send again, dropping the rest (counted), until it answers' },
  exportUnauthorized: {
    code: 'HR_AGENT_EXPORT_UNAUTHORIZED',
    message:
      'the collector refused the ingest token (401/403): what it refused is dropped (counted) and never sent again; set the token with OTEL_EXPORTER_OTLP_HEADERS="Authorization=Bearer <token>" (or OTEL_EXPORTER_OTLP_{TRACES,METRICS,LOGS}_HEADERS)',
  },
  exportRefused: { code: 'HR_AGENT_EXPORT_REFUSED', message: 'the collector refused the data (4xx): it is dropped (counted), not sent again' },
  exportRecovered: { code: 'HR_AGENT_EXPORT_RECOVERED', message: 'collector reachable again' },
  internal: { code: 'HR_AGENT_INTERNAL', message: 'internal error in a Headroom hook, ignored' },
  otel: { code: 'HR_AGENT_OTEL', message: 'OpenTelemetry SDK reported an error' },
  stallWatchdog: { code: 'HR_AGENT_STALL_WATCHDOG', message: 'event-loop stall watchdog unavailable; stalls are measured without attribution' },
  shutdownTimeout: { code: 'HR_AGENT_SHUTDOWN_TIMEOUT', message: 'telemetry flush at shutdown did not finish in time; the rest is dropped' },
  buffersFull: { code: 'HR_AGENT_TRACE_BUFFER_FULL', message: 'too many unfinished traces buffered; dropping spans (counted)' },
} as const satisfies Record<string, AgentWarning>;

export type WarningKey = keyof typeof warnings;
