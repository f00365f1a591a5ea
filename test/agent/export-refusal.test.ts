// A collector that refuses the agent's token: the warning says so, says nothing is sent again
// for that answer, names the variable that sets the token, and passes on the collector's own
// reason. The real collector started with an ingest token, an app under the agent without it.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { encodeStatus } from '../../collector/src/receiver/decode/protobuf';
import { refusalMessage } from '../../agent/src/export/refusal';
import { eventually, FIXTURES, runApp, startTestCollector, type RunningApp, type TestCollector } from './support/harness';

describe('the collector refuses the ingest token', () => {
  let collector: TestCollector;
  let app: RunningApp;

  before(async () => {
    collector = await startTestCollector({ ingestToken: 'right-token' });
    app = await runApp(`${FIXTURES}/express-app.js`, {
      OTEL_EXPORTER_OTLP_ENDPOINT: collector.collector.otlpUrl,
      OTEL_SERVICE_NAME: 'agent-e2e-refused',
      OTEL_EXPORTER_OTLP_HEADERS: 'Authorization=Bearer%20wrong-token',
    });
  });

  after(async () => {
    await app?.stop();
    await collector?.close();
  });

  test('one warning: refused token, never resent, which variable, and the reason the collector gave', async () => {
    for (let i = 0; i < 5; i++) await fetch(`${app.base}/hello`).then((r) => r.text());
    const line = await eventually(async () => app.stderr().split('\n').find((l) => l.includes('HR_AGENT_EXPORT_UNAUTHORIZED')), 'the refusal warning');
    assert.match(line, /refused the ingest token/);
    assert.match(line, /never sent again/);
    assert.match(line, /OTEL_EXPORTER_OTLP_HEADERS="Authorization=Bearer <token>"/);
    assert.match(line, /HTTP 401: HR_API_INGEST_UNAUTHORIZED: missing or wrong ingest token/);
    assert.doesNotMatch(app.stderr(), /HR_AGENT_EXPORT_FAILED/, 'not reported as an outage held for a resend');
    // The app is served as usual.
    const res = await fetch(`${app.base}/hello`);
    assert.equal(res.status, 200);
    await res.text();
  });
});

describe('refusalMessage', () => {
  const asExporterData = (bytes: Uint8Array): { data: string } => ({ data: Buffer.from(bytes).toString() });

  test("reads a google.rpc.Status's message, short or longer than one length byte", () => {
    assert.equal(refusalMessage(asExporterData(encodeStatus(16, 'wrong token'))), 'wrong token');
    const long = `too long: ${'x'.repeat(200)}`;
    assert.equal(refusalMessage(asExporterData(encodeStatus(3, long))), long);
  });

  test('reads a JSON status; anything else is no message', () => {
    assert.equal(refusalMessage({ data: '{"code":16,"message":"nope"}' }), 'nope');
    assert.equal(refusalMessage({ data: '' }), null);
    assert.equal(refusalMessage(new Error('ECONNREFUSED')), null);
    assert.equal(refusalMessage({ data: '<html>bad gateway</html>' }), null);
  });
});
