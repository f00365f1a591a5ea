// With the agent in NODE_OPTIONS every Node process of `npm start` or `npx tsx app.ts` loads
// it; the launchers (npm, npx, tsx's CLI, …) run the app as their child and must not report
// as instances of their own (QA4: one app showed as three). A real node process whose main
// script sits where npm's does, under the real agent and a real collector.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { InstancesResponse } from '../../collector/src/api-types';
import { launcherName } from '../../agent/src/launcher';
import { RANGE, REGISTER, startTestCollector } from './support/harness';

test('launchers are told from apps by their main script', () => {
  for (const launcher of [
    '/usr/lib/node_modules/npm/bin/npm-cli.js',
    '/usr/local/lib/node_modules/npm/bin/npx-cli.js',
    '/usr/bin/npm',
    '/app/node_modules/.bin/tsx',
    '/app/node_modules/tsx/dist/cli.mjs',
    '/app/node_modules/.bin/nodemon',
    '/usr/lib/node_modules/corepack/dist/pnpm.js',
    '/home/u/.yarn/bin/yarn.js',
    'C:\\Program Files\\nodejs\\node_modules\\npm\\bin\\npm-cli.js',
  ]) assert.notEqual(launcherName(launcher), null, launcher);
  for (const app of ['/srv/app/server.js', '/srv/app/dist/cli.js', '/app/node_modules/ts-node/dist/bin.js', '/srv/npm-mirror/index.js', undefined, '']) {
    assert.equal(launcherName(app), null, String(app));
  }
});

test("a launcher under the agent starts no agent and reports no instance; its child app does", async (t) => {
  const collector = await startTestCollector();
  const dir = mkdtempSync(join(tmpdir(), 'headroom-launcher-'));
  t.after(async () => {
    await collector.close();
    rmSync(dir, { recursive: true, force: true });
  });
  // A stand-in for npm: it starts the app as npm does, as a child that inherits NODE_OPTIONS.
  const app = join(dir, 'app.js');
  writeFileSync(app, `process.stdout.write('app agent: ' + typeof globalThis[Symbol.for('headroom.agent')] + '\\n');\n`);
  const npmBin = join(dir, 'node_modules', 'npm', 'bin');
  mkdirSync(npmBin, { recursive: true });
  writeFileSync(
    join(npmBin, 'npm-cli.js'),
    `process.stdout.write('launcher agent: ' + String(globalThis[Symbol.for('headroom.agent')]) + '\\n');\n` +
      `require('node:child_process').execFileSync(process.execPath, [${JSON.stringify(app)}], { stdio: 'inherit' });\n`,
  );
  const run = spawnSync(process.execPath, [join(npmBin, 'npm-cli.js')], {
    env: { ...process.env, NODE_OPTIONS: `--require ${REGISTER}`, OTEL_EXPORTER_OTLP_ENDPOINT: collector.collector.otlpUrl, OTEL_SERVICE_NAME: 'launched' },
    encoding: 'utf8',
    timeout: 30_000,
  });
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stdout, /^launcher agent: launcher$/m);
  assert.match(run.stdout, /^app agent: object$/m);
  // Only the app reported: one instance, whose pid is not the launcher's.
  const instances = await collector.api<InstancesResponse>(`/api/services/launched/instances?${RANGE()}`);
  assert.equal(instances.instances.length, 1, JSON.stringify(instances.instances.map((i) => i.pid)));
  assert.notEqual(instances.instances[0]?.pid, run.pid);
});
