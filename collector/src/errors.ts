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
  cliBadFlag: { code: 'HR_CLI_BAD_FLAG', message: 'bad command line (see headroom --help)' },
  cliUnknownCommand: { code: 'HR_CLI_UNKNOWN_COMMAND', message: 'unknown command (see headroom --help)' },
  cliShutdownTimeout: { code: 'HR_CLI_SHUTDOWN_TIMEOUT', message: 'shutdown did not finish in time; exiting without a clean close' },
  configBadValue: { code: 'HR_CONFIG_BAD_VALUE', message: 'bad configuration value' },
  configPortInUse: { code: 'HR_CONFIG_PORT_IN_USE', message: 'port already in use' },
  configListen: { code: 'HR_CONFIG_LISTEN', message: 'cannot listen' },
  configExposed: { code: 'HR_CONFIG_EXPOSED', message: 'open to the network without tokens' },
  configTokenInArgs: { code: 'HR_CONFIG_TOKEN_IN_ARGS', message: 'a token on the command line' },
  configDbPath: { code: 'HR_CONFIG_DB_PATH', message: 'cannot use the database path' },
  // ---- receiver (HR_OTLP_*) ----
  otlpNotFound: { code: 'HR_OTLP_NOT_FOUND', message: 'no such OTLP endpoint (use POST /v1/traces, /v1/metrics or /v1/logs)' },
  otlpMethod: { code: 'HR_OTLP_METHOD', message: 'method not allowed (OTLP/HTTP takes POST only)' },
  otlpContentType: { code: 'HR_OTLP_CONTENT_TYPE', message: 'unsupported content type (use application/x-protobuf or application/json)' },
  otlpContentEncoding: { code: 'HR_OTLP_CONTENT_ENCODING', message: 'unsupported content encoding (use gzip or none)' },
  otlpTooLarge: { code: 'HR_OTLP_TOO_LARGE', message: 'request body larger than the limit' },
  otlpBadGzip: { code: 'HR_OTLP_BAD_GZIP', message: 'request body is not valid gzip' },
  otlpDecode: { code: 'HR_OTLP_DECODE', message: 'request body cannot be decoded' },
  otlpPartial: { code: 'HR_OTLP_PARTIAL', message: 'part of the request was rejected' },
  otlpQueueFull: { code: 'HR_OTLP_QUEUE_FULL', message: 'write queue full; retry later' },
  otlpBusy: { code: 'HR_OTLP_BUSY', message: 'too many request bodies being received at once; retry later' },
  otlpInternal: { code: 'HR_OTLP_INTERNAL', message: 'internal error while handling the request' },
  otlpStoreFailing: { code: 'HR_OTLP_STORE_FAILING', message: 'the collector cannot write to its database now; retry later' },
  otlpClosing: { code: 'HR_OTLP_CLOSING', message: 'the collector is shutting down; retry later' },
  otlpForbiddenOrigin: { code: 'HR_OTLP_FORBIDDEN_ORIGIN', message: 'a web page may send OTLP here only from a host this collector answers to (see --allowed-hosts)' },
  otlpNameCut: { code: 'HR_OTLP_NAME_CUT', message: 'a name from an app was longer than its limit and was cut, ending in …' },
  otlpAttributeCut: {
    code: 'HR_OTLP_ATTRIBUTE_CUT',
    message: 'attributes or span events from an app were past a limit: long values were cut (ending in …), extra attributes and events dropped and counted',
  },
  otlpServiceLimit: {
    code: 'HR_OTLP_SERVICE_LIMIT',
    message: 'the collector holds as many services as --max-services allows; items of new services are refused',
  },
  otlpInstanceLimit: {
    code: 'HR_OTLP_INSTANCE_LIMIT',
    message: 'a service has as many live instances as --max-instances allows; items of its new instances are refused',
  },
  // ---- connections (HR_CONNECTIONS_*) ----
  connectionsPerAddress: {
    code: 'HR_CONNECTIONS_PER_ADDRESS',
    message: 'a client address holds as many connections as --max-connections-per-address allows; its new ones are closed',
  },
  // ---- store (HR_STORE_*) ----
  storeOpen: { code: 'HR_STORE_OPEN', message: 'cannot open the database' },
  storeWrite: { code: 'HR_STORE_WRITE', message: 'a write to the database failed; its items were dropped' },
  storeFailing: { code: 'HR_STORE_FAILING', message: 'writes to the database fail' },
  storeDamaged: { code: 'HR_STORE_DAMAGED', message: 'the database file is damaged' },
  storeLocked: { code: 'HR_STORE_LOCKED', message: 'the database is in use' },
  storeMaintenance: { code: 'HR_STORE_MAINTENANCE', message: 'database maintenance (rollups or retention) failed; it will be retried' },
  // ---- query API (HR_API_*) ----
  apiBadParam: { code: 'HR_API_BAD_PARAM', message: 'bad query parameter' },
  apiContentType: { code: 'HR_API_CONTENT_TYPE', message: 'unsupported content type' },
  apiBadRange: { code: 'HR_API_BAD_RANGE', message: 'bad time range' },
  apiNotFound: { code: 'HR_API_NOT_FOUND', message: 'not found' },
  apiUnauthorized: { code: 'HR_API_UNAUTHORIZED', message: 'missing or wrong dashboard token' },
  apiIngestUnauthorized: { code: 'HR_API_INGEST_UNAUTHORIZED', message: 'missing or wrong ingest token (Authorization: Bearer <token>)' },
  apiHostNotAllowed: {
    code: 'HR_API_HOST_NOT_ALLOWED',
    message: 'this collector does not answer to that Host (a guard against DNS rebinding); add the name with --allowed-hosts or HEADROOM_ALLOWED_HOSTS',
  },
  apiForbiddenOrigin: { code: 'HR_API_FORBIDDEN_ORIGIN', message: 'WebSocket origin does not match the host' },
  apiInternal: { code: 'HR_API_INTERNAL', message: 'internal error' },
  // ---- alerts (HR_ALERT_*) ----
  alertBadRule: { code: 'HR_ALERT_BAD_RULE', message: 'invalid alert rule' },
  alertBadDestination: { code: 'HR_ALERT_BAD_DESTINATION', message: 'invalid alert destination' },
  alertRulesFile: { code: 'HR_ALERT_RULES_FILE', message: 'cannot use the alert rules file' },
  alertNotFound: { code: 'HR_ALERT_NOT_FOUND', message: 'no such alert rule or destination' },
  alertConflict: { code: 'HR_ALERT_CONFLICT', message: 'conflicts with an existing alert rule or destination' },
  alertReadOnly: { code: 'HR_ALERT_READ_ONLY', message: 'provisioned from the rules file; change the file and restart (muting is allowed)' },
  alertQueueFull: { code: 'HR_ALERT_QUEUE_FULL', message: 'alert delivery queue full; notification dropped (a rule notification is planned again once there is room)' },
  alertDelivery: { code: 'HR_ALERT_DELIVERY', message: 'alert notification could not be delivered' },
  alertEvaluation: { code: 'HR_ALERT_EVALUATION', message: 'an alert rule could not be evaluated' },
  alertStoreWrite: { code: 'HR_ALERT_STORE_WRITE', message: 'an alert delivery could not be recorded in the database (it is sent all the same)' },
  // ---- advisor (HR_ADVISOR_*) ----
  advisorConfig: { code: 'HR_ADVISOR_CONFIG', message: 'invalid advisor thresholds' },
  advisorRule: { code: 'HR_ADVISOR_RULE', message: 'an advisor rule failed; its findings are left out' },
} as const satisfies Record<string, ErrorInfo>;
