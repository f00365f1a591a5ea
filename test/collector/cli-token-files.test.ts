// Tokens from files, as Kubernetes and Docker mount secrets: --ingest-token-file and
// --dashboard-token-file (HEADROOM_INGEST_TOKEN_FILE, HEADROOM_DASHBOARD_TOKEN_FILE) are read at
// start with the trailing line break trimmed, and guard the real ports as the tokens do; a
// missing, empty or unreadable file, or a token given twice, stops the start with one line
// (exit 2) that never shows what the file holds. The real `headroom start` process.
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseStartCommand } from '../../collector/src/config/start-options';
import { HeadroomError } from '../../collector/src/errors';
import { tempDir } from './store-helpers';
import { startCli } from './support/cli-process';

const INGEST = 'ingest-from-file-0123';
const DASHBOARD = 'dash-from-file-4567';

function traceRequest(token?: string): RequestInit {
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  if (token) headers.Authorization = `Bearer ${token}`;
  return { method: 'POST', headers, body: JSON.stringify({ resourceSpans: [] }) };
}

test('the tokens read from files (a trailing newline trimmed) guard the OTLP port and the API', async (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'ingest'), `${INGEST}\n`);
  writeFileSync(join(dir, 'dashboard'), `${DASHBOARD}\r\n`);
  const collector = await startCli(['--db', join(dir, 'headroom.db'), '--dashboard-token-file', join(dir, 'dashboard')], {
    HEADROOM_INGEST_TOKEN_FILE: join(dir, 'ingest'),
  });
  t.after(() => collector.stop());

  assert.equal((await fetch(`${collector.otlpUrl}/v1/traces`, traceRequest())).status, 401);
  assert.equal((await fetch(`${collector.otlpUrl}/v1/traces`, traceRequest(`${INGEST}x`))).status, 401);
  assert.equal((await fetch(`${collector.otlpUrl}/v1/traces`, traceRequest(INGEST))).status, 200);
  assert.equal((await fetch(`${collector.httpUrl}/api/services`)).status, 401);
  assert.equal((await fetch(`${collector.httpUrl}/api/services`, { headers: { Authorization: `Bearer ${DASHBOARD}` } })).status, 200);
  // A file is not a secret on the command line: no HR_CONFIG_TOKEN_IN_ARGS.
  assert.doesNotMatch(collector.stderr(), /HR_CONFIG_TOKEN_IN_ARGS/);
});

test('a missing, empty or unreadable token file, or a token given with its file, stops the start in one line', async (t) => {
  const dir = tempDir(t);
  const empty = join(dir, 'empty');
  writeFileSync(empty, '\n');
  const spaced = join(dir, 'spaced');
  writeFileSync(spaced, 'two words\n');
  const folder = join(dir, 'folder');
  mkdirSync(folder);
  const secret = join(dir, 'secret');
  writeFileSync(secret, 'never-shown-9876\n');
  chmodSync(secret, 0o600);

  const fails = (args: string[], env: NodeJS.ProcessEnv, code: string, pattern: RegExp): void => {
    assert.throws(() => parseStartCommand(args, env), (error: unknown) => {
      assert.ok(error instanceof HeadroomError);
      assert.equal(error.code, code);
      assert.match(error.message, pattern);
      assert.ok(!error.message.includes('never-shown') && !error.message.includes('two words'), error.message);
      return true;
    });
  };
  fails(['--ingest-token-file', join(dir, 'nope')], {}, 'HR_CLI_BAD_FLAG', /--ingest-token-file ".*nope" cannot be read \(ENOENT\)/);
  fails([], { HEADROOM_DASHBOARD_TOKEN_FILE: empty }, 'HR_CONFIG_BAD_VALUE', /HEADROOM_DASHBOARD_TOKEN_FILE ".*empty" names an empty file/);
  fails(['--dashboard-token-file', folder], {}, 'HR_CLI_BAD_FLAG', /cannot be read \(EISDIR\)/);
  fails(['--ingest-token-file', spaced], {}, 'HR_CLI_BAD_FLAG', /names a file whose token has spaces or line breaks/);
  fails(['--ingest-token-file', secret], { HEADROOM_INGEST_TOKEN: 'x' }, 'HR_CLI_BAD_FLAG', /^.*HEADROOM_INGEST_TOKEN and --ingest-token-file both give the token; give one of them$/);
  fails([], { HEADROOM_DASHBOARD_TOKEN: 'x', HEADROOM_DASHBOARD_TOKEN_FILE: secret }, 'HR_CONFIG_BAD_VALUE', /HEADROOM_DASHBOARD_TOKEN and HEADROOM_DASHBOARD_TOKEN_FILE both give the token/);

  // The real process: exit 2, one line naming the file.
  const started = startCli(['--db', join(dir, 'headroom.db'), '--ingest-token-file', join(dir, 'nope')]);
  const failure = (await started.then(
    () => assert.fail('started'),
    (error: unknown) => error,
  )) as { code: number; stderr: string };
  assert.equal(failure.code, 2);
  assert.match(failure.stderr, /^headroom: HR_CLI_BAD_FLAG: .*--ingest-token-file ".*nope" cannot be read \(ENOENT\)\n$/);
});
