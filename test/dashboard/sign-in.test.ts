// The dashboard token without a cookie, in Chromium against a real collector started with a
// dashboard token: the shell loads for anyone and the page asks for the token (a sign-in view)
// when the API answers 401; `?token=` / `#token=` sign in once and leave the address bar; the
// token is kept for the origin (a second page needs nothing), sent on every fetch and on the
// live stream; a wrong one is refused with a message; "Forget token" removes it; an old cookie
// neither signs in nor survives. The collector never sets a cookie.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { eventually, useCollectorAndBrowser } from './support/browser-harness';

const TOKEN = 'dash-s3cret-0123';
const rig = useCollectorAndBrowser({ dashboardToken: TOKEN });

/** A fresh browser context whose every response is checked for Set-Cookie. */
async function context(): Promise<{ ctx: BrowserContext; cookiesSet: string[]; pageErrors: string[]; open(path: string): Promise<Page> }> {
  const ctx = await rig.browser.newContext({ viewport: { width: 1280, height: 800 } });
  const cookiesSet: string[] = [];
  const pageErrors: string[] = [];
  ctx.on('response', (res) => {
    res.headerValue('set-cookie').then(
      (v) => {
        if (v !== null) cookiesSet.push(`${res.url()}: ${v}`);
      },
      // A response still arriving when a test closes its context: nothing left to check, and
      // unhandled, the rejection failed the file (seen once in a full run).
      () => undefined,
    );
  });
  return {
    ctx,
    cookiesSet,
    pageErrors,
    async open(path: string) {
      const page = await ctx.newPage();
      page.on('pageerror', (e) => pageErrors.push(e.message));
      await page.goto(`${rig.collector.httpUrl}${path}`);
      return page;
    },
  };
}

const signInView = (page: Page) => page.locator('[data-testid="sign-in"]');
const dashboard = (page: Page) => page.locator('[data-testid="start-agent"]'); // the empty collector's overview
const storedToken = (page: Page) => page.evaluate(() => window.localStorage.getItem('headroom.token'));
const liveState = (page: Page) => page.evaluate(() => document.documentElement.dataset.live ?? '');

test('without a token the shell loads and shows the sign-in view; the API stays closed', async () => {
  const api = await fetch(`${rig.collector.httpUrl}/api/services`);
  assert.equal(api.status, 401);
  assert.equal(((await api.json()) as { error: { code: string } }).error.code, 'HR_API_UNAUTHORIZED');

  const c = await context();
  try {
    const page = await c.open('/');
    await signInView(page).waitFor();
    const field = page.locator('#sign-in-token');
    assert.equal(await field.getAttribute('type'), 'password');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'sign-in-token', 'the field has the focus');
    const text = (await signInView(page).textContent()) ?? '';
    assert.match(text, /--dashboard-token/);
    assert.match(text, /HEADROOM_DASHBOARD_TOKEN/);
    assert.equal(await page.locator('[data-testid="sign-in-error"]').textContent(), '', 'no error before a try');
    assert.equal(await page.locator('.forget-token').count(), 0);
    assert.deepEqual(c.cookiesSet, []);
    assert.deepEqual(c.pageErrors, []);
  } finally {
    await c.ctx.close();
  }
});

test('/?token= signs in, leaves the address bar, and a second page of the same browser needs nothing; the live stream connects with it', async () => {
  const c = await context();
  try {
    const page = await c.open('/?token=' + TOKEN);
    await dashboard(page).waitFor();
    assert.equal(new URL(page.url()).search, '', 'the token left the address bar');
    assert.equal(await storedToken(page), TOKEN);
    await eventually('the live stream', () => liveState(page), (s) => s === 'live');

    const second = await c.open('/alerts');
    await second.locator('h1').first().waitFor();
    await eventually('the second page live', () => liveState(second), (s) => s === 'live');
    assert.equal(await signInView(second).count(), 0);
    assert.equal(await second.locator('.state-error').count(), 0, 'its API calls were answered');

    // A fragment (never sent to the server) signs in the same way.
    const c2 = await context();
    try {
      const fromFragment = await c2.open('/#token=' + TOKEN);
      await dashboard(fromFragment).waitFor();
      assert.equal(new URL(fromFragment.url()).hash, '');
      assert.deepEqual(c2.cookiesSet, []);
    } finally {
      await c2.ctx.close();
    }
    assert.deepEqual(await c.ctx.cookies(), []);
    assert.deepEqual(c.cookiesSet, [], 'the collector sets no cookie');
    assert.deepEqual(c.pageErrors, []);
  } finally {
    await c.ctx.close();
  }
});

test('a wrong token shows the sign-in view with its error; typing the right one signs in; Forget token signs out', async () => {
  const c = await context();
  try {
    const page = await c.open('/?token=wrong-token');
    await signInView(page).waitFor();
    assert.match((await page.locator('.sign-in-note').textContent()) ?? '', /refused/);

    await page.locator('#sign-in-token').fill('still-wrong');
    await page.keyboard.press('Enter');
    await eventually('the error line', async () => (await page.locator('[data-testid="sign-in-error"]').textContent()) ?? '', (t) => /Wrong token/.test(t));
    assert.equal(await page.locator('#sign-in-token').getAttribute('aria-invalid'), 'true');
    assert.equal(await storedToken(page), 'wrong-token', 'a refused token is not kept');

    await page.locator('#sign-in-token').fill(TOKEN);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await dashboard(page).waitFor();
    assert.equal(await storedToken(page), TOKEN);
    await eventually('the live stream', () => liveState(page), (s) => s === 'live');

    await page.locator('.forget-token').click();
    await signInView(page).waitFor();
    assert.equal(await storedToken(page), null);
    assert.equal(await page.locator('.sign-in-note').count(), 0, 'nothing kept, nothing refused');
    assert.deepEqual(c.cookiesSet, []);
    assert.deepEqual(c.pageErrors, []);
  } finally {
    await c.ctx.close();
  }
});

test('an old token cookie does not sign in, and the collector expires it', async () => {
  const c = await context();
  try {
    const port = new URL(rig.collector.httpUrl).port;
    await c.ctx.addCookies([{ name: `headroom_token_${port}`, value: TOKEN, domain: '127.0.0.1', path: '/', httpOnly: true, sameSite: 'Strict' }]);
    const page = await c.open('/');
    await signInView(page).waitFor();
    await eventually('the cookie expired', () => c.ctx.cookies(), (list) => list.length === 0);
    assert.ok(c.cookiesSet.length > 0 && c.cookiesSet.every((v) => v.includes(`headroom_token_${port}=;`) && /Max-Age=0/.test(v)), c.cookiesSet.join('\n'));
  } finally {
    await c.ctx.close();
  }
});
