// A trace whose rows sit on a damaged page of the database: the trace page says the database
// file is damaged and shows the collector's message (the file, the commands that mend it), not
// "Something went wrong"; a trace on a whole page still opens. A real file damaged on purpose.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { classifyTraces, damageOneSpansPage, fillDatabase } from '../collector/support/damaged-database';
import { ARTIFACTS, ensureDashboardBuilt, launchBrowser, makeTempDir, startTestCollector, type TestCollector } from './support/browser-harness';

let dir: ReturnType<typeof makeTempDir> | undefined;
let collector: TestCollector | undefined;
let browser: Browser | undefined;
let dbPath = '';
let traces: { readable: string[]; damaged: string[] } = { readable: [], damaged: [] };
const consoleError = console.error;

before(async () => {
  ensureDashboardBuilt();
  dir = makeTempDir();
  dbPath = path.join(dir.path, 'headroom.db');
  await fillDatabase(dbPath);
  damageOneSpansPage(dbPath);
  traces = classifyTraces(dbPath);
  // The store says the damage once on stderr: not this test's output.
  console.error = () => undefined;
  collector = await startTestCollector(dbPath);
  browser = await launchBrowser();
});

after(async () => {
  console.error = consoleError;
  await browser?.close();
  await collector?.close();
  dir?.remove();
});

test("a trace on a damaged page shows the collector's message about the damaged file; another trace still opens", async () => {
  assert.ok(collector && browser && traces.damaged.length > 0 && traces.readable.length > 0);
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  try {
    await page.goto(`${collector.httpUrl}/services/shop/traces/${traces.damaged[0]}`);
    const error = page.locator('.state-error');
    await error.waitFor();
    assert.equal(await error.locator('strong').textContent(), "The collector's database file is damaged");
    const detail = (await error.locator('p').textContent()) ?? '';
    assert.ok(detail.startsWith('HR_STORE_DAMAGED: the database file is damaged: '), detail);
    assert.ok(detail.includes(dbPath), detail);
    assert.ok(detail.includes('.dump'), detail);
    await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-damaged-database.png'), fullPage: true });

    await page.goto(`${collector.httpUrl}/services/shop/traces/${traces.readable[0]}`);
    await page.locator('[data-testid="waterfall"]').waitFor();
    assert.equal(await page.locator('.state-error').count(), 0);
  } finally {
    await page.close();
  }
});
