// One collector per database: a second `headroom start` on a file another collector uses is
// refused at start (HR_STORE_LOCKED, naming the pid and the file), since both would evaluate
// alert rules and deliver every notification twice (QA pass 4). The lock goes with the
// process, a clean stop or a kill -9 alike.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { HeadroomError } from '../../collector/src/errors';
import { openSqliteStorage } from '../../collector/src/store/sqlite';
import { DAY_MS, tempDir } from './store-helpers';
import { startCli } from './support/cli-process';

const retention = { rawMs: 3 * DAY_MS, rollupMs: 30 * DAY_MS };

async function refusedStart(path: string): Promise<{ code: number | null; stderr: string }> {
  try {
    const started = await startCli(['--db', path]);
    await started.stop();
  } catch (err) {
    return err as { code: number | null; stderr: string };
  }
  assert.fail('the second collector started');
}

test('a second collector process on the same database is refused, and starts once the first is gone', async (t) => {
  const path = join(tempDir(t), 'shared.db');
  const first = await startCli(['--db', path]);
  t.after(() => first.stop());

  const second = await refusedStart(path);
  assert.equal(second.code, 2);
  const lines = second.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, second.stderr);
  assert.match(lines[0]!, /^headroom: HR_STORE_LOCKED: /);
  assert.ok(lines[0]!.includes(`another collector (pid ${first.child.pid}) uses ${path}`), lines[0]);
  // The first one is untouched.
  assert.equal((await fetch(`${first.httpUrl}/healthz`)).status, 200);

  // A clean stop lets the next one in; so does a kill -9 (the OS drops the lock with the process).
  assert.equal(await first.stop(), 0);
  const third = await startCli(['--db', path]);
  third.child.kill('SIGKILL');
  await third.exit;
  const fourth = await startCli(['--db', path]);
  t.after(() => fourth.stop());
  assert.equal((await fetch(`${fourth.httpUrl}/healthz`)).status, 200);
});

test('in one process too, a second store on an open file is refused; closing the first frees it', async (t) => {
  const path = join(tempDir(t), 'data', 'headroom.db');
  const first = openSqliteStorage({ path, retention, maintenanceIntervalMs: 0 });
  assert.throws(
    () => openSqliteStorage({ path, retention, maintenanceIntervalMs: 0 }),
    (err: unknown) => err instanceof HeadroomError && err.code === 'HR_STORE_LOCKED' && err.message.includes(`(pid ${process.pid}) uses ${path}`),
  );
  await first.close();
  const again = openSqliteStorage({ path, retention, maintenanceIntervalMs: 0 });
  await again.close();
});
