// The "how to start the agent" guide of a collector started with an ingest token says to send
// it (QA4: the guide never mentioned it, and agents following it were refused with 401), without
// showing the token itself. Chromium reads the empty overview.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { eventually, useCollectorAndBrowser } from './support/browser-harness';

const rig = useCollectorAndBrowser({ ingestToken: 'ingest-s3cret' });

test("with an ingest token, the guide's command sets the Authorization header, and never shows the token", async () => {
  const page = await rig.browser.newPage();
  try {
    await page.goto(`${rig.collector.httpUrl}/`);
    const command = page.locator('[data-testid="otlp-endpoint"]');
    const text = await eventually('the command with the endpoint', () => command.textContent(), (v) => (v ?? '').includes(`OTEL_EXPORTER_OTLP_ENDPOINT=${rig.collector.otlpUrl}`));
    assert.match(text ?? '', /OTEL_EXPORTER_OTLP_HEADERS="Authorization=Bearer <the ingest token>"/);
    assert.doesNotMatch(await page.content(), /ingest-s3cret/);
  } finally {
    await page.close();
  }
});
