// Versioned schema migrations, tracked in SQLite's user_version. Each entry moves the schema
// from version i to i + 1 inside one transaction; released entries are never edited.
import type { Database } from 'better-sqlite3';

// The SQL of migrations 3 and 5 is built by the two functions below, from column lists frozen
// here: a released migration must never change, so they do not read the writer's lists.

/** Migration 3's chart gauges: column, the per-metric gauge rows it folds, and how. */
const WIDE_GAUGES: readonly [column: string, metric: string, fold: 'sum' | 'max'][] = [
  ['rss', "metric = 'memory.rss'", 'sum'],
  ['heap_used', "metric = 'memory.heap_used'", 'sum'],
  ['heap_total', "metric = 'memory.heap_total'", 'sum'],
  ['heap_limit', "metric = 'memory.heap_limit'", 'max'],
  ['external', "metric = 'memory.external'", 'sum'],
  ['eld_p99', "metric = 'eventloop.delay.p99'", 'sum'],
  ['eld_max', "metric = 'eventloop.delay.max'", 'max'],
  ['elu', "metric = 'eventloop.utilization'", 'sum'],
  ['in_flight', "metric = 'http.in_flight'", 'sum'],
  ['in_flight_max', "metric = 'http.in_flight.max'", 'max'],
  ['gc_pause', "metric >= 'gc.pause.' AND metric < 'gc.pause/'", 'sum'],
];

/** One wide gauge table (inst_gauge_<level>), filled from gauge_<level>. */
function wideGaugeTable(level: string): string {
  const columns = WIDE_GAUGES.flatMap(([c]) => [`${c}_n`, `${c}_v`]);
  const folds = WIDE_GAUGES.map(([, when, fold]) => {
    const count = `sum(CASE WHEN ${when} THEN count ELSE 0 END)`;
    const value = fold === 'max' ? `coalesce(max(CASE WHEN ${when} THEN max END), 0)` : `sum(CASE WHEN ${when} THEN sum ELSE 0 END)`;
    return `${count}, ${value}`;
  });
  return `
  CREATE TABLE inst_gauge_${level} (
    service TEXT NOT NULL, t INTEGER NOT NULL, instance_id TEXT NOT NULL,
    ${columns.map((c) => `${c} REAL NOT NULL`).join(', ')},
    PRIMARY KEY (service, t, instance_id)
  ) WITHOUT ROWID;
  INSERT INTO inst_gauge_${level} (service, t, instance_id, ${columns.join(', ')})
  SELECT service, t, instance_id, ${folds.join(', ')}
  FROM gauge_${level}
  WHERE ${WIDE_GAUGES.map(([, when]) => `(${when})`).join(' OR ')}
  GROUP BY service, t, instance_id;
`;
}

/** Migration 5's request rollup columns after the key: summed, except those named. */
const ROLLUP_SUMS = ['qw_count', 'qw_sum', 'br_count', 'br_sum', 'rw_count', 'rw_sum', 'reqb_count', 'reqb_sum', 'respb_count', 'respb_sum'];

/** One 5-minute request rollup (<prefix>_5m) keyed by service, `keys` and time, from <prefix>_minute. */
function fiveMinuteRollup(prefix: string, keys: string[]): string {
  const keyColumns = keys.map((k) => `${k} TEXT NOT NULL, `).join('');
  const keyList = keys.map((k) => `, ${k}`).join('');
  return `
  CREATE TABLE ${prefix}_5m (
    service TEXT NOT NULL, t INTEGER NOT NULL, ${keyColumns}
    count REAL NOT NULL, errors REAL NOT NULL,
    dur_sum REAL NOT NULL, dur_min REAL, dur_max REAL, sketch BLOB,
    ${ROLLUP_SUMS.map((c) => `${c} REAL NOT NULL`).join(', ')},
    PRIMARY KEY (service${keyList}, t)
  ) WITHOUT ROWID;
  INSERT INTO ${prefix}_5m (service, t${keyList}, count, errors, dur_sum, dur_min, dur_max, sketch, ${ROLLUP_SUMS.join(', ')})
  SELECT service, t - t % 300000${keyList}, sum(count), sum(errors), sum(dur_sum), min(dur_min), max(dur_max), sketch_union(sketch),
    ${ROLLUP_SUMS.map((c) => `sum(${c})`).join(', ')}
  FROM ${prefix}_minute GROUP BY service${keyList}, t - t % 300000;
`;
}

