// A process whose first requests were slow uploads is no cold start: the time went to reading
// bodies a client trickled in, which the agent reports apart (headroom.request_body.duration_ms
// on the server span), not to the app warming up (QA s14: "36 s, 34,242×" for a process whose
// first request was a slow client upload). A real app under the agent, real uploads.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { byKind, eventually, GOOD_SERVER_ENV, startAdvisorTest, uploadInChunks, type AdvisorTest } from './support/advisor-harness';

let t: AdvisorTest;
before(async () => {
  t = await startAdvisorTest();
});
after(async () => {
  await t.close();
});

test('first requests that were slow uploads: no cold start, their time was the client\'s', async () => {
  // Apdex T 50 ms: traces over 200 ms are always kept, so the slow first ones are all there.
  const app = await t.app('upload-first-svc', { ...GOOD_SERVER_ENV, HEADROOM_APDEX_T: '50' });
  // The process's first five requests: bodies trickled in over about 1.2 s each.
  await Promise.all(Array.from({ length: 5 }, () => uploadInChunks(app.base, 7, 200)));
  // Then the route's usual: bodies sent at once, answered in about a millisecond.
  for (let i = 0; i < 60; i++) await uploadInChunks(app.base, 2, 0);
  // Judged once the requests and the first traces are in (the reads the rule makes), and the
  // slow bodies are seen for what they are.
  const findings = await eventually(async () => {
    await t.tc.collector.storage.flush();
    const now = Date.now();
    const tx = t.tc.collector.storage.transactions({ service: 'upload-first-svc', from: now - 600_000, to: now + 60_000 }).transactions;
    const slow = t.tc.collector.storage.traces({ service: 'upload-first-svc', minDurationMs: 1000, from: now - 600_000, to: now + 1000, limit: 100 }).traces;
    if (tx.reduce((n, x) => n + x.requests, 0) < 65 || slow.length < 5) return undefined;
    const list = await t.findings('upload-first-svc');
    return byKind('slow-clients.body-read')(list) ? list : undefined;
  }, 'the requests, the slow uploads\' traces and the body-read finding', 30_000);
  const cold = byKind('restarts.cold-start')(findings);
  assert.equal(cold, undefined, `no cold start; got ${cold?.title}: ${cold?.evidence.summary}`);
});
