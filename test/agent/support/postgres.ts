// A throwaway PostgreSQL cluster for tests: initdb in a temp dir, the server listening on a
// unix socket in that dir only (no TCP port to collide with), trust auth, stopped and removed
// by stop(). PostgreSQL refuses to run as root, so as root it runs as the `postgres` user.
import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface TestPostgres {
  /** The socket directory: what libpq and node-postgres take as the host (PGHOST). */
  host: string;
  user: string;
  database: string;
  /** PG* variables for a node-postgres app. */
  env: Record<string, string>;
  stop(): Promise<void>;
}

const ROOT = '/usr/lib/postgresql';

/** The newest installed server's bin folder (Debian's layout, /usr/lib/postgresql/<major>/bin). */
function serverBin(): string {
  const majors = existsSync(ROOT) ? readdirSync(ROOT).filter((d) => existsSync(join(ROOT, d, 'bin', 'initdb'))) : [];
  majors.sort((a, b) => Number(b) - Number(a));
  if (majors[0] === undefined) {
    throw new Error(`PostgreSQL is not installed: no ${ROOT}/*/bin/initdb (apt-get install -y postgresql; .ci/run installs it)`);
  }
  return join(ROOT, majors[0], 'bin');
}

export async function startPostgres(): Promise<TestPostgres> {
  const bin = serverBin();
  const dir = mkdtempSync(join(tmpdir(), 'headroom-pg-'));
  const data = join(dir, 'data');
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const uid = Number((await run('id', ['-u', 'postgres'])).stdout.trim());
    const gid = Number((await run('id', ['-g', 'postgres'])).stdout.trim());
    chownSync(dir, uid, gid);
  }
  const pg = (tool: string, args: string[]) =>
    asRoot ? run('runuser', ['-u', 'postgres', '--', join(bin, tool), ...args], { cwd: dir }) : run(join(bin, tool), args, { cwd: dir });
  const user = 'headroom';
  let started = false;
  const stop = async (): Promise<void> => {
    try {
      if (started) await pg('pg_ctl', ['stop', '-D', data, '-m', 'immediate', '-w']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
  try {
    await pg('initdb', ['-D', data, '-U', user, '--auth=trust', '-E', 'UTF8', '--no-sync']);
    // No TCP listener (-h ''), the socket in the temp dir; durability is not the point here.
    started = true;
    await pg('pg_ctl', ['start', '-D', data, '-w', '-t', '30', '-l', join(dir, 'server.log'), '-o', `-h '' -k ${dir} -c fsync=off`]);
  } catch (err) {
    const log = existsSync(join(dir, 'server.log')) ? readFileSync(join(dir, 'server.log'), 'utf8') : '';
    await stop().catch(() => {});
    throw new Error(`PostgreSQL did not start: ${String(err)}\n${log}`, { cause: err });
  }
  return { host: dir, user, database: 'postgres', env: { PGHOST: dir, PGUSER: user, PGDATABASE: 'postgres' }, stop };
}