const MIGRATIONS: readonly string[] = [
  // 1: raw data, instances, minute and hour rollups.
  `
  CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;

  -- One row per process (service.instance.id) of a service.
  CREATE TABLE instances (
    service TEXT NOT NULL,
    instance_id TEXT NOT NULL,
    host TEXT,
    pid INTEGER,
    first_seen_ms INTEGER NOT NULL,
    last_seen_ms INTEGER NOT NULL,
    started_ms INTEGER,
    restarts INTEGER NOT NULL DEFAULT 0,
    resource TEXT NOT NULL,
    settings TEXT NOT NULL DEFAULT '{}',
    PRIMARY KEY (service, instance_id)
  ) WITHOUT ROWID;
  CREATE INDEX instances_host ON instances (service, host, last_seen_ms);

  -- Sampled spans; span events inline as JSON (always read with their span). trace_id is a
  -- 16-byte BLOB (half of hex, in the row and in the trace index); span ids stay hex text
  -- (not indexed, and converting them cost more per span than their bytes).
  CREATE TABLE spans (
    id INTEGER PRIMARY KEY,
    trace_id BLOB NOT NULL,
    span_id TEXT NOT NULL,
    parent_span_id TEXT,
    service TEXT NOT NULL,
    instance_id TEXT NOT NULL,
    name TEXT NOT NULL,
    kind INTEGER NOT NULL,
    start_ns INTEGER NOT NULL,
    duration_ns INTEGER NOT NULL,
    status_code INTEGER NOT NULL,
    status_message TEXT,
    route TEXT,
    is_root INTEGER NOT NULL,
    is_stall INTEGER NOT NULL,
    attributes TEXT NOT NULL,
    events TEXT
  );
  CREATE INDEX spans_trace ON spans (trace_id);
  -- Trace search lists local roots only; partial indexes keep child spans cheap to insert.
  CREATE INDEX spans_roots_service ON spans (service, start_ns) WHERE is_root = 1;
  CREATE INDEX spans_roots_time ON spans (start_ns) WHERE is_root = 1;

  -- Headroom events (stalls, starts, restarts, uncaught errors).
  CREATE TABLE events (
    id INTEGER PRIMARY KEY,
    type TEXT NOT NULL,
    service TEXT NOT NULL,
    instance_id TEXT NOT NULL,
    time_ns INTEGER NOT NULL,
    route TEXT,
    trace_id TEXT,
    span_id TEXT,
    duration_ms REAL,
    message TEXT,
    location TEXT,
    attributes TEXT NOT NULL
  );
  CREATE INDEX events_service_time ON events (service, time_ns);
  CREATE INDEX events_time ON events (time_ns);

  -- Highest raw row ids written in each wall-clock minute: retention deletes spans by id
  -- range (ids grow with time), which needs no index on span time.
  CREATE TABLE raw_marks (minute INTEGER PRIMARY KEY, max_span_id INTEGER NOT NULL) WITHOUT ROWID;

  -- Request rollups per service, route and instance. Durations in ms; sketch: LatencySketch.
  CREATE TABLE req_minute (
    service TEXT NOT NULL, t INTEGER NOT NULL, route TEXT NOT NULL, instance_id TEXT NOT NULL,
    count REAL NOT NULL, errors REAL NOT NULL,
    dur_sum REAL NOT NULL, dur_min REAL, dur_max REAL, sketch BLOB,
    qw_count REAL NOT NULL, qw_sum REAL NOT NULL,
    br_count REAL NOT NULL, br_sum REAL NOT NULL,
    rw_count REAL NOT NULL, rw_sum REAL NOT NULL,
    reqb_count REAL NOT NULL, reqb_sum REAL NOT NULL,
    respb_count REAL NOT NULL, respb_sum REAL NOT NULL,
    PRIMARY KEY (service, t, route, instance_id)
  ) WITHOUT ROWID;
  -- A route-and-instance series reads its own rows, not every route's.
  CREATE INDEX req_minute_route ON req_minute (service, route, t);
  CREATE TABLE req_hour (
    service TEXT NOT NULL, t INTEGER NOT NULL, route TEXT NOT NULL, instance_id TEXT NOT NULL,
    count REAL NOT NULL, errors REAL NOT NULL,
    dur_sum REAL NOT NULL, dur_min REAL, dur_max REAL, sketch BLOB,
    qw_count REAL NOT NULL, qw_sum REAL NOT NULL,
    br_count REAL NOT NULL, br_sum REAL NOT NULL,
    rw_count REAL NOT NULL, rw_sum REAL NOT NULL,
    reqb_count REAL NOT NULL, reqb_sum REAL NOT NULL,
    respb_count REAL NOT NULL, respb_sum REAL NOT NULL,
    PRIMARY KEY (service, t, route, instance_id)
  ) WITHOUT ROWID;
  CREATE INDEX req_hour_route ON req_hour (service, route, t);
  -- The same, over all routes and instances of a service: what the overview and the
  -- service charts read, so a day of 80 route×instance rows per minute costs 1 row per minute.
  CREATE TABLE svc_minute (
    service TEXT NOT NULL, t INTEGER NOT NULL,
    count REAL NOT NULL, errors REAL NOT NULL,
    dur_sum REAL NOT NULL, dur_min REAL, dur_max REAL, sketch BLOB,
    qw_count REAL NOT NULL, qw_sum REAL NOT NULL,
    br_count REAL NOT NULL, br_sum REAL NOT NULL,
    rw_count REAL NOT NULL, rw_sum REAL NOT NULL,
    reqb_count REAL NOT NULL, reqb_sum REAL NOT NULL,
    respb_count REAL NOT NULL, respb_sum REAL NOT NULL,
    PRIMARY KEY (service, t)
  ) WITHOUT ROWID;
  CREATE TABLE svc_hour (
    service TEXT NOT NULL, t INTEGER NOT NULL,
    count REAL NOT NULL, errors REAL NOT NULL,
    dur_sum REAL NOT NULL, dur_min REAL, dur_max REAL, sketch BLOB,
    qw_count REAL NOT NULL, qw_sum REAL NOT NULL,
    br_count REAL NOT NULL, br_sum REAL NOT NULL,
    rw_count REAL NOT NULL, rw_sum REAL NOT NULL,
    reqb_count REAL NOT NULL, reqb_sum REAL NOT NULL,
    respb_count REAL NOT NULL, respb_sum REAL NOT NULL,
    PRIMARY KEY (service, t)
  ) WITHOUT ROWID;

  -- Per instance over all routes: what a service chart filtered to one process reads.
  CREATE TABLE inst_minute (
    service TEXT NOT NULL, t INTEGER NOT NULL, instance_id TEXT NOT NULL,
    count REAL NOT NULL, errors REAL NOT NULL,
    dur_sum REAL NOT NULL, dur_min REAL, dur_max REAL, sketch BLOB,
    qw_count REAL NOT NULL, qw_sum REAL NOT NULL,
    br_count REAL NOT NULL, br_sum REAL NOT NULL,
    rw_count REAL NOT NULL, rw_sum REAL NOT NULL,
    reqb_count REAL NOT NULL, reqb_sum REAL NOT NULL,
    respb_count REAL NOT NULL, respb_sum REAL NOT NULL,
    PRIMARY KEY (service, instance_id, t)
  ) WITHOUT ROWID;
  CREATE TABLE inst_hour (
    service TEXT NOT NULL, t INTEGER NOT NULL, instance_id TEXT NOT NULL,
    count REAL NOT NULL, errors REAL NOT NULL,
    dur_sum REAL NOT NULL, dur_min REAL, dur_max REAL, sketch BLOB,
    qw_count REAL NOT NULL, qw_sum REAL NOT NULL,
    br_count REAL NOT NULL, br_sum REAL NOT NULL,
    rw_count REAL NOT NULL, rw_sum REAL NOT NULL,
    reqb_count REAL NOT NULL, reqb_sum REAL NOT NULL,
    respb_count REAL NOT NULL, respb_sum REAL NOT NULL,
    PRIMARY KEY (service, instance_id, t)
  ) WITHOUT ROWID;

  -- Per route over all instances: what transactions and a route's charts read.
  CREATE TABLE route_minute (
    service TEXT NOT NULL, t INTEGER NOT NULL, route TEXT NOT NULL,
    count REAL NOT NULL, errors REAL NOT NULL,
    dur_sum REAL NOT NULL, dur_min REAL, dur_max REAL, sketch BLOB,
    qw_count REAL NOT NULL, qw_sum REAL NOT NULL,
    br_count REAL NOT NULL, br_sum REAL NOT NULL,
    rw_count REAL NOT NULL, rw_sum REAL NOT NULL,
    reqb_count REAL NOT NULL, reqb_sum REAL NOT NULL,
    respb_count REAL NOT NULL, respb_sum REAL NOT NULL,
    PRIMARY KEY (service, route, t)
  ) WITHOUT ROWID;
  CREATE TABLE route_hour (
    service TEXT NOT NULL, t INTEGER NOT NULL, route TEXT NOT NULL,
    count REAL NOT NULL, errors REAL NOT NULL,
    dur_sum REAL NOT NULL, dur_min REAL, dur_max REAL, sketch BLOB,
    qw_count REAL NOT NULL, qw_sum REAL NOT NULL,
    br_count REAL NOT NULL, br_sum REAL NOT NULL,
    rw_count REAL NOT NULL, rw_sum REAL NOT NULL,
    reqb_count REAL NOT NULL, reqb_sum REAL NOT NULL,
    respb_count REAL NOT NULL, respb_sum REAL NOT NULL,
    PRIMARY KEY (service, route, t)
  ) WITHOUT ROWID;

  -- Per-instance gauges (memory, event loop, in-flight, GC), per metric name. The writer
  -- upserts every level directly (no sketches to merge), so 5-minute and hour rows are always
  -- complete and a day of 5-minute buckets reads 288 rows per metric and instance, not 1 440.
  CREATE TABLE gauge_minute (
    service TEXT NOT NULL, metric TEXT NOT NULL, t INTEGER NOT NULL, instance_id TEXT NOT NULL,
    count REAL NOT NULL, sum REAL NOT NULL, min REAL NOT NULL, max REAL NOT NULL,
    last REAL NOT NULL, last_ms INTEGER NOT NULL,
    PRIMARY KEY (service, metric, t, instance_id)
  ) WITHOUT ROWID;
  CREATE TABLE gauge_hour (
    service TEXT NOT NULL, metric TEXT NOT NULL, t INTEGER NOT NULL, instance_id TEXT NOT NULL,
    count REAL NOT NULL, sum REAL NOT NULL, min REAL NOT NULL, max REAL NOT NULL,
    last REAL NOT NULL, last_ms INTEGER NOT NULL,
    PRIMARY KEY (service, metric, t, instance_id)
  ) WITHOUT ROWID;

  CREATE TABLE gauge_5m (
    service TEXT NOT NULL, metric TEXT NOT NULL, t INTEGER NOT NULL, instance_id TEXT NOT NULL,
    count REAL NOT NULL, sum REAL NOT NULL, min REAL NOT NULL, max REAL NOT NULL,
    last REAL NOT NULL, last_ms INTEGER NOT NULL,
    PRIMARY KEY (service, metric, t, instance_id)
  ) WITHOUT ROWID;

  -- Hours whose minutes changed after they were rolled up (late data): rolled again.
  CREATE TABLE hour_redo (t INTEGER PRIMARY KEY) WITHOUT ROWID;
  `,
  // 2: alerts — rules, destinations, state, transitions, deliveries and their attempts.
  `
  CREATE TABLE alert_destinations (
    id TEXT PRIMARY KEY, type TEXT NOT NULL, url TEXT NOT NULL, secret TEXT,
    source TEXT NOT NULL, created_ms INTEGER NOT NULL
  ) WITHOUT ROWID;
  -- The rule as JSON (validated on the way in); id, source and muted as columns for lookups.
  CREATE TABLE alert_rules (
    id TEXT PRIMARY KEY, spec TEXT NOT NULL, source TEXT NOT NULL, muted INTEGER NOT NULL,
    created_ms INTEGER NOT NULL, updated_ms INTEGER NOT NULL
  ) WITHOUT ROWID;
  CREATE TABLE alert_state (
    rule_id TEXT PRIMARY KEY, state TEXT NOT NULL, since_ms INTEGER NOT NULL,
    active_since_ms INTEGER, firing_since_ms INTEGER, value REAL, evaluated_ms INTEGER
  ) WITHOUT ROWID;
  CREATE TABLE alert_transitions (
    id INTEGER PRIMARY KEY, rule_id TEXT NOT NULL, service TEXT NOT NULL, at_ms INTEGER NOT NULL,
    from_state TEXT NOT NULL, to_state TEXT NOT NULL, value REAL, threshold REAL NOT NULL, reason TEXT NOT NULL
  );
  CREATE INDEX alert_transitions_rule ON alert_transitions (rule_id, at_ms);
  CREATE INDEX alert_transitions_time ON alert_transitions (at_ms);
  -- What each destination was last told about each rule: the restart-safe memory that
  -- prevents a duplicate firing and still sends a resolve that happened while down.
  CREATE TABLE alert_notified (
    rule_id TEXT NOT NULL, destination_id TEXT NOT NULL, status TEXT NOT NULL, at_ms INTEGER NOT NULL,
    PRIMARY KEY (rule_id, destination_id)
  ) WITHOUT ROWID;
  CREATE TABLE alert_deliveries (
    id TEXT PRIMARY KEY, rule_id TEXT, destination_id TEXT NOT NULL, kind TEXT NOT NULL,
    status TEXT NOT NULL, created_ms INTEGER NOT NULL, body TEXT NOT NULL
  ) WITHOUT ROWID;
  CREATE INDEX alert_deliveries_time ON alert_deliveries (created_ms);
  CREATE TABLE alert_delivery_attempts (
    delivery_id TEXT NOT NULL, attempt INTEGER NOT NULL, at_ms INTEGER NOT NULL,
    status_code INTEGER, error TEXT, duration_ms REAL NOT NULL,
    PRIMARY KEY (delivery_id, attempt)
  ) WITHOUT ROWID;
  `,
  // 3: per-instance chart gauges as wide rows (one per service, bucket and instance, a
  // count/value column pair per chart series: see instance-gauges.ts), filled from the
  // per-metric gauge tables, which stay (the advisor and latest values read them).
  ['minute', '5m', 'hour'].map((level) => wideGaugeTable(level)).join(''),
  // 4: error roots of a service by time. An error search otherwise walks every root of the
  // range to find the few errors (a day of a busy service: ~100 ms); errors are rare, so the
  // index costs inserts almost nothing. Built over the stored spans (~0.4 s per million).
  `
  CREATE INDEX spans_roots_error ON spans (service, start_ns) WHERE is_root = 1 AND status_code = 2;
  `,
  // 5: request rollups per 5 minutes for the service, route and instance levels, so a day of
  // 5- or 15-minute buckets merges 288 rows (and sketches) per key, not 1 440. The writer
  // upserts them with the minute rows; here they are filled once from the stored minute rows
  // (which retention already bounds), sketches merged by sketch_union (registered before
  // migrating). The route-and-instance level keeps reading minute rows.
  [
    fiveMinuteRollup('svc', []),
    fiveMinuteRollup('route', ['route']),
    fiveMinuteRollup('inst', ['instance_id']),
  ].join(''),
  // 6: a span is stored once. OTLP exporters retry a request whose answer they did not get
  // (a timeout, a reset connection; opentelemetry-js retries up to 5 times), so the same span
  // may arrive again after it was stored: the writer's inserts now skip a (trace_id, span_id)
  // already there. Copies stored before this keep their lowest id (the first one written).
  // The unique index replaces spans_trace and still serves lookups by trace_id (its first
  // column). Once, at the upgrade: 1.4 M spans took 4–10 s on a 2-core machine (the duplicate
  // check through the trace index, then the index build). IF [NOT] EXISTS: a file a test
  // turned back to an older version may have either index already.
  `
  DELETE FROM spans WHERE EXISTS (
    SELECT 1 FROM spans AS first
    WHERE first.trace_id = spans.trace_id AND first.span_id = spans.span_id AND first.id < spans.id
  );
  DROP INDEX IF EXISTS spans_trace;
  CREATE UNIQUE INDEX IF NOT EXISTS spans_trace_span ON spans (trace_id, span_id);
  `,
  // 7: an event is stored once, and a delta metric point counts once, however often their
  // request is resent (see 6). Events: a 64-bit hash of their content (event-identity.ts,
  // event_ident registered before migrating), unique per service, instance and time; copies
  // stored before this keep their lowest id. Delta points: the identities seen recently
  // (writer.ts), keyed by the point's end time first: the points of one export share it, so
  // a commit's inserts land on a few pages (a random id first dirtied a page per point:
  // −35 % metric points/s in bench/ingest), and pruning is a range.
  `
  ALTER TABLE events ADD COLUMN ident INTEGER;
  UPDATE events SET ident = event_ident(type, route, trace_id, span_id, duration_ms, message, attributes);
  DELETE FROM events WHERE id NOT IN (SELECT min(id) FROM events GROUP BY service, instance_id, time_ns, ident);
  CREATE UNIQUE INDEX events_ident ON events (service, instance_id, time_ns, ident);

  CREATE TABLE seen_points (end_ns INTEGER NOT NULL, id INTEGER NOT NULL, PRIMARY KEY (end_ns, id)) WITHOUT ROWID;
  `,
  // 8: local roots of a service by route and time. A route's newest traces (the time
  // breakdown, queries/time-breakdown.ts, names it) otherwise walk every root of the service
  // in the range to find the route's: a quiet route in a day of a busy service read ~350 000 rows (1–1.5 s).
  // Partial, like the other root indexes: child spans cost nothing more to insert. IF NOT
  // EXISTS: a file a test turned back to an older version has it already (see 6).
  `
  CREATE INDEX IF NOT EXISTS spans_roots_route ON spans (service, route, start_ns) WHERE is_root = 1;
  `,
  // 9: the failed requests' own latency sketch in every request rollup, so Apdex counts them
  // as frustrated (request-rollup.ts apdex). NULL where a row had no errors, and in rows
  // stored before this (their errors keep counting by duration until retention drops them).
  ['req', 'svc', 'inst', 'route']
    .flatMap((prefix) => ['minute', 'hour', ...(prefix === 'req' ? [] : ['5m'])].map((level) => `${prefix}_${level}`))
    .map((table) => `ALTER TABLE ${table} ADD COLUMN err_sketch BLOB;\n`)
    .join(''),
  // 10: the routes each service added, and the ones folded past its budget (route-budget.ts):
  // a sender reporting raw paths as http.route (a scanner: 30 000 in a minute) otherwise grows
  // every route-keyed table and query without bound. Filled with the routes stored so far,
  // first seen at their oldest rollup. IF NOT EXISTS: a file a test turned back to an older
  // version has them already (see 6).
  `
  CREATE TABLE IF NOT EXISTS route_names (
    service TEXT NOT NULL, route TEXT NOT NULL, first_ms INTEGER NOT NULL,
    PRIMARY KEY (service, route)
  ) WITHOUT ROWID;
  INSERT OR IGNORE INTO route_names (service, route, first_ms)
  SELECT service, route, min(t) FROM (SELECT service, route, t FROM route_minute UNION ALL SELECT service, route, t FROM route_hour)
  GROUP BY service, route;
  CREATE TABLE IF NOT EXISTS route_folds (
    service TEXT NOT NULL, t INTEGER NOT NULL, routes INTEGER NOT NULL, requests REAL NOT NULL,
    PRIMARY KEY (service, t)
  ) WITHOUT ROWID;
  `,
  // 11: an alert transition keeps its rule's series, so its value is still read in its unit
  // ("308 ms", "100 %") once the rule is deleted, and its cause when a person's change or
  // deletion of the rule ended the state, not a value. Rebuilt rather than altered: a file a
  // test turned back to an older version may have the columns already (see 6).
  `
  CREATE TABLE alert_transitions_11 (
    id INTEGER PRIMARY KEY, rule_id TEXT NOT NULL, service TEXT NOT NULL, at_ms INTEGER NOT NULL,
    from_state TEXT NOT NULL, to_state TEXT NOT NULL, value REAL, threshold REAL NOT NULL, reason TEXT NOT NULL,
    series TEXT, cause TEXT
  );
  INSERT INTO alert_transitions_11 (id, rule_id, service, at_ms, from_state, to_state, value, threshold, reason)
  SELECT id, rule_id, service, at_ms, from_state, to_state, value, threshold, reason FROM alert_transitions;
  DROP TABLE alert_transitions;
  ALTER TABLE alert_transitions_11 RENAME TO alert_transitions;
  CREATE INDEX alert_transitions_rule ON alert_transitions (rule_id, at_ms);
  CREATE INDEX alert_transitions_time ON alert_transitions (at_ms);
  `,
  // 12: a span's attributes and events dropped past the receiver's limits, plus those its
  // sender dropped (OTLP dropped_attributes_count / dropped_events_count), shown with the trace
  // (receiver/normalise/attribute-limits.ts). NULL for none: nearly every row.
  `
  ALTER TABLE spans ADD COLUMN dropped_attributes INTEGER;
  ALTER TABLE spans ADD COLUMN dropped_events INTEGER;
  `,
  // 13: the same count for an event's log record and an instance's resource (its latest, as
  // the resource column). NULL for none.
  `
  ALTER TABLE events ADD COLUMN dropped_attributes INTEGER;
  ALTER TABLE instances ADD COLUMN resource_dropped_attributes INTEGER;
  `,
  // 14: which build each process ran (service.version and vcs.ref.head.revision of its latest
  // resource, the writer's resourceVersion): a service's deployments are its versions, each
  // first seen when its first process was (queries/deployments.ts). Filled from the resources
  // stored so far (another SDK may have sent service.version already); text values only, as the
  // writer keeps them. NULL: a process that said neither, as every one did before.
  `
  ALTER TABLE instances ADD COLUMN version TEXT;
  ALTER TABLE instances ADD COLUMN revision TEXT;
  UPDATE instances SET
    version = CASE WHEN json_type(resource, '$."service.version"') = 'text' THEN nullif(trim(json_extract(resource, '$."service.version"')), '') END,
    revision = CASE
      WHEN json_type(resource, '$."vcs.ref.head.revision"') = 'text' THEN nullif(trim(json_extract(resource, '$."vcs.ref.head.revision"')), '')
      WHEN json_type(resource, '$."vcs.repository.ref.revision"') = 'text' THEN nullif(trim(json_extract(resource, '$."vcs.repository.ref.revision"')), '')
    END
  WHERE json_valid(resource);
  CREATE INDEX instances_version ON instances (service, version, revision, first_seen_ms);
  `,
  // 15: each delivery attempt names its destination, indexed with its time (and its 2xx apart),
  // so a destination's health (its latest attempt, its latest 2xx) is two index seeks: it was a
  // join and a group over every attempt kept (300,000: ~170 ms on each GET of the destinations).
  // Filled from the deliveries for the attempts stored so far.
  `
  ALTER TABLE alert_delivery_attempts ADD COLUMN destination_id TEXT;
  UPDATE alert_delivery_attempts SET destination_id = (SELECT d.destination_id FROM alert_deliveries d WHERE d.id = delivery_id);
  CREATE INDEX alert_attempts_destination ON alert_delivery_attempts (destination_id, at_ms);
  CREATE INDEX alert_attempts_delivered ON alert_delivery_attempts (destination_id, at_ms) WHERE status_code BETWEEN 200 AND 299;
  `,
  // 16: the GC chart's on-CPU part of the pauses (gc.cpu.<kind>, Headroom's agent's
  // headroom.gc.pause.on_cpu) in the wide per-instance gauge rows. 0 points in the rows stored
  // before: the chart shows none there (the per-metric rows had no such metric either).
  `
  ALTER TABLE inst_gauge_minute ADD COLUMN gc_cpu_n REAL NOT NULL DEFAULT 0;
  ALTER TABLE inst_gauge_minute ADD COLUMN gc_cpu_v REAL NOT NULL DEFAULT 0;
  ALTER TABLE inst_gauge_5m ADD COLUMN gc_cpu_n REAL NOT NULL DEFAULT 0;
  ALTER TABLE inst_gauge_5m ADD COLUMN gc_cpu_v REAL NOT NULL DEFAULT 0;
  ALTER TABLE inst_gauge_hour ADD COLUMN gc_cpu_n REAL NOT NULL DEFAULT 0;
  ALTER TABLE inst_gauge_hour ADD COLUMN gc_cpu_v REAL NOT NULL DEFAULT 0;
  `,
  // 17: the request rows no route matched (a method alone: a scanner's 404s), apart and with
  // their counts, so the deployments' error rates read them with one seek and no lookup per row
  // (queries/unrouted-minutes.ts); through the route index each row cost a lookup of its own.
  // Partial: only those rows pay for it on write. SQLite uses it only for a query holding this
  // very term (matched-routes.ts UNMATCHED_ROUTE_LITERAL_SQL): the methods as KNOWN_METHODS and
  // METHOD_UNKNOWN were when it was written. IF NOT EXISTS: a file a test turned back to an older
  // version has it already (see 6).
  `
  CREATE INDEX IF NOT EXISTS req_minute_unmatched ON req_minute (service, t, instance_id, count, errors)
    WHERE route IN ('GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH', 'QUERY', '_OTHER');
  `,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

/** Brings the schema to SCHEMA_VERSION; throws if the file is newer than this code. */
export function migrate(db: Database): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > SCHEMA_VERSION) {
    throw new Error(`schema version ${current} is newer than this Headroom understands (${SCHEMA_VERSION})`);
  }
  for (let v = current; v < SCHEMA_VERSION; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v] as string);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
}
