// HEADROOM_DB_STATEMENT: the query text of a SQL database span (`db.query.text`, and
// `db.statement` of the conventions before 1.26) with its literals replaced by `?`
// (sql-literals.ts), by default; `raw` keeps it as the instrumentation recorded it. Applied as a
// kept span enters the export queue: spans that are never exported cost nothing, and a span is
// changed once, however often it is sent.
import type { AttributeValue } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { describe, report } from '../report';
import { sanitizeSql, sqlDialectOf } from './sql-literals';

export type DbStatementMode = 'sanitized' | 'raw';

const STATEMENT_KEYS = ['db.query.text', 'db.statement'] as const;

/** Sanitises the span's query text in place (an ended span's attributes are a plain object) and returns it. */
export function sanitizeDbStatement(span: ReadableSpan): ReadableSpan {
  const attributes = span.attributes as Record<string, AttributeValue | undefined>;
  const system = attributes['db.system.name'] ?? attributes['db.system'];
  if (system === undefined) return span;
  const dialect = sqlDialectOf(system);
  if (dialect === null) return span;
  for (const key of STATEMENT_KEYS) {
    const text = attributes[key];
    if (typeof text !== 'string') continue;
    try {
      attributes[key] = sanitizeSql(text, dialect);
    } catch (err) {
      // Never the raw text: a statement that could not be sanitised is not sent at all.
      attributes[key] = '?';
      report('internal', `db statement sanitiser: ${describe(err)}`);
    }
  }
  return span;
}
