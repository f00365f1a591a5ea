// Replaces the literals of a SQL text by `?`: the semantic conventions ask that a query text
// that is not parameterised be sanitised by default (db.query.text: "non-parameterized query
// text SHOULD NOT be collected by default unless there is sanitization that excludes sensitive
// information"), and the instrumentations (pg, mysql2, tedious, …) record it as written, secrets
// included (`customer <> 'sk_live_…'`).
//
// One pass over the text, a small lexer: quoted strings (doubled quotes, backslash escapes where
// the dialect has them, E'…', N'…', X'…', B'…', U&'…', MySQL's _charset'…'), PostgreSQL's
// dollar-quoted strings, Oracle's q'[…]', numbers (decimal, exponent, hex, binary, octal) become `?`. Kept as
// written: identifiers (quoted ones too, digits inside them), keywords (NULL, TRUE), comments,
// placeholders (`?`, `$1`, `:name`, `:1`, `@p1`) and every operator. A string left unterminated
// is replaced to the end of the text: when unsure, hide rather than show.

export interface SqlDialect {
  /** A backslash escapes the next character inside '…' (MySQL, MariaDB; PostgreSQL only in E'…'). */
  backslashEscapes: boolean;
  /** "…" is a string, not an identifier (MySQL and MariaDB unless ANSI_QUOTES). */
  doubleQuotedStrings: boolean;
  /** `#` starts a comment to the end of the line (MySQL, MariaDB). */
  hashComments: boolean;
  /** $tag$…$tag$ strings, and /* comments nest (PostgreSQL and its kin). */
  postgres: boolean;
  /** […] is a quoted identifier (SQL Server, Sybase). */
  bracketIdentifiers: boolean;
}

export const STANDARD_SQL: SqlDialect = { backslashEscapes: false, doubleQuotedStrings: false, hashComments: false, postgres: false, bracketIdentifiers: false };

const MYSQL: SqlDialect = { ...STANDARD_SQL, backslashEscapes: true, doubleQuotedStrings: true, hashComments: true };
const POSTGRES: SqlDialect = { ...STANDARD_SQL, postgres: true };
const MSSQL: SqlDialect = { ...STANDARD_SQL, bracketIdentifiers: true };

// The SQL systems of the semantic conventions, by `db.system` (before 1.26) and
// `db.system.name` (after): their `db.statement` / `db.query.text` is SQL.
const DIALECTS = new Map<string, SqlDialect>([
  ...['mysql', 'mariadb'].map((s) => [s, MYSQL] as const),
  ...['postgresql', 'cockroachdb', 'redshift', 'aws.redshift', 'edb'].map((s) => [s, POSTGRES] as const),
  ...['mssql', 'microsoft.sql_server', 'mssqlcompact', 'sybase'].map((s) => [s, MSSQL] as const),
  ...[
    'other_sql', 'oracle', 'oracle.db', 'sqlite', 'db2', 'ibm.db2', 'h2', 'h2database', 'hsqldb', 'derby', 'cloudscape',
    'firebird', 'firebirdsql', 'informix', 'ingres', 'actian.ingres', 'interbase', 'netezza', 'pervasive', 'pointbase',
    'progress', 'teradata', 'vertica', 'hive', 'hanadb', 'sap.hana', 'maxdb', 'sap.maxdb', 'cache', 'intersystems.cache',
    'adabas', 'softwareag.adabas', 'firstsql', 'instantdb', 'filemaker', 'coldfusion', 'clickhouse', 'spanner', 'gcp.spanner',
    'trino', 'snowflake',
  ].map((s) => [s, STANDARD_SQL] as const),
]);

/** The dialect of a database system's query text, or null when it is not SQL (Redis, MongoDB, …). */
export function sqlDialectOf(system: unknown): SqlDialect | null {
  return typeof system === 'string' ? (DIALECTS.get(system.toLowerCase()) ?? null) : null;
}

