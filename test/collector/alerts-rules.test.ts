// Rules and their pieces: validation with clear messages (API and rules file), the state
// machine, notification planning (grouping, restarts), retry policy, payload shapes and the
// Standard Webhooks signature against the specification's example.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import type { AlertRule, AlertStateView } from '../../collector/src/api-types';
import { alertmanagerPayload } from '../../collector/src/alerts/notify/alertmanager-payload';
import { buildNotification, sameAlert } from '../../collector/src/alerts/notify/alert-notification';
import { plannedStatus } from '../../collector/src/alerts/notify/notification-plan';
import { retryAfterMs, retryDelayMs } from '../../collector/src/alerts/notify/retry-policy';
import { escapeMrkdwn, slackPayload } from '../../collector/src/alerts/notify/slack-payload';
import { sign, verify } from '../../collector/src/alerts/notify/standard-webhooks-signature';
import { parseRulesDocument } from '../../collector/src/alerts/rule-provisioning';
import { endAfterChange, evaluate } from '../../collector/src/alerts/rule-state';
import { readSeries } from '../../collector/src/alerts/series-reader';
import { openSqliteAlertStore } from '../../collector/src/alerts/sqlite-alert-store';
import type { Storage } from '../../collector/src/store/storage';
import { HeadroomError } from '../../collector/src/errors';
import { quietRule, startAlertCollector, tempDir } from './support/alerts-harness';
import { postJson } from './support/webhook-receiver';

const RULE: AlertRule = {
  id: 'r',
  name: 'Slow checkout',
  series: 'latency.p95',
  service: 'shop',
  route: 'POST /checkout',
  instanceId: null,
  findingKind: null,
  windowMs: 300_000,
  comparison: '>',
  threshold: 500,
  forMs: 60_000,
  noData: 'keep',
  destinations: [],
  labels: {},
  annotations: {},
  muted: false,
  source: 'api',
  createdAt: 0,
  updatedAt: 0,
};
const OK: AlertStateView = { ruleId: 'r', state: 'ok', since: 0, activeSince: null, firingSince: null, value: null, lastEvaluatedAt: null };

