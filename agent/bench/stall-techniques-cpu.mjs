// CPU-time view of the same three techniques, less sensitive to a noisy machine than
// throughput: (1) the fixed cost — CPU used by an idle process over 5 s; (2) the per-callback
// cost — CPU for 300k awaited promises + 100k setImmediate callbacks.
// Run: node agent/bench/stall-techniques-cpu.mjs
import { execFileSync } from 'node:child_process';

const setups = {
  none: '',
  'async_hooks before/after': `const ah = require('node:async_hooks'); const st = []; ah.createHook({ before() { st.push(performance.now()); }, after() { const t = st.pop(); if (t !== undefined && performance.now() - t > 100) globalThis.x = 1; } }).enable();`,
  'tick + watchdog thread': `const { Worker } = require('node:worker_threads'); const sab = new SharedArrayBuffer(8); const a = new Int32Array(sab); let tick = 0; setInterval(() => { Atomics.store(a, 0, ++tick); }, 20).unref(); new Worker('const { workerData } = require("node:worker_threads"); const a = new Int32Array(workerData); let seen = 0; const c = () => { Atomics.wait(a, 0, seen, 50); seen = Atomics.load(a, 0); setImmediate(c); }; c();', { eval: true, workerData: sab }).unref();`,
  'sampling profiler 1 ms': `const { Session } = require('node:inspector'); const s = new Session(); s.connect(); s.post('Profiler.enable', () => s.post('Profiler.setSamplingInterval', { interval: 1000 }, () => s.post('Profiler.start')));`,
};

const idle = `setTimeout(() => { const c0 = process.cpuUsage(); setTimeout(() => { const u = process.cpuUsage(c0); console.log(((u.user + u.system) / 1000).toFixed(0)); }, 5000); }, 1000);`;
const work = `setTimeout(async () => { const c0 = process.cpuUsage(); for (let i = 0; i < 300000; i++) await null; await new Promise((r) => { let n = 0; const step = () => (++n < 100000 ? setImmediate(step) : r()); step(); }); const u = process.cpuUsage(c0); console.log(((u.user + u.system) / 1000).toFixed(0)); process.exit(0); }, 200);`;

const run = (setup, body) => Number(execFileSync(process.execPath, ['-e', `${setup}\n${body}`]).toString().trim());
console.log('technique                  idle CPU ms/5 s   callbacks CPU ms (400k)');
for (const [name, setup] of Object.entries(setups)) {
  const idleMs = Math.min(run(setup, idle), run(setup, idle));
  const workMs = Math.min(run(setup, work), run(setup, work), run(setup, work));
  console.log(`${name.padEnd(26)} ${String(idleMs).padStart(8)}          ${String(workMs).padStart(8)}`);
}
