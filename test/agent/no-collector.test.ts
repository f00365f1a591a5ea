// With no collector listening: 30 s of load, every request answered, memory bounded (live heap
// flat after the queues fill, RSS under a cap), failures reported once (rate-limited), not per
// failure. The one long test.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { test } from 'node:test';
import autocannon from 'autocannon';
import { FIXTURES, runApp } from './support/harness';

function rssBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}

function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

test('no collector: 30 s of load, no request fails, RSS stays bounded', { timeout: 60_000 }, async (t) => {
  const app = await runApp(
    `${FIXTURES}/express-app.js`,
    {
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${await closedPort()}`,
      OTEL_METRIC_EXPORT_INTERVAL: '1000',
      // Keep every trace, so the span queue fills and must drop.
      HEADROOM_TRACES_PER_SECOND: '100000',
    },
    { nodeArgs: ['--expose-gc'] },
  );
  const samples: number[] = [];
  const sampler = setInterval(() => samples.push(rssBytes(app.child.pid!)), 1000);
  const liveHeap = async (): Promise<number> => ((await fetch(`${app.base}/memory`).then((r) => r.json())) as { heapUsed: number }).heapUsed;
  const heapAt: number[] = [];
  const load = autocannon({ url: `${app.base}/hello`, connections: 10, duration: 30 });
  // Live heap after a full GC at 10 s (queues full by then) and at the end: the agent's
  // buffers are bounded, so what is live must not keep growing.
  setTimeout(() => void liveHeap().then((h) => heapAt.push(h)), 10_000);
  const result = await load;
  heapAt.push(await liveHeap());
  clearInterval(sampler);
  await app.stop();
  assert.equal(result.errors, 0);
  assert.equal(result.non2xx, 0);
  assert.ok(result.requests.total > 1000, `${result.requests.total} requests`);
  t.diagnostic(`live heap ${heapAt.map((h) => (h / 1048576).toFixed(1)).join(' → ')} MB; RSS ${samples.map((s) => Math.round(s / 1048576)).join(',')} MB; ${result.requests.total} requests`);
  assert.equal(heapAt.length, 2);
  const heapGrowth = heapAt[1]! - heapAt[0]!;
  assert.ok(heapGrowth < 8 * 1024 * 1024, `live heap grew ${(heapGrowth / 1048576).toFixed(1)} MB from 10 s to 30 s`);
  // RSS also holds V8's spare heap, which grows with the load at first (the bare app too).
  const peak = Math.max(...samples);
  assert.ok(peak < 300 * 1024 * 1024, `RSS peaked at ${Math.round(peak / 1048576)} MB (${samples.map((s) => Math.round(s / 1048576)).join(',')})`);
  const failures = app.stderr().split('\n').filter((l) => l.includes('HR_AGENT_EXPORT_FAILED'));
  assert.ok(failures.length >= 1 && failures.length <= 2, app.stderr());
});