test('the API rejects invalid rules with every problem named, and accepts a valid one', async () => {
  const dir = tempDir();
  const collector = await startAlertCollector(dir);
  try {
    const bad = await postJson(`${collector.httpUrl}/api/alerts/rules`, {
      name: '',
      series: 'latency.p96',
      service: 'shop',
      windowMs: '5 minutes',
      comparison: '>',
      threshold: 'high',
      destinations: ['missing'],
      colour: 'red',
    });
    assert.equal(bad.status, 400);
    const error = (bad.json as { error: { code: string; message: string } }).error;
    assert.equal(error.code, 'HR_ALERT_BAD_RULE');
    for (const part of ['unknown field "colour"', 'name must be a non-empty string', 'series must be one of', 'windowMs must be a duration', 'threshold must be a finite number', 'destination "missing" does not exist']) {
      assert.ok(error.message.includes(part), `${part} in: ${error.message}`);
    }
    const ratio = await postJson(`${collector.httpUrl}/api/alerts/rules`, { ...quietRule([]), series: 'error_rate', comparison: '>', threshold: 5 });
    assert.match((ratio.json as { error: { message: string } }).error.message, /ratio from 0 to 1/);
    const notJson = await fetch(`${collector.httpUrl}/api/alerts/rules`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{}' });
    assert.equal(notJson.status, 415);
    // A header, not a query parameter: the error says which.
    assert.deepEqual(await notJson.json(), { error: { code: 'HR_API_CONTENT_TYPE', message: 'unsupported content type: send Content-Type: application/json, not "text/plain"' } });
    const badDest = await postJson(`${collector.httpUrl}/api/alerts/destinations`, { id: 'x', type: 'webhook', url: 'ftp://example.com', secret: 'hunter2' });
    assert.equal(badDest.status, 400);
    assert.match((badDest.json as { error: { message: string } }).error.message, /url must use http or https.*secret must be "whsec_"/);

    const ok = await postJson(`${collector.httpUrl}/api/alerts/rules`, quietRule([]));
    assert.equal(ok.status, 201);
    assert.equal((await postJson(`${collector.httpUrl}/api/alerts/rules`, quietRule([]))).status, 409);
    const muted = await postJson(`${collector.httpUrl}/api/alerts/rules/quiet/mute`, {});
    assert.equal((muted.json as { rule: AlertRule }).rule.muted, true);
    const del = await fetch(`${collector.httpUrl}/api/alerts/rules/quiet`, { method: 'DELETE', headers: { 'content-type': 'application/json' } });
    assert.equal(del.status, 204);
    assert.equal((await fetch(`${collector.httpUrl}/api/alerts/rules/quiet`)).status, 404);
    // A destination made without a secret gets one, shown once; afterwards only hasSecret.
    const made = await postJson(`${collector.httpUrl}/api/alerts/destinations`, { id: 'ops', type: 'webhook', url: 'http://127.0.0.1:9/x' });
    assert.match(String((made.json as { secret: string }).secret), /^whsec_/);
    const list = await (await fetch(`${collector.httpUrl}/api/alerts/destinations`)).text();
    assert.ok(!list.includes('whsec_') && list.includes('"hasSecret":true'));
  } finally {
    await collector.close();
    dir.remove();
  }
});

test('a bad rules file stops the start with one message listing each problem and its place', async () => {
  const dir = tempDir();
  try {
    const file = dir.file('rules.json', {
      destinations: [{ id: 'ops', type: 'pager', url: 'http://127.0.0.1:1/x' }],
      rules: [quietRule(['ops']), { ...quietRule([]), id: 'two', forMs: -5, noData: 'maybe' }],
    });
    await assert.rejects(startAlertCollector(dir, { rulesFile: file }), (err: unknown) => {
      assert.ok(err instanceof HeadroomError);
      assert.equal(err.code, 'HR_ALERT_RULES_FILE');
      assert.match(err.message, /destinations\[0\]: type must be one of/);
      assert.match(err.message, /rules\[0\] \(id "quiet"\): destination "ops" does not exist/);
      assert.match(err.message, /rules\[1\] \(id "two"\): forMs must be a duration.*noData must be one of/);
      return true;
    });
    await assert.rejects(startAlertCollector(dir, { rulesFile: dir.file('broken.json', '{ rules: ') }), /HR_ALERT_RULES_FILE|not valid JSON/);
    assert.throws(() => parseRulesDocument('[]', 'x.json'), /must hold an object/);
    // File rules are read-only through the API, except mute.
    const good = dir.file('good.json', { rules: [quietRule([])] });
    const collector = await startAlertCollector(dir, { rulesFile: good });
    try {
      const put = await postJson(`${collector.httpUrl}/api/alerts/rules/quiet`, quietRule([]), 'PUT');
      assert.equal(put.status, 409);
      assert.equal((put.json as { error: { code: string } }).error.code, 'HR_ALERT_READ_ONLY');
      assert.equal((await postJson(`${collector.httpUrl}/api/alerts/rules/quiet/mute`, {})).status, 200);
    } finally {
      await collector.close();
    }
  } finally {
    dir.remove();
  }
});

test('forMs of zero in any unit ("0", 0, "0s", "0m") is accepted, as the message\'s "from 0s" says; a zero window is not', () => {
  for (const forMs of ['0', 0, '0s', '0m', '00s', '0ms']) {
    const set = parseRulesDocument(JSON.stringify({ rules: [quietRule([], { forMs })] }), 'rules.json');
    assert.equal(set.rules[0]?.forMs, 0, `forMs ${JSON.stringify(forMs)}`);
  }
  assert.throws(() => parseRulesDocument(JSON.stringify({ rules: [quietRule([], { windowMs: '0s' })] }), 'rules.json'), /windowMs must be a duration from \d+s to \d+h[^;]*; got "0s"/);
  assert.throws(() => parseRulesDocument(JSON.stringify({ rules: [quietRule([], { forMs: '-0s' })] }), 'rules.json'), /forMs must be a duration from 0s to \d+h[^;]*; got "-0s"/);
});

test('headroom start --alert-rules with a bad file exits 2 with one HR_ALERT_RULES_FILE line', async () => {
  const dir = tempDir();
  try {
    const file = dir.file('rules.json', { rules: [{ ...quietRule([]), series: 'cpu' }] });
    const root = resolve(__dirname, '..', '..');
    const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'collector/src/cli.ts'), 'start', '--db', join(dir.path, 'h.db'), '--otlp-port', '0', '--http-port', '0', '--alert-rules', file], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((r) => child.once('exit', r));
    assert.equal(code, 2);
    assert.match(stderr, /^headroom: HR_ALERT_RULES_FILE: cannot use the alert rules file: .*rules\.json: rules\[0\] \(id "quiet"\): series must be one of .*got "cpu"\n$/);
  } finally {
    dir.remove();
  }
});