const isDigit = (c: number): boolean => c >= 48 && c <= 57;
const isHexDigit = (c: number): boolean => isDigit(c) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
/** Letters, `_` and anything outside ASCII start a word. */
const isWordStart = (c: number): boolean => (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c >= 128;
/** Digits and `$` continue one (PostgreSQL and MySQL allow `$` inside identifiers). */
const isWordPart = (c: number): boolean => isWordStart(c) || isDigit(c) || c === 36;

const CLOSING: Record<string, string> = { '[': ']', '{': '}', '(': ')', '<': '>' };
const QUOTE = 39; // '
const DOUBLE_QUOTE = 34; // "
const BACKSLASH = 92;

/** Where the quoted run that opens at `start` ends (just past its closing quote), or -1 when it never does. */
function quotedEnd(text: string, start: number, quote: number, backslash: boolean): number {
  for (let i = start + 1; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (backslash && c === BACKSLASH) {
      i++;
    } else if (c === quote) {
      if (text.charCodeAt(i + 1) !== quote) return i + 1;
      i++; // a doubled quote stands for one
    }
  }
  return -1;
}

/** Past the comment that opens at `start` (`/*`), nested ones too where the dialect nests them; the text's end when unclosed. */
function blockCommentEnd(text: string, start: number, nested: boolean): number {
  let depth = 1;
  for (let i = start + 2; i < text.length - 1; i++) {
    if (text.charCodeAt(i) === 42 && text.charCodeAt(i + 1) === 47) {
      if (--depth === 0) return i + 2;
      i++;
    } else if (nested && text.charCodeAt(i) === 47 && text.charCodeAt(i + 1) === 42) {
      depth++;
      i++;
    }
  }
  return text.length;
}

/** Past the number that starts at `start` (a digit, or `.` then a digit). */
function numberEnd(text: string, start: number): number {
  let i = start;
  const next = text.charCodeAt(start + 1) | 0x20;
  if (text.charCodeAt(start) === 48 && (next === 120 || next === 98 || next === 111)) {
    // 0x1F, 0b101, 0o17
    const digit = next === 120 ? isHexDigit : next === 98 ? (c: number) => c === 48 || c === 49 : (c: number) => c >= 48 && c <= 55;
    i = start + 2;
    while (i < text.length && (digit(text.charCodeAt(i)) || text.charCodeAt(i) === 95)) i++;
    if (i > start + 2) return i;
    i = start;
  }
  while (i < text.length && (isDigit(text.charCodeAt(i)) || text.charCodeAt(i) === 95)) i++;
  if (text.charCodeAt(i) === 46) {
    i++;
    while (i < text.length && isDigit(text.charCodeAt(i))) i++;
  }
  if ((text.charCodeAt(i) | 0x20) === 101) {
    let j = i + 1;
    if (text.charCodeAt(j) === 43 || text.charCodeAt(j) === 45) j++;
    if (isDigit(text.charCodeAt(j))) {
      while (j < text.length && isDigit(text.charCodeAt(j))) j++;
      i = j;
    }
  }
  return i;
}

/** Past a dollar quote's opening tag at `start` (`$$`, `$tag$`), or -1 when `$` does not open one. */
function dollarTagEnd(text: string, start: number): number {
  let i = start + 1;
  if (i < text.length && isWordStart(text.charCodeAt(i))) {
    while (i < text.length && isWordPart(text.charCodeAt(i)) && text.charCodeAt(i) !== 36) i++;
  }
  return text.charCodeAt(i) === 36 ? i + 1 : -1;
}

/** Whether a word right before a quote is a literal's prefix: N'…', E'…', X'…', B'…', U&'…', MySQL's _utf8mb4'…'. */
function isStringPrefix(word: string): boolean {
  if (word.length === 1) return 'nNeExXbB'.includes(word);
  return word.charCodeAt(0) === 95;
}

/** The text with its literals replaced by `?`; the same string when it has none. */
export function sanitizeSql(text: string, dialect: SqlDialect = STANDARD_SQL): string {
  let out = '';
  let copied = 0; // text before this index is in `out` or replaced
  const replace = (start: number, end: number): void => {
    out += `${text.slice(copied, start)}?`;
    copied = end;
  };
  const n = text.length;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    const next = text.charCodeAt(i + 1);
    if ((c === 45 && next === 45) || (c === 35 && dialect.hashComments)) {
      // -- or # comment: kept to the end of the line
      const eol = text.indexOf('\n', i);
      i = eol === -1 ? n : eol;
    } else if (c === 47 && next === 42) {
      i = blockCommentEnd(text, i, dialect.postgres);
    } else if (c === QUOTE || (c === DOUBLE_QUOTE && dialect.doubleQuotedStrings)) {
      const end = quotedEnd(text, i, c, dialect.backslashEscapes);
      replace(i, end === -1 ? n : end);
      i = end === -1 ? n : end;
    } else if (c === DOUBLE_QUOTE || c === 96 || (c === 91 && dialect.bracketIdentifiers)) {
      // "identifier", `identifier`, [identifier]: kept; unclosed, the quote is just a character
      const end = quotedEnd(text, i, c === 91 ? 93 : c, false);
      i = end === -1 ? i + 1 : end;
    } else if (isWordStart(c)) {
      const start = i;
      while (i < n && isWordPart(text.charCodeAt(i))) i++;
      const word = text.slice(start, i);
      const after = text.charCodeAt(i);
      const unicode = (word === 'U' || word === 'u') && after === 38 && text.charCodeAt(i + 1) === QUOTE; // U&'…'
      if (after === QUOTE && (word === 'q' || word === 'Q' || word === 'nq' || word === 'NQ' || word === 'Nq' || word === 'nQ') && i + 2 < n) {
        // Oracle's q'[…]', q'{…}', q'!…!': closed by the delimiter's pair (or itself) and a quote
        const open = text[i + 1]!;
        const closing = `${CLOSING[open] ?? open}'`;
        const close = text.indexOf(closing, i + 2);
        const end = close === -1 ? n : close + 2;
        replace(start, end);
        i = end;
      } else if ((after === QUOTE && isStringPrefix(word)) || unicode) {
        const quote = unicode ? i + 1 : i;
        // E'…' has backslash escapes in PostgreSQL, whatever the dialect's plain strings do.
        const end = quotedEnd(text, quote, QUOTE, dialect.backslashEscapes || word === 'E' || word === 'e');
        replace(start, end === -1 ? n : end);
        i = end === -1 ? n : end;
      }
    } else if (isDigit(c) || (c === 46 && isDigit(next))) {
      const start = i;
      i = numberEnd(text, i);
      if (i < n && isWordPart(text.charCodeAt(i))) {
        // 1st_column: a MySQL identifier may start with digits
        while (i < n && isWordPart(text.charCodeAt(i))) i++;
      } else {
        replace(start, i);
      }
    } else if (c === 36) {
      const tagEnd = dialect.postgres && !isDigit(next) ? dollarTagEnd(text, i) : -1;
      if (tagEnd === -1) {
        // $1 placeholder (or a lone $): kept with its digits
        i++;
        while (i < n && isDigit(text.charCodeAt(i))) i++;
      } else {
        const close = text.indexOf(text.slice(i, tagEnd), tagEnd);
        const end = close === -1 ? n : close + (tagEnd - i);
        replace(i, end);
        i = end;
      }
    } else if ((c === 58 || c === 64) && (isWordPart(next) || next === c)) {
      // :name, :1, @p1, @@version, ::type — named and numbered placeholders, casts, variables
      i++;
      while (i < n && (isWordPart(text.charCodeAt(i)) || text.charCodeAt(i) === c)) i++;
    } else {
      i++;
    }
  }
  return copied === 0 ? text : out + text.slice(copied);
}
