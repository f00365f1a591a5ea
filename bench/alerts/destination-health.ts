// How long GET /api/alerts/destinations' health takes to read (AlertStore.destinationAttempts)
// with many recorded delivery attempts: a real SQLite file filled through the alert store's own
// writes (deliveries to 6 destinations, 3 attempts each, the last a 2xx for most), then the
// read timed (median of 20) with the answer printed, so two versions can be compared.
//
//   node --import tsx bench/alerts/destination-health.ts [deliveries=100000]
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { openSqliteAlertStore } from '../../collector/src/alerts/sqlite-alert-store';

const DELIVERIES = Number(process.argv[2] ?? 100_000);
const DESTINATIONS = ['ops', 'chat', 'pager', 'audit', 'dead', 'idle'];

const dir = mkdtempSync(join(tmpdir(), 'headroom-dest-health-'));
try {
  const path = join(dir, 'headroom.db');
  const store = openSqliteAlertStore(path);
  for (const id of DESTINATIONS) store.putDestination({ id, type: 'webhook', url: `http://127.0.0.1:9/${id}`, secret: null }, 'api');
  const t0 = 1_700_000_000_000; // fixed, so two versions print the same answer
  const fillStart = performance.now();
  for (let i = 0; i < DELIVERIES; i++) {
    // 'idle' got nothing; 'dead' fails every attempt after its first 10 deliveries.
    const destinationId = DESTINATIONS[i % 5] as string;
    const id = `msg_${i}`;
    const at = t0 + i * 1000;
    store.addDelivery({ id, ruleId: 'r', destinationId, kind: 'firing', createdAt: at, body: '{}' });
    for (let a = 1; a <= 3; a++) {
      const ok = a === 3 && (destinationId !== 'dead' || i < 50);
      store.addAttempt(id, { attempt: a, at: at + a * 100, statusCode: ok ? 200 : 503, error: ok ? null : 'HTTP 503', durationMs: 5 });
    }
  }
  const fillMs = performance.now() - fillStart;
  const times: number[] = [];
  let answer = '';
  for (let r = 0; r < 20; r++) {
    const s = performance.now();
    const health = store.destinationAttempts();
    times.push(performance.now() - s);
    answer = JSON.stringify([...health].sort(([a], [b]) => a.localeCompare(b)));
  }
  times.sort((a, b) => a - b);
  console.log(`${DELIVERIES * 3} attempts (${DELIVERIES} deliveries), file ${(statSync(path).size / 1e6).toFixed(1)} MB, filled in ${(fillMs / 1000).toFixed(1)} s, load ${loadavg()[0]?.toFixed(1)}`);
  console.log(`destinationAttempts: median ${times[10]?.toFixed(2)} ms (min ${times[0]?.toFixed(2)}, max ${times[19]?.toFixed(2)})`);
  console.log(`answer: ${answer}`);
  store.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