test('state machine: ok → pending → firing after the for-duration → resolved → ok; no-data handling', () => {
  let s = evaluate(OK, RULE, 800, 1_000);
  assert.equal(s.next.state, 'pending');
  assert.equal(s.transition?.to, 'pending');
  s = evaluate(s.next, RULE, 900, 30_000);
  assert.equal(s.next.state, 'pending');
  assert.equal(s.transition, null);
  s = evaluate(s.next, RULE, 700, 61_000);
  assert.equal(s.next.state, 'firing');
  assert.equal(s.next.firingSince, 61_000);
  assert.equal(s.transition?.value, 700);
  assert.match(s.transition!.reason, /p95 latency 700 ms over 5m \(threshold > 500 ms\)/);
  assert.equal(evaluate(s.next, RULE, null, 70_000).next.state, 'firing', 'noData keep');
  assert.equal(evaluate(s.next, { ...RULE, noData: 'ok' }, null, 70_000).next.state, 'resolved');
  const resolved = evaluate(s.next, RULE, 100, 80_000);
  assert.equal(resolved.next.state, 'resolved');
  assert.equal(evaluate(resolved.next, RULE, 100, 90_000).next.state, 'ok');
  assert.equal(evaluate(OK, { ...RULE, noData: 'alerting', forMs: 0 }, null, 1).next.state, 'firing');
  // A condition that clears before the for-duration never fires.
  const p = evaluate(OK, RULE, 800, 0).next;
  assert.equal(evaluate(p, RULE, 100, 10_000).next.state, 'ok');
});

test('a change to other labels ends the alert: firing → resolved, pending → ok; a threshold change is the same alert', () => {
  const firing: AlertStateView = { ...OK, state: 'firing', since: 10, activeSince: 5, firingSince: 10, value: 900 };
  const ended = endAfterChange(firing, { ...RULE, name: 'Renamed' }, 20);
  assert.deepEqual([ended.next.state, ended.next.since, ended.next.activeSince, ended.transition?.from, ended.transition?.to], ['resolved', 20, null, 'firing', 'resolved']);
  assert.match(ended.transition!.reason, /rule was changed/);
  assert.equal(endAfterChange({ ...OK, state: 'pending', activeSince: 5 }, RULE, 20).next.state, 'ok');
  assert.equal(endAfterChange(OK, RULE, 20).transition, null);
  assert.equal(sameAlert(RULE, { ...RULE, threshold: 1, windowMs: 60_000, annotations: { x: 'y' } }), true);
  for (const change of [{ name: 'x' }, { series: 'latency.p99' as const }, { route: null }, { instanceId: 'i-1' }, { labels: { team: 'a' } }]) {
    assert.equal(sameAlert(RULE, { ...RULE, ...change }), false, JSON.stringify(change));
  }
});

test('notification planning: first firing at once, flapping held by the group interval, restart-safe', () => {
  assert.equal(plannedStatus('firing', null, 0, 300_000), 'firing');
  assert.equal(plannedStatus('firing', { status: 'firing', at: 0 }, 1e9, 300_000), null, 'already told: no duplicate');
  assert.equal(plannedStatus('resolved', { status: 'firing', at: 0 }, 10_000, 300_000), null, 'resolve waits for the group interval');
  assert.equal(plannedStatus('ok', { status: 'firing', at: 0 }, 300_000, 300_000), 'resolved', 'a resolve is sent even from ok');
  // Told resolved, firing again: a new incident, told at once (held, one that began and ended
  // inside the interval was never told at all).
  assert.equal(plannedStatus('firing', { status: 'resolved', at: 0 }, 10_000, 300_000), 'firing', 'a new incident after a told resolve goes out at once');
  assert.equal(plannedStatus('pending', null, 0, 0), null);
  assert.equal(plannedStatus('ok', { status: 'resolved', at: 0 }, 1e9, 0), null);
});

