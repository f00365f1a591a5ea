// A stall while modules load, after the app has started (a require in a callback, code after an
// ES module's top-level await, a dynamic import()), is located at the app's code that loaded
// them: the loading itself is Node's, and the require hook that the instrumentations put around
// it (require-in-the-middle's patchedRequire) is passed over like the agent's own wrappers
// (QA s14: such stalls read "at Module.patchedRequire"). CommonJS under --require and ES modules
// under --import.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { EventView } from '../../collector/src/api-types';
import { FIXTURES, startTestCollector, type TestCollector } from './support/harness';
import { stallsOfStart } from './support/start-stalls';

const LOAD_MS = 400;
const MODULE_COUNT = 3000;

let collector: TestCollector;
let modulesDir: string;
before(async () => {
  collector = await startTestCollector();
  modulesDir = mkdtempSync(join(tmpdir(), 'headroom-modules-'));
  for (let i = 0; i < MODULE_COUNT; i++) writeFileSync(join(modulesDir, `m${i}.json`), `{"module":${i}}`);
});
after(async () => {
  await collector?.close();
  if (modulesDir) rmSync(modulesDir, { recursive: true, force: true });
});

/** The app's stalls: it listens once its two loads are done. */
const stallsOf = (service: string, script: string, esm: boolean): Promise<EventView[]> =>
  stallsOfStart(collector, service, script, esm, { MODULES_DIR: modulesDir, MODULE_COUNT: String(MODULE_COUNT), LOAD_MS: String(LOAD_MS) });

for (const [kind, script, esm] of [['CommonJS under --require', 'module-load-app.js', false], ['an ES module under --import', 'module-load-app.mjs', true]] as const) {
  describe(kind, () => {
    test('a stall loading modules, in a callback and inside a dynamic import(), is located at the app code that loaded them', async (tc) => {
      const events = await stallsOf(`module-load-${esm ? 'esm' : 'cjs'}`, script, esm);
      // The agent's own work (its start, a metric collection) may block the loop too on a busy machine.
      const loads = events.filter((e) => (e.durationMs ?? 0) >= LOAD_MS * 0.75 && e.attributes['headroom.stall.agent'] !== true && e.attributes['headroom.stall.gc'] !== true);
      assert.equal(loads.length, 2, JSON.stringify(events.map((e) => e.message)));
      // A stall the watchdog took no snapshot of (its thread starved of CPU on a busy machine) has no location to judge.
      const located = loads.filter((e) => e.attributes['code.filepath'] !== undefined);
      if (located.length < loads.length) tc.diagnostic(`${loads.length - located.length} of the 2 loads had no snapshot (the watchdog starved): not judged`);
      assert.ok(located.length > 0, 'no load was located');
      const where = located.map((e) => `${String(e.attributes['code.function'])} at ${String(e.attributes['code.filepath'])}`);
      assert.deepEqual(where, Array(located.length).fill(`loadModules at ${FIXTURES}/load-modules.js`), JSON.stringify(located.map((e) => e.attributes)));
      for (const stall of located) {
        const stack = String(stall.attributes['code.stacktrace']);
        assert.doesNotMatch(stack, /(require|import)-in-the-middle/, stack);
        // Below it, the app's call: the callback (or the code after the top-level await), and the imported module's body.
        assert.match(stack.split('\n')[1] ?? '', new RegExp(`${script.replace('.', '\\.')}|load-on-import\\.js`), stack);
      }
    });
  });
}
