/* global fetch */
// Compares three ways of catching event-loop stalls for overhead (throughput of a hello-world
// http server under autocannon, app pinned to CPU 0, load on CPU 1) and accuracy (measured
// duration of a 200 ms busy callback). Run: node agent/bench/stall-techniques.mjs [seconds]
// Results and the choice: docs/event-loop-stalls.md.
import { spawn } from 'node:child_process';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';

const seconds = Number(process.argv[2] ?? 8);
const dir = mkdtempSync(join(tmpdir(), 'stall-bench-'));

const techniques = {
  none: '',
  // Times every callback: the exact blocking time of each, and the context it ran in.
  'async_hooks before/after': `
    const ah = require('node:async_hooks'); const stack = []; globalThis.__stalls = [];
    ah.createHook({ before() { stack.push(performance.now()); }, after() { const t = stack.pop(); if (t !== undefined) { const d = performance.now() - t; if (d > 100) globalThis.__stalls.push(d); } } }).enable();`,
  // A 20 ms tick on the main thread + a watchdog thread sleeping in Atomics.wait (what the agent does).
  'tick + watchdog thread': `
    const { Worker } = require('node:worker_threads'); const sab = new SharedArrayBuffer(8); const a = new Int32Array(sab); let tick = 0, last = -1; globalThis.__stalls = [];
    setInterval(() => { const now = performance.now(); if (last >= 0 && now - last - 20 > 100) globalThis.__stalls.push(now - last - 10); last = now; Atomics.store(a, 0, ++tick); }, 20).unref();
    new Worker('const { workerData } = require("node:worker_threads"); const a = new Int32Array(workerData); let seen = 0; const c = () => { Atomics.wait(a, 0, seen, 50); seen = Atomics.load(a, 0); setImmediate(c); }; c();', { eval: true, workerData: sab }).unref();`,
  // A continuous sampling CPU profile (1 ms), as a profiler-based attribution would need.
  'sampling profiler 1 ms': `
    const { Session } = require('node:inspector'); const s = new Session(); s.connect(); globalThis.__stalls = [];
    s.post('Profiler.enable', () => s.post('Profiler.setSamplingInterval', { interval: 1000 }, () => s.post('Profiler.start')));`,
};

const server = `
  const http = require('node:http');
  function busy(ms) { const end = performance.now() + ms; while (performance.now() < end); }
  http.createServer((req, res) => {
    if (req.url === '/busy') { busy(200); }
    if (req.url === '/stalls') { res.end(JSON.stringify(globalThis.__stalls)); return; }
    res.end('hello');
  }).listen(0, '127.0.0.1', function () { process.stdout.write('listening ' + this.address().port + '\\n'); });`;

async function run(name, preload) {
  const file = join(dir, `${name.replace(/\W+/g, '-')}.js`);
  writeFileSync(file, `${preload}\n${server}`);
  const child = spawn('taskset', ['-c', '0', process.execPath, file], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise((resolve) => child.stdout.on('data', (d) => { const m = /listening (\d+)/.exec(String(d)); if (m) resolve(Number(m[1])); }));
  const url = `http://127.0.0.1:${port}`;
  await autocannon({ url, connections: 20, duration: 2 });
  const result = await autocannon({ url, connections: 20, duration: seconds });
  await fetch(`${url}/busy`);
  await new Promise((r) => setTimeout(r, 50));
  const stalls = await fetch(`${url}/stalls`).then((r) => r.json()).catch(() => []);
  child.kill();
  return { name, reqPerSec: Math.round(result.requests.average), measuredStallMs: stalls.map((s) => Math.round(s)).join(',') || '-' };
}

const rows = [];
for (const [name, preload] of Object.entries(techniques)) rows.push(await run(name, preload));
const base = rows[0].reqPerSec;
for (const row of rows) console.log(`${row.name.padEnd(26)} ${String(row.reqPerSec).padStart(7)} req/s  ${((row.reqPerSec / base) * 100).toFixed(1).padStart(5)} %  stall of a 200 ms callback: ${row.measuredStallMs}`);
