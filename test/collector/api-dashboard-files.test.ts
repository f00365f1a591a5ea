// The HTTP port's non-API paths: the built dashboard with its single-page-app fallback, or
// the plain page before the dashboard is built.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { makeTempDir, startTestCollector, type TempDir, type TestCollector } from './support/collector-harness';

const INDEX = '<!doctype html><html><head><title>Headroom test build</title><script type="module" src="/assets/app-1a2b.js"></script></head><body></body></html>';

describe('dashboard files', () => {
  let dist: TempDir;
  let built: TestCollector;
  let unbuilt: TestCollector;

  before(async () => {
    dist = makeTempDir('headroom-dist-');
    mkdirSync(path.join(dist.path, 'assets'));
    writeFileSync(path.join(dist.path, 'index.html'), INDEX);
    writeFileSync(path.join(dist.path, 'assets', 'app-1a2b.js'), 'console.log("dashboard");\n');
    writeFileSync(path.join(dist.path, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
    built = await startTestCollector({ dashboardDir: dist.path });
    unbuilt = await startTestCollector({ dashboardDir: null });
  });

  after(async () => {
    await built.dispose();
    await unbuilt.dispose();
    dist.remove();
  });

  it('serves index.html for the app routes and the files as they are', async () => {
    for (const route of ['/', '/services/checkout', '/traces/0af7651916cd43dd8448eb211c80319c']) {
      const res = await fetch(`${built.httpUrl}${route}`);
      assert.equal(res.status, 200, route);
      assert.match(res.headers.get('content-type') ?? '', /text\/html/, route);
      assert.equal(res.headers.get('cache-control'), 'no-cache', route);
      assert.equal(await res.text(), INDEX, route);
    }
    const asset = await fetch(`${built.httpUrl}/assets/app-1a2b.js`);
    assert.equal(asset.status, 200);
    assert.match(asset.headers.get('content-type') ?? '', /javascript/);
    assert.match(asset.headers.get('cache-control') ?? '', /immutable/);
    assert.match(await asset.text(), /dashboard/);
    const icon = await fetch(`${built.httpUrl}/favicon.svg`);
    assert.equal(icon.headers.get('cache-control'), 'no-cache');
    assert.match(icon.headers.get('content-security-policy') ?? '', /default-src 'self'/);
  });

  it('keeps /api answering JSON, never the app page', async () => {
    const res = await fetch(`${built.httpUrl}/api/no-such-thing`);
    assert.equal(res.status, 404);
    assert.match(res.headers.get('content-type') ?? '', /application\/json/);
    assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'HR_API_NOT_FOUND');
    const ws = await fetch(`${built.httpUrl}/ws`);
    assert.notEqual(await ws.text(), INDEX);
  });

  it('serves a plain page saying the API is up before the dashboard is built', async () => {
    const res = await fetch(`${unbuilt.httpUrl}/`);
    assert.equal(res.status, 200);
    const html = await res.text();
    assert.match(html, /Headroom collector is running/);
    assert.match(html, /\/api\/services/);
    assert.match(html, /docs\/api\.md/);
    assert.doesNotMatch(html, /<script/);
    assert.equal((await fetch(`${unbuilt.httpUrl}/services/checkout`)).status, 404);
  });
});
