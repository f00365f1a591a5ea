// Which build the agent says the app is: service.version from the app's package.json, unless
// OTEL_RESOURCE_ATTRIBUTES sets one, and the commit a hosting platform names at run time.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { readSettings } from '../../agent/src/config/settings';
import { appPackageFrom } from '../../agent/src/config/service-name';
import { versionAttributes } from '../../agent/src/config/service-version';
import { buildResource } from '../../agent/src/resource';

test("the app's package.json gives the version beside the name; a version that is not text is none", () => {
  const files: Record<string, string> = {
    '/srv/app/package.json': JSON.stringify({ name: 'shop-api', version: ' 2.3.1 ' }),
    '/srv/bare/package.json': JSON.stringify({ name: 'bare' }),
    '/srv/odd/package.json': JSON.stringify({ name: 'odd', version: 2 }),
  };
  const read = (path: string): string => {
    const text = files[path];
    if (text === undefined) throw new Error('ENOENT');
    return text;
  };
  assert.deepEqual(appPackageFrom('/srv/app/src', read), { name: 'shop-api', version: '2.3.1' });
  assert.deepEqual(appPackageFrom('/srv/bare', read), { name: 'bare', version: null });
  assert.deepEqual(appPackageFrom('/srv/odd', read), { name: 'odd', version: null });
});

test("the platform's commit is the revision: Heroku's dyno metadata first, then Render's; none is nothing", () => {
  const pkg = { name: 'shop', version: '1.0.0' };
  assert.deepEqual(versionAttributes(pkg, {}), { 'service.version': '1.0.0' });
  assert.deepEqual(versionAttributes(null, { RENDER_GIT_COMMIT: 'r1' }), { 'vcs.ref.head.revision': 'r1' });
  assert.deepEqual(versionAttributes(pkg, { HEROKU_SLUG_COMMIT: 'h1', RENDER_GIT_COMMIT: 'r1' }), { 'service.version': '1.0.0', 'vcs.ref.head.revision': 'h1' });
  // Blank or absurd values (a whole changelog) are not sent.
  assert.deepEqual(versionAttributes({ name: 'shop', version: null }, { HEROKU_SLUG_COMMIT: ' ', RENDER_GIT_COMMIT: 'x'.repeat(300) }), {});
});

test('the resource carries the version from package.json, and OTEL_RESOURCE_ATTRIBUTES wins over it', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'headroom-version-'));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'versioned-shop', version: '3.1.0' }));
  const argv1 = process.argv[1];
  const attrs = process.env.OTEL_RESOURCE_ATTRIBUTES;
  const heroku = process.env.HEROKU_SLUG_COMMIT;
  t.after(() => {
    process.argv[1] = argv1 as string;
    for (const [name, value] of [['OTEL_RESOURCE_ATTRIBUTES', attrs], ['HEROKU_SLUG_COMMIT', heroku]] as const) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    rmSync(dir, { recursive: true, force: true });
  });
  process.argv[1] = join(dir, 'server.js');
  delete process.env.OTEL_RESOURCE_ATTRIBUTES;
  process.env.HEROKU_SLUG_COMMIT = 'c0ffee1';
  const { settings } = readSettings({});

  const fromPackage = buildResource(settings).attributes;
  assert.equal(fromPackage['service.name'], 'versioned-shop');
  assert.equal(fromPackage['service.version'], '3.1.0');
  assert.equal(fromPackage['vcs.ref.head.revision'], 'c0ffee1');

  process.env.OTEL_RESOURCE_ATTRIBUTES = 'service.version=3.2.0-hotfix,vcs.ref.head.revision=deadbee';
  const fromEnv = buildResource(settings).attributes;
  assert.equal(fromEnv['service.version'], '3.2.0-hotfix');
  assert.equal(fromEnv['vcs.ref.head.revision'], 'deadbee');
});
