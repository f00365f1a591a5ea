// Generic webhooks that carry their secret in the path (Discord, Teams connectors, PagerDuty-style
// keys, a Slack-shaped URL sent as a plain webhook…) are shown with those segments masked, the
// host and the path's shape kept; the API and the delivery log never show them, a PUT of the
// masked URL keeps the stored one, and notifications still go to the full URL.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AlertDestination, AlertDestinationsResponse } from '../../collector/src/api-types';
import { maskedUrl } from '../../collector/src/alerts/destination-url';
import { eventually } from '../agent/support/harness';
import { startAlertCollector, tempDir } from './support/alerts-harness';
import { postJson, startWebhookReceiver } from './support/webhook-receiver';
import { captureConsoleErrors } from './support/console-errors';

const DISCORD_TOKEN = 'Qm9vLXNlY3JldC10b2tlbi1mb3ItZGlzY29yZA_x7-Zq';

test('known providers: the secret segment is masked, ids and the rest of the path stay', () => {
  assert.equal(
    maskedUrl(`https://discord.com/api/webhooks/1234567890123456789/${DISCORD_TOKEN}`, 'webhook'),
    'https://discord.com/api/webhooks/1234567890123456789/***',
  );
  // Masked by its place even when short, and with Discord's /slack suffix.
  assert.equal(maskedUrl('https://discordapp.com/api/v10/webhooks/42/short/slack', 'webhook'), 'https://discordapp.com/api/v10/webhooks/42/***/slack');
  // A Slack URL sent as a plain webhook, and Slack's shape on another host, whatever the secret looks like.
  assert.equal(maskedUrl('https://hooks.slack.com/services/T00000000/B00000000/zz9secretPart', 'webhook'), 'https://hooks.slack.com/services/T00000000/B00000000/***');
  assert.equal(maskedUrl('https://hooks.example.com/services/T000/B000/zz9secretPart', 'webhook'), 'https://hooks.example.com/services/T000/B000/***');
  assert.equal(maskedUrl('https://hooks.zapier.com/hooks/catch/123456/abcdef1/', 'webhook'), 'https://hooks.zapier.com/hooks/catch/123456/***/');
});

test('token-like path segments are masked on any host: Teams connectors, PagerDuty-style keys, UUIDs, Telegram', () => {
  const teams =
    'https://contoso.webhook.office.com/webhookb2/0d3c1e8a-2b4f-4c5d-9e6f-7a8b9c0d1e2f@72f988bf-86f1-41af-91ab-2d7cd011db47' +
    '/IncomingWebhook/4b1c7e9f0a2d4e6b8c1d3f5a7b9c0e2d/1a2b3c4d-5e6f-4a8b-9c0d-e1f2a3b4c5d6/V2abcDEF123ghiJKL456mnoPQR789stuVWX0yz';
  assert.equal(maskedUrl(teams, 'webhook'), 'https://contoso.webhook.office.com/webhookb2/***@***/IncomingWebhook/***/***/***');
  assert.equal(
    maskedUrl('https://events.pagerduty.com/integration/0123456789abcdef0123456789abcdef/enqueue', 'webhook'),
    'https://events.pagerduty.com/integration/***/enqueue',
  );
  assert.equal(maskedUrl('https://hooks.example.com/webhook/3f2504e0-4f89-11d3-9a0c-0305e82c3301', 'webhook'), 'https://hooks.example.com/webhook/***');
  assert.equal(
    maskedUrl('https://api.telegram.org/bot123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/sendMessage?chat_id=42', 'webhook'),
    'https://api.telegram.org/bot123456789:***/sendMessage?chat_id=***',
  );
  // Mixed case alone (a random base62 secret with no digit) is a token too, from 24 characters.
  assert.equal(maskedUrl('https://chat.example.com/hooks/aBcDeFgHiJkLmNoPqRsTuVwXyZ', 'webhook'), 'https://chat.example.com/hooks/***');
  // Names stay readable: short words, words without digits, numeric ids.
  for (const url of [
    'https://alerts.example.com/api/v2/alerts/ops-team',
    'https://hooks.example.com/alerts/production/checkout-service',
    'https://hooks.example.com/teams/1234567890123456789/notify',
  ]) {
    assert.equal(maskedUrl(url, 'webhook'), url);
  }
});

test('a segment after a key word is masked whatever it looks like', () => {
  assert.equal(maskedUrl('https://maker.ifttt.com/trigger/deploy/with/key/shortkey', 'webhook'), 'https://maker.ifttt.com/trigger/deploy/with/key/***');
  assert.equal(maskedUrl('https://relay.example.com/token/abc/notify', 'webhook'), 'https://relay.example.com/token/***/notify');
});

test('through the API: a Discord-shaped webhook is listed and logged masked, a PUT of the masked URL keeps it, notifications use the full URL', async (t) => {
  const receiver = await startWebhookReceiver(null);
  const dir = tempDir();
  const collector = await startAlertCollector(dir, { delivery: { timeoutMs: 1_000, maxAttempts: 1 } });
  const { lines, restore } = captureConsoleErrors();
  t.after(async () => {
    restore();
    await collector.close();
    await receiver.close();
    dir.remove();
  });
  const api = `${collector.httpUrl}/api/alerts`;
  const origin = new URL(receiver.url).origin;
  const full = `${origin}/api/webhooks/1234567890123456789/${DISCORD_TOKEN}`;
  const shown = `${origin}/api/webhooks/1234567890123456789/***`;
  const created = await postJson(`${api}/destinations`, { id: 'discord', type: 'webhook', url: full });
  assert.equal(created.status, 201);
  assert.equal((created.json as { destination: AlertDestination }).destination.url, shown);
  const list = (await (await fetch(`${api}/destinations`)).json()) as AlertDestinationsResponse;
  assert.equal(list.destinations[0]?.url, shown);
  assert.ok(!JSON.stringify(list).includes(DISCORD_TOKEN), 'the token is nowhere in the answer');

  const kept = await postJson(`${api}/destinations/discord`, { type: 'webhook', url: shown }, 'PUT');
  assert.equal(kept.status, 200);
  assert.equal((await postJson(`${api}/destinations/discord/test`, {})).status, 202);
  const request = await eventually(async () => receiver.requests[0], 'the test notification');
  assert.equal(request.url, `/api/webhooks/1234567890123456789/${DISCORD_TOKEN}`);

  // A refused delivery's log line shows it masked too (port 9: nobody listens).
  const dead = `http://127.0.0.1:9/api/webhooks/1234567890123456789/${DISCORD_TOKEN}`;
  assert.equal((await postJson(`${api}/destinations`, { id: 'dead', type: 'webhook', url: dead })).status, 201);
  assert.equal((await postJson(`${api}/destinations/dead/test`, {})).status, 202);
  const line = await eventually(async () => lines.find((l) => l.includes('HR_ALERT_DELIVERY')), 'the failure in the log');
  assert.match(line, /http:\/\/127\.0\.0\.1:9\/api\/webhooks\/1234567890123456789\/\*\*\* answered/);
  assert.ok(!lines.some((l) => l.includes(DISCORD_TOKEN)));
});
