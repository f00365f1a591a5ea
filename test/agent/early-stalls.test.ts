// A stall in the loop's first callback, before the stall detector's first 20 ms tick, is timed:
// the detector's clock starts when the loop starts running, not at its first tick. The main
// module's own run (start-up: the loop is not running yet; an ES module's top-level code runs
// after the loop has, as ES modules load asynchronously) is not a stall. CommonJS under
// --require and ES modules under --import.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { EventView } from '../../collector/src/api-types';
import { startTestCollector, type TestCollector } from './support/harness';
import { stallsOfStart } from './support/start-stalls';

let collector: TestCollector;
before(async () => {
  collector = await startTestCollector();
});
after(async () => {
  await collector?.close();
});

const stallsOf = (service: string, script: string, esm: boolean, env: Record<string, string>): Promise<EventView[]> => stallsOfStart(collector, service, script, esm, env);

for (const [kind, script, esm] of [['CommonJS under --require', 'early-stall-app.js', false], ['an ES module under --import', 'early-stall-app.mjs', true]] as const) {
  describe(kind, () => {
    const name = esm ? 'esm' : 'cjs';
    // The agent's own start (its SDK, loaded on the first listen) may block the loop a little
    // after the app's block, on a busy machine: these are told apart by length.
    test('a 700 ms block in the loop\'s first callback is a stall of about 700 ms', async () => {
      const events = await stallsOf(`early-stall-${name}`, script, esm, { FIRST_CALLBACK_BLOCK_MS: '700' });
      const long = events.filter((e) => (e.durationMs ?? 0) >= 600);
      assert.equal(long.length, 1, JSON.stringify(events.map((e) => e.message)));
      const ms = long[0]!.durationMs ?? NaN;
      assert.ok(ms >= 680 && ms < 1000, `stall of ${ms} ms`);
    });

    // An ES module's is told by the watchdog's snapshot of it (the watchdog thread starts beside
    // the loading app): a second leaves room for a slow start on a crowded machine.
    test('a 1 s block while the main module runs is start-up, not a stall', async () => {
      const events = await stallsOf(`early-startup-${name}`, script, esm, { STARTUP_BLOCK_MS: '1000' });
      assert.deepEqual(events.filter((e) => (e.durationMs ?? 0) >= 600).map((e) => e.message), []);
    });

    // Loading the packages the main module imports is start-up too, however deep their requires
    // go: express's go 14 deep, each level 9 frames under the agent's require hook, and the
    // watchdog's snapshot read only the top 40 frames, not the module job at the bottom (QA s14: an
    // ES module express or NestJS app whose packages took 130–190 ms to load had that as a stall).
    if (esm) {
      test('a 1 s block while a CommonJS package it imports loads, 20 requires deep, is start-up', async () => {
        const events = await stallsOf('early-import-esm', script, esm, { LOAD_BLOCK_MS: '1000', REQUIRE_DEPTH: '20' });
        assert.deepEqual(events.filter((e) => (e.durationMs ?? 0) >= 600).map((e) => `${e.message ?? ''} at ${String(e.attributes['code.function'])}`), []);
      });
    }
  });
}
