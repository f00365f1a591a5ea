// CPU per request of the note the request path makes for the stall detector (each request's
// start, signals/request-starts.ts): 20 M calls at 10 µs apart with a tick every 2,048, less
// the same loop without them; the least of 3 runs. CPU time, which a busy machine disturbs far
// less than throughput. Run after `npx tsc -b agent`: node agent/bench/request-starts-cost.mjs
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';

const { RequestStarts } = createRequire(import.meta.url)('../dist/signals/request-starts.js');
const CALLS = 20_000_000;
const cpuNs = (body) => {
  const before = process.cpuUsage();
  body();
  const used = process.cpuUsage(before);
  return (used.user + used.system) * 1000;
};

let sink = 0;
const costs = [];
for (let run = 0; run < 3; run++) {
  const starts = new RequestStarts(100);
  const withCalls = cpuNs(() => {
    let t = performance.now();
    for (let i = 0; i < CALLS; i++) {
      starts.started(t);
      t += 0.01;
      if ((i & 2047) === 0) starts.tick();
    }
    sink += t;
  });
  const bare = cpuNs(() => {
    let t = performance.now();
    for (let i = 0; i < CALLS; i++) {
      t += 0.01;
      if ((i & 2047) === 0) t -= 1e-9;
    }
    sink += t;
  });
  costs.push((withCalls - bare) / CALLS);
}
console.log(`RequestStarts.started: ${Math.min(...costs).toFixed(1)} ns of CPU a request (runs: ${costs.map((c) => c.toFixed(1)).join(', ')})${sink > 0 ? '' : ' '}`);
