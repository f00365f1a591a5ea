// A throwaway MariaDB server for tests: a data dir made by mariadb-install-db in a temp dir, the
// server listening on a unix socket in that dir only (no TCP port to collide with), root without
// a password, stopped and removed by stop(). As root it runs as the `mysql` user.
import { execFile, spawn } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface TestMariaDb {
  socket: string;
  /** MYSQL_SOCKET and MYSQL_USER for a mysql2 app. */
  env: Record<string, string>;
  stop(): Promise<void>;
}

/** Debian's layout (apt-get install mariadb-server). */
function firstExisting(paths: string[], what: string): string {
  const found = paths.find((p) => existsSync(p));
  if (found === undefined) throw new Error(`MariaDB is not installed: no ${what} (apt-get install -y mariadb-server; .ci/run installs it)`);
  return found;
}

function canConnect(socket: string): Promise<boolean> {
  return new Promise((resolve) => {
    const c = createConnection(socket, () => {
      c.destroy();
      resolve(true);
    });
    c.on('error', () => resolve(false));
  });
}

export async function startMariaDb(): Promise<TestMariaDb> {
  const server = firstExisting(['/usr/sbin/mariadbd', '/usr/sbin/mysqld'], '/usr/sbin/mariadbd');
  const installDb = firstExisting(['/usr/bin/mariadb-install-db', '/usr/bin/mysql_install_db'], '/usr/bin/mariadb-install-db');
  const dir = mkdtempSync(join(tmpdir(), 'headroom-mariadb-'));
  const data = join(dir, 'data');
  const socket = join(dir, 'mysqld.sock');
  const log = join(dir, 'server.log');
  const asRoot = process.getuid?.() === 0;
  const user = asRoot ? ['--user=mysql'] : [];
  if (asRoot) {
    const uid = Number((await run('id', ['-u', 'mysql'])).stdout.trim());
    const gid = Number((await run('id', ['-g', 'mysql'])).stdout.trim());
    chownSync(dir, uid, gid);
  }
  const fail = (why: string, cause?: unknown): Error => new Error(`MariaDB did not start: ${why}\n${existsSync(log) ? readFileSync(log, 'utf8') : ''}`, { cause });
  try {
    await run(installDb, ['--no-defaults', `--datadir=${data}`, ...user, '--auth-root-authentication-method=normal', '--skip-test-db'], { cwd: dir });
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw fail(String(err), err);
  }
  const child = spawn(server, ['--no-defaults', `--datadir=${data}`, ...user, `--socket=${socket}`, '--skip-networking', `--pid-file=${join(dir, 'server.pid')}`, `--log-error=${log}`], {
    cwd: dir,
    stdio: 'ignore',
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  // Ready when its socket accepts a connection; a start on a crowded machine takes seconds.
  const deadline = Date.now() + 30_000;
  while (!(await canConnect(socket))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      const err = fail(child.exitCode !== null ? `exited with ${child.exitCode}` : 'no socket after 30 s');
      await stop();
      throw err;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { socket, env: { MYSQL_SOCKET: socket, MYSQL_USER: 'root' }, stop };
}
