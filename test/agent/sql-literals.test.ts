// The SQL sanitiser: literals become `?`; identifiers, placeholders, comments and operators stay.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { sanitizeDbStatement } from '../../agent/src/export/db-statement';
import { sanitizeSql, sqlDialectOf, STANDARD_SQL, type SqlDialect } from '../../agent/src/export/sql-literals';

const pg = sqlDialectOf('postgresql')!;
const mysql = sqlDialectOf('mysql')!;
const mssql = sqlDialectOf('mssql')!;
const oracle = sqlDialectOf('oracle')!;

function cases(dialect: SqlDialect, pairs: [string, string][]): void {
  for (const [input, expected] of pairs) assert.equal(sanitizeSql(input, dialect), expected, input);
}

describe('sanitizeSql', () => {
  test("the QA's query: both string literals", () => {
    cases(pg, [["SELECT count(*) FROM orders WHERE customer = 'alice' AND customer <> 'sk_live_SECRET123'", 'SELECT count(*) FROM orders WHERE customer = ? AND customer <> ?']]);
  });

  test('strings: doubled quotes, backslashes as the dialect reads them, prefixes', () => {
    cases(pg, [
      ["SELECT 'it''s', 'x'", 'SELECT ?, ?'],
      // standard_conforming_strings: a backslash is a character; the string ends at the quote
      ["SELECT 'C:\\' AS path, 'b'", 'SELECT ? AS path, ?'],
      ["SELECT E'it\\'s here' , 1", 'SELECT ? , ?'],
      ["SELECT U&'d\\0061t\\+000061', B'0101', X'1F'", 'SELECT ?, ?, ?'],
      ["SELECT 'a'\n'b'", 'SELECT ?\n?'],
    ]);
    cases(mysql, [
      ["SELECT * FROM t WHERE a = 'it\\'s' AND b = \"dq \\\" secret\"", 'SELECT * FROM t WHERE a = ? AND b = ?'],
      ["SELECT _utf8mb4'abc', x'ff', b'01', N'n'", 'SELECT ?, ?, ?, ?'],
    ]);
    cases(mssql, [["SELECT [first name] FROM [dbo].[t] WHERE n = N'Ünïcode' AND c = 'o''k'", 'SELECT [first name] FROM [dbo].[t] WHERE n = ? AND c = ?']]);
    cases(oracle, [["SELECT q'[it's]', nq'{x}', q'!a!' FROM dual", 'SELECT ?, ?, ? FROM dual']]);
  });

  test('dollar-quoted strings, not $1 placeholders', () => {
    cases(pg, [
      ['SELECT $$secret$$, $tag$it\'s $$ nested$tag$ FROM t WHERE id = $1 AND x = $12', 'SELECT ?, ? FROM t WHERE id = $1 AND x = $12'],
      ['SELECT a$b$c FROM t', 'SELECT a$b$c FROM t'],
    ]);
  });

  test('numbers of every form; digits inside identifiers and placeholders stay', () => {
    cases(pg, [
      ['SELECT 1, -2.5, .5, 6., 1e10, 2.5E-3, 0x1F, 0b101, 0o17, 1_000_000 FROM t1', 'SELECT ?, -?, ?, ?, ?, ?, ?, ?, ?, ? FROM t1'],
      ['SELECT col2, "col 3", t1.c4 FROM s1.t2 WHERE c = 10 LIMIT 5 OFFSET 20', 'SELECT col2, "col 3", t1.c4 FROM s1.t2 WHERE c = ? LIMIT ? OFFSET ?'],
      ["SELECT '1'::int, x::numeric FROM t WHERE id IN (1, 2, 3)", 'SELECT ?::int, x::numeric FROM t WHERE id IN (?, ?, ?)'],
    ]);
    cases(oracle, [['SELECT * FROM t WHERE a = :1 AND b = :name', 'SELECT * FROM t WHERE a = :1 AND b = :name']]);
    cases(mssql, [['SELECT @@version, @p1, 42', 'SELECT @@version, @p1, ?']]);
    cases(mysql, [['SELECT * FROM `t 1` WHERE `c2` = ? AND d = 7', 'SELECT * FROM `t 1` WHERE `c2` = ? AND d = ?']]);
  });

  test('comments are kept whole, quotes inside them start nothing', () => {
    cases(pg, [
      ["SELECT 1 -- don't\nFROM t WHERE a = 'x'", "SELECT ? -- don't\nFROM t WHERE a = ?"],
      ["/* it's /* nested */ still */ SELECT 'x'", "/* it's /* nested */ still */ SELECT ?"],
      ["SELECT 'x' /*traceparent='00-abc-01'*/", "SELECT ? /*traceparent='00-abc-01'*/"],
    ]);
    cases(mysql, [
      ["SELECT 'a' # don't\n, 2", "SELECT ? # don't\n, ?"],
      // MySQL does not nest comments: what follows the first */ is SQL
      ["/* a /* b */ SELECT 'secret'", '/* a /* b */ SELECT ?'],
    ]);
  });

  test('quoted identifiers keep what is inside them', () => {
    cases(pg, [['SELECT "it\'s" FROM "Table1" WHERE "x""y" = 5', 'SELECT "it\'s" FROM "Table1" WHERE "x""y" = ?']]);
  });

  test('an unterminated string hides the rest of the text', () => {
    cases(pg, [
      ["SELECT * FROM t WHERE a = 'sk_live_SECRET", 'SELECT * FROM t WHERE a = ?'],
      ['SELECT $x$never closed', 'SELECT ?'],
    ]);
    cases(mysql, [["SELECT 'it\\'s a secret", 'SELECT ?']]);
  });

  test('a text without literals is returned as it is; sanitising twice changes nothing more', () => {
    const text = 'SELECT id, name FROM users WHERE id = $1 AND tenant = $2';
    assert.equal(sanitizeSql(text, pg), text);
    const once = sanitizeSql("UPDATE t SET a = 'x', b = 2 WHERE c = ?", STANDARD_SQL);
    assert.equal(once, 'UPDATE t SET a = ?, b = ? WHERE c = ?');
    assert.equal(sanitizeSql(once, STANDARD_SQL), once);
  });

  test('SQL systems have a dialect, other databases none', () => {
    for (const system of ['postgresql', 'mysql', 'mariadb', 'mssql', 'microsoft.sql_server', 'oracle', 'oracle.db', 'sqlite', 'db2', 'other_sql']) assert.ok(sqlDialectOf(system), system);
    for (const system of ['redis', 'mongodb', 'cassandra', 'elasticsearch', undefined, 42]) assert.equal(sqlDialectOf(system), null, String(system));
  });
});

describe('sanitizeDbStatement', () => {
  const span = (attributes: Record<string, unknown>): ReadableSpan => ({ attributes }) as unknown as ReadableSpan;

  test('both the old and the new attribute of a SQL system', () => {
    const s = sanitizeDbStatement(span({ 'db.system': 'postgresql', 'db.statement': "SELECT 'a'", 'db.query.text': 'SELECT 2' }));
    assert.deepEqual(s.attributes, { 'db.system': 'postgresql', 'db.statement': 'SELECT ?', 'db.query.text': 'SELECT ?' });
    const t = sanitizeDbStatement(span({ 'db.system.name': 'mysql', 'db.query.text': 'SELECT "secret"' }));
    assert.equal(t.attributes['db.query.text'], 'SELECT ?');
  });

  test("other databases' statements and spans without one are left alone", () => {
    const redis = { 'db.system': 'redis', 'db.statement': 'set k:1 [1 other arguments]' };
    assert.deepEqual(sanitizeDbStatement(span({ ...redis })).attributes, redis);
    const http = { 'http.request.method': 'GET', 'url.path': "/a'1" };
    assert.deepEqual(sanitizeDbStatement(span({ ...http })).attributes, http);
  });
});
