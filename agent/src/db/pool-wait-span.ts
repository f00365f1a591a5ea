// A span for the wait of a pool checkout, as pg's instrumentation makes one (`pg-pool.connect`):
// with every connection busy, a request waits for one to be released, and that wait is neither
// the database's time nor the app's own. OTel's mysql2 instrumentation makes no such span, so a
// request that waited 460 ms for a connection and ran a 100 ms query read as 460 ms of the app's
// own code (QA s15: a pool of 2, 20 requests at once each holding a connection 100 ms). The
// collector tells these spans apart by name (collector/src/store/downstream-spans.ts).
// Only under a recording span: a light request (no span, tracing suppressed) pays nothing.
import { SpanKind, SpanStatusCode, trace, type Context, type Tracer } from '@opentelemetry/api';
import { describe, report } from '../report';

export const MYSQL2_CHECKOUT_SPAN = 'mysql2-pool.getConnection';

interface Mysql2PoolConfig {
  connectionLimit?: unknown;
  connectionConfig?: { database?: unknown };
}

/**
 * Starts the checkout span of a mysql2 pool under `parent` and returns what ends it (with the
 * checkout's error, if any); undefined when `parent` records nothing.
 */
export function startMysql2Checkout(tracer: Tracer, parent: Context, pool: unknown): ((err: unknown) => void) | undefined {
  try {
    if (trace.getSpan(parent)?.isRecording() !== true) return undefined;
    const config = (pool as { config?: Mysql2PoolConfig } | null)?.config;
    const database = config?.connectionConfig?.database;
    const limit = config?.connectionLimit;
    const span = tracer.startSpan(
      MYSQL2_CHECKOUT_SPAN,
      {
        kind: SpanKind.CLIENT,
        attributes: {
          'db.system.name': 'mysql',
          ...(typeof database === 'string' && database !== '' && { 'db.namespace': database }),
          // The pool's size, as pg's span carries its own (db.postgresql.max.client).
          ...(typeof limit === 'number' && { 'db.client.connection.pool.max': limit }),
        },
      },
      parent,
    );
    return (err: unknown) => {
      try {
        if (err) span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) });
        span.end();
      } catch (e) {
        report('internal', `mysql2 checkout span: ${describe(e)}`);
      }
    };
  } catch (err) {
    report('internal', `mysql2 checkout span: ${describe(err)}`);
    return undefined;
  }
}