test('retry policy: exponential backoff with jitter, Retry-After in seconds or as a date, capped', () => {
  const s = { maxAttempts: 5, baseDelayMs: 1_000, maxDelayMs: 10_000 };
  assert.equal(retryDelayMs(s, 1, null, () => 0), 500);
  assert.equal(retryDelayMs(s, 1, null, () => 1), 1_000);
  assert.equal(retryDelayMs(s, 3, null, () => 1), 4_000);
  assert.equal(retryDelayMs(s, 10, null, () => 1), 10_000);
  assert.equal(retryDelayMs(s, 1, 60_000), 10_000);
  assert.equal(retryAfterMs('7', 0), 7_000);
  assert.equal(retryAfterMs(new Date(20_000).toUTCString(), 0), 20_000);
  assert.equal(retryAfterMs('soon', 0), null);
});

test('Standard Webhooks signature matches the specification example and verifies', () => {
  // The example in the Standard Webhooks reference libraries' tests.
  const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
  const body = '{"test": 2432232314}';
  assert.equal(sign(secret, 'msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, body), 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
  const headers = { 'webhook-id': 'msg_p5jXN8AQM9LWM0D4loKWxJek', 'webhook-timestamp': '1614265330', 'webhook-signature': 'v1,bad v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=' };
  assert.equal(verify(secret, headers, body, 1614265330), true);
  assert.equal(verify(secret, headers, `${body} `, 1614265330), false, 'a changed body fails');
  assert.equal(verify(secret, headers, body, 1614265330 + 600), false, 'an old timestamp fails');
});

test('payloads: Alertmanager v4 fields and Slack text/blocks with app values escaped', () => {
  const state: AlertStateView = { ...OK, state: 'firing', since: 1_000, activeSince: 0, firingSince: 1_000, value: 812 };
  const n = buildNotification({ ...RULE, route: '<!channel> & co' }, state, 'firing', 'http://h:8080/', 2_000);
  const p = alertmanagerPayload('ops', [n], 'http://h:8080');
  assert.deepEqual(Object.keys(p).sort(), ['alerts', 'commonAnnotations', 'commonLabels', 'externalURL', 'groupKey', 'groupLabels', 'receiver', 'status', 'truncatedAlerts', 'version']);
  assert.deepEqual(Object.keys(p.alerts[0]!).sort(), ['annotations', 'endsAt', 'fingerprint', 'generatorURL', 'labels', 'startsAt', 'status']);
  assert.equal(p.alerts[0]!.startsAt, new Date(1_000).toISOString());
  assert.ok(p.alerts[0]!.generatorURL.startsWith('http://h:8080/services/shop?from='));
  assert.equal(p.groupKey, '{}:{alertname="Slow checkout", rule_id="r"}');
  const slack = slackPayload([n]);
  const text = JSON.stringify(slack.blocks);
  assert.ok(!text.includes('<!channel>') && text.includes('&lt;!channel&gt; &amp; co'));
  assert.equal(escapeMrkdwn('a<b>&'), 'a&lt;b&gt;&amp;');
});

test('Slack: a resolve says when the alert fired and when it resolved, not "since" its start', () => {
  const firing = buildNotification(RULE, { ...OK, state: 'firing', since: 1_000, activeSince: 0, firingSince: 1_000, value: 812 }, 'firing', 'http://h:8080', 2_000);
  const resolved = buildNotification(RULE, { ...OK, state: 'resolved', since: 61_000, activeSince: null, firingSince: 1_000, value: 100 }, 'resolved', 'http://h:8080', 62_000);
  const context = (n: typeof firing): string => JSON.stringify(slackPayload([n]).blocks[1]);
  assert.match(context(firing), /since 1970-01-01T00:00:01\.000Z/);
  assert.doesNotMatch(context(resolved), /since/);
  assert.match(context(resolved), /fired 1970-01-01T00:00:01\.000Z, resolved 1970-01-01T00:01:01\.000Z/);
});

test('Slack: a resolve says "resolved" once, in its status; a rule\'s own summary is kept', () => {
  const resolvedState: AlertStateView = { ...OK, state: 'resolved', since: 61_000, activeSince: null, firingSince: 1_000, value: 100 };
  const resolved = buildNotification(RULE, resolvedState, 'resolved', 'http://h:8080', 62_000);
  const slack = slackPayload([resolved]);
  assert.equal(slack.text, ':large_green_circle: RESOLVED Slow checkout: p95 latency 100 ms over 5m (threshold &gt; 500 ms)');
  assert.match(JSON.stringify(slack.blocks[0]), /RESOLVED Slow checkout: p95 latency 100 ms/);
  // The Alertmanager body's summary, read without a status beside it, still says it.
  assert.equal(resolved.annotations.summary, 'Slow checkout resolved: p95 latency 100 ms over 5m (threshold > 500 ms)');
  const ended = slackPayload([buildNotification(RULE, resolvedState, 'resolved', 'http://h:8080', 62_000, 'rule deleted')]);
  assert.equal(ended.text, ':large_green_circle: RESOLVED Slow checkout: rule deleted');
  const own = buildNotification({ ...RULE, annotations: { summary: 'Checkout is slow again' } }, resolvedState, 'resolved', 'http://h:8080', 62_000);
  assert.equal(slackPayload([own]).text, ':large_green_circle: RESOLVED Checkout is slow again');
});

test('advisor.finding counts the findings of the service (and kind) in the window', () => {
  const asked: { from: number; to: number; service?: string }[] = [];
  const finding = (kind: string, service: string) => ({ id: `${kind}:${service}:x`, kind, service, severity: 'warning' as const, title: '', evidence: { summary: '', window: { from: 0, to: 0 }, figures: {}, chartLink: '' }, cause: '', change: '' });
  const advisor = {
    findings(q: { from: number; to: number; service?: string }) {
      asked.push(q);
      return { from: q.from, to: q.to, findings: [finding('capacity.more-processes', 'shop'), finding('memory.leak', 'shop'), finding('memory.leak', 'other')] };
    },
  };
  const storage = {} as Storage; // advisor.finding reads the advisor only
  const rule = { ...RULE, series: 'advisor.finding' as const, route: null, comparison: '>' as const, threshold: 0 };
  assert.equal(readSeries(storage, advisor, { ...rule, findingKind: null }, 600_000), 2);
  assert.equal(readSeries(storage, advisor, { ...rule, findingKind: 'memory.leak' }, 600_000), 1);
  assert.equal(readSeries(storage, advisor, { ...rule, findingKind: 'eventloop.blocking-route' }, 600_000), 0);
  assert.equal(readSeries(storage, null, rule, 600_000), null, 'no advisor: no data');
  assert.deepEqual(asked[0], { from: 300_000, to: 600_001, service: 'shop' });
  // Fires at once with forMs 0 while a finding is there, resolves when it is gone.
  const fired = evaluate(OK, { ...rule, findingKind: null, forMs: 0 }, 2, 1);
  assert.equal(fired.next.state, 'firing');
  assert.equal(evaluate(fired.next, { ...rule, findingKind: null, forMs: 0 }, 0, 2).next.state, 'resolved');
});

test('the alert store keeps state across reopening and prunes old history and finished deliveries', () => {
  const dir = tempDir();
  try {
    const file = join(dir.path, 'alerts.db');
    let store = openSqliteAlertStore(file);
    store.saveState({ ...OK, state: 'firing', since: 5, firingSince: 5, value: 9 }, { ruleId: 'r', service: 'shop', at: 5, from: 'ok', to: 'firing', value: 9, threshold: 1, reason: 'old', series: 'error_rate', cause: null });
    store.saveState({ ...OK, state: 'resolved', since: 50, firingSince: 5, value: 0 }, { ruleId: 'r', service: 'shop', at: 50, from: 'firing', to: 'resolved', value: 0, threshold: 1, reason: 'new', series: 'error_rate', cause: null });
    store.addDelivery({ id: 'old-done', ruleId: 'r', destinationId: 'd', kind: 'firing', createdAt: 5, body: '{}' });
    store.addAttempt('old-done', { attempt: 1, at: 5, statusCode: 200, error: null, durationMs: 1 });
    store.finishDelivery('old-done', 'delivered');
    store.addDelivery({ id: 'old-pending', ruleId: 'r', destinationId: 'd', kind: 'resolved', createdAt: 6, body: '{}' });
    store.close();

    store = openSqliteAlertStore(file);
    assert.deepEqual(store.states().map((st) => [st.state, st.firingSince]), [['resolved', 5]]);
    store.prune(10);
    assert.deepEqual(store.transitions({ from: 0, to: 100, limit: 10 }).map((t) => t.reason), ['new']);
    assert.deepEqual(store.deliveries({ limit: 10 }).map((d) => d.id), ['old-pending'], 'a pending delivery is kept to be resumed');
    assert.deepEqual(store.pendingDeliveries().map((d) => d.id), ['old-pending']);
    store.close();
  } finally {
    dir.remove();
  }
});
