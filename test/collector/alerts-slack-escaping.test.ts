// A Slack-shaped notification escapes values from the app and the rule (&, <, >) in the
// top-level `text` (the fallback Slack shows in notifications) as in the blocks, so a service
// or route name cannot become a mention (`<!channel>`) or a link. QA4 defect 7.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SlackPayload } from '../../collector/src/alerts/notify/slack-payload';
import { eventually } from '../agent/support/harness';
import { quietRule, startAlertCollector, tempDir } from './support/alerts-harness';
import { postJson, startWebhookReceiver } from './support/webhook-receiver';

test('a Slack notification escapes <!channel>, <img> and & in its text and its blocks', async () => {
  const dir = tempDir();
  const receiver = await startWebhookReceiver(null);
  const collector = await startAlertCollector(dir);
  try {
    assert.equal((await postJson(`${collector.httpUrl}/api/alerts/destinations`, { id: 'chat', type: 'slack', url: receiver.url })).status, 201);
    const rule = quietRule(['chat'], { name: '<!channel> slow & <b>bold</b>', service: '<img src=x> svc', route: 'GET /<!channel>' });
    const created = await postJson(`${collector.httpUrl}/api/alerts/rules`, rule);
    assert.equal(created.status, 201, JSON.stringify(created.json));

    const got = await eventually(async () => receiver.requests[0], 'the slack notification');
    const slack = got.json as SlackPayload;
    assert.equal(slack.text, ':red_circle: FIRING &lt;!channel&gt; slow &amp; &lt;b&gt;bold&lt;/b&gt;: throughput 0 rpm over 1m (threshold &lt; 1000000 rpm)');
    const everything = [slack.text, ...slack.blocks.map((b) => (b.type === 'section' ? b.text.text : b.elements.map((e) => e.text).join('\n')))].join('\n');
    // Nothing from the app is left raw: no `<` but the Headroom link's own `<url|open in Headroom>`.
    const raw = everything.replace(/<http:\/\/[^|>]+\|open in Headroom>/g, '');
    assert.doesNotMatch(raw, /[<>]/, raw);
    assert.doesNotMatch(raw, /&(?!amp;|lt;|gt;)/, raw);
    assert.ok(everything.includes('&lt;img src=x&gt; svc GET /&lt;!channel&gt;'), everything);
    assert.ok(everything.includes('service &lt;img src=x&gt; svc ·'), everything);
  } finally {
    await collector.close();
    await receiver.close();
    dir.remove();
  }
});
