// A destination's URL is shown masked where it holds a secret — a Slack webhook URL's last
// segment, a query string's values — while the collector keeps and posts to the full URL; a
// PUT that sends the masked form back (or no URL) keeps the stored one (QA4: GET
// /api/alerts/destinations returned Slack webhook URLs, themselves the secret, in full).
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import type { AlertDestination, AlertDestinationsResponse } from '../../collector/src/api-types';
import { openSqliteAlertStore } from '../../collector/src/alerts/sqlite-alert-store';
import { maskedUrl } from '../../collector/src/alerts/destination-url';
import { parseDestination } from '../../collector/src/alerts/rule-schema';
import { eventually } from '../agent/support/harness';
import { startAlertCollector, tempDir } from './support/alerts-harness';
import { postJson, startWebhookReceiver } from './support/webhook-receiver';
import { captureConsoleErrors } from './support/console-errors';

const SECRET_PART = 'XyZ9sEcReTtOkEn00000000';

test('destination URLs are masked in the API, kept in full in the store, and a PUT of the masked URL keeps the full one', async (t) => {
  const receiver = await startWebhookReceiver(null);
  const dir = tempDir();
  const collector = await startAlertCollector(dir);
  t.after(async () => {
    await collector.close();
    await receiver.close();
    dir.remove();
  });
  const api = `${collector.httpUrl}/api/alerts`;
  // A Slack-compatible receiver on 127.0.0.1 with a Slack-shaped path and a token in the query.
  const origin = new URL(receiver.url).origin;
  const slackUrl = `${origin}/services/T0001/B0002/${SECRET_PART}?token=${SECRET_PART}&x`;
  const created = await postJson(`${api}/destinations`, { id: 'chat', type: 'slack', url: slackUrl });
  assert.equal(created.status, 201);
  const shown = `${origin}/services/T0001/B0002/***?token=***&***`;
  assert.equal((created.json as { destination: AlertDestination }).destination.url, shown);

  const list = (await (await fetch(`${api}/destinations`)).json()) as AlertDestinationsResponse;
  assert.equal(list.destinations[0]?.url, shown);
  assert.ok(!JSON.stringify(list).includes(SECRET_PART), 'the secret part is nowhere in the answer');

  // Sent back as shown: the stored URL stays, and notifications still go to it in full.
  const kept = await postJson(`${api}/destinations/chat`, { type: 'slack', url: shown }, 'PUT');
  assert.equal(kept.status, 200);
  assert.equal((kept.json as AlertDestination).url, shown);
  assert.equal((await postJson(`${api}/destinations/chat`, { type: 'slack' }, 'PUT')).status, 200, 'no URL: kept too');
  assert.equal((await postJson(`${api}/destinations/chat/test`, {})).status, 202);
  const request = await eventually(async () => receiver.requests[0], 'the test notification');
  assert.equal(request.url, `/services/T0001/B0002/${SECRET_PART}?token=${SECRET_PART}&x`);

  // A changed URL that still holds the mask would post to a literal "***": refused.
  const half = await postJson(`${api}/destinations/chat`, { type: 'slack', url: shown.replace('B0002', 'B0003') }, 'PUT');
  assert.equal(half.status, 400);
  assert.match(JSON.stringify(half.json), /HR_ALERT_BAD_DESTINATION.*masked part/);
  // A new URL replaces it.
  assert.equal((await postJson(`${api}/destinations/chat`, { type: 'slack', url: `${origin}/services/T0001/B0002/newsecret` }, 'PUT')).status, 200);
  await collector.close();
  const store = openSqliteAlertStore(join(dir.path, 'headroom.db'));
  try {
    assert.equal(store.destination('chat')?.url, `${origin}/services/T0001/B0002/newsecret`);
  } finally {
    store.close();
  }
});

test('a generic webhook URL keeps its path; only query values and a fragment are masked', () => {
  assert.equal(maskedUrl('https://hooks.example.com/alerts/ops', 'webhook'), 'https://hooks.example.com/alerts/ops');
  assert.equal(maskedUrl('https://hooks.example.com/in?key=abc&team=ops#frag', 'webhook'), 'https://hooks.example.com/in?key=***&team=***#***');
  assert.equal(maskedUrl('https://hooks.slack.com/services/T1/B2/sekrit', 'slack'), 'https://hooks.slack.com/services/T1/B2/***');
  assert.equal(maskedUrl('https://chat.example.com/hooks/sekrit/', 'slack'), 'https://chat.example.com/hooks/***/');
});

test('a failed delivery\'s log line shows the URL masked', async (t) => {
  const dir = tempDir();
  const collector = await startAlertCollector(dir, { delivery: { timeoutMs: 1_000, maxAttempts: 1 } });
  const { lines, restore } = captureConsoleErrors();
  t.after(async () => {
    restore();
    await collector.close();
    dir.remove();
  });
  // Port 9: nobody listens, the one attempt is refused.
  assert.equal((await postJson(`${collector.httpUrl}/api/alerts/destinations`, { id: 'chat', type: 'slack', url: `http://127.0.0.1:9/services/T1/B2/${SECRET_PART}` })).status, 201);
  assert.equal((await postJson(`${collector.httpUrl}/api/alerts/destinations/chat/test`, {})).status, 202);
  const line = await eventually(async () => lines.find((l) => l.includes('HR_ALERT_DELIVERY')), 'the failure in the log');
  assert.match(line, /http:\/\/127\.0\.0\.1:9\/services\/T1\/B2\/\*\*\* answered/);
  assert.ok(!lines.some((l) => l.includes(SECRET_PART)));
});

test('a destination URL that does not parse is not repeated in full in the error (a rules file\'s error goes to the log)', () => {
  // A Slack webhook URL without its scheme: the path is the secret.
  assert.throws(() => parseDestination({ id: 'chat', type: 'slack', url: `hooks.slack.com/services/T0001/B0002/${SECRET_PART}` }, 'destinations[0]'), (error: Error) => {
    assert.match(error.message, /url must be an absolute http:\/\/ or https:\/\/ URL; got "hooks\.slack\.com\/…"/);
    assert.ok(!error.message.includes(SECRET_PART), error.message);
    return true;
  });
});
