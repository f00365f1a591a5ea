// Where alert notifications may go: never to a link-local address (cloud metadata), on the URL
// or after its host name resolves; only to the configured hosts when `--alert-hosts` is given,
// at creation (400), in the rules file (the start fails) and at sending (a destination stored
// before the list changed is refused, not retried). Real collectors and receivers on 127.0.0.1.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { destinationRefusal, hostPattern } from '../../collector/src/alerts/notify/destination-policy';
import { guardedLookup } from '../../collector/src/alerts/notify/post-webhook';
import { parseStartCommand } from '../../collector/src/config/start-options';
import { eventually } from '../agent/support/harness';
import { deliveries, quietRule, startAlertCollector, tempDir } from './support/alerts-harness';
import { postJson, startWebhookReceiver, TEST_SECRET } from './support/webhook-receiver';

test('host patterns and refusals', () => {
  assert.equal(hostPattern(' Hooks.Slack.com. '), 'hooks.slack.com');
  assert.equal(hostPattern('*.example.com'), '*.example.com');
  assert.equal(hostPattern('[::1]'), '::1');
  for (const bad of ['', 'http://x.com', 'a b', '*.', 'x.com/path', '*.10.0.0.1']) assert.equal(hostPattern(bad), null, bad);

  const any = { allowedHosts: null };
  assert.match(destinationRefusal(new URL('http://169.254.169.254/latest/meta-data/'), any) ?? '', /link-local/);
  assert.match(destinationRefusal(new URL('http://[fe80::1]:8080/'), any) ?? '', /link-local/);
  assert.match(destinationRefusal(new URL('http://[::ffff:169.254.169.254]/'), any) ?? '', /link-local/);
  assert.match(destinationRefusal(new URL('http://0.0.0.0:9000/'), any) ?? '', /unspecified/);
  // Instance metadata outside the link-local range: AWS's over IPv6 (Nitro), Alibaba Cloud's.
  assert.match(destinationRefusal(new URL('http://[fd00:ec2::254]/latest/meta-data/'), any) ?? '', /instance metadata/);
  assert.match(destinationRefusal(new URL('http://[FD00:EC2:0:0:0:0:0:254]/'), any) ?? '', /instance metadata/);
  assert.match(destinationRefusal(new URL('http://100.100.100.200/latest/meta-data/'), any) ?? '', /instance metadata/);
  assert.match(destinationRefusal(new URL('http://[::ffff:100.100.100.200]/'), any) ?? '', /instance metadata/);
  assert.equal(destinationRefusal(new URL('http://100.100.100.201/'), any), null);
  assert.equal(destinationRefusal(new URL('http://127.0.0.1:9093/api/v2/alerts'), any), null, 'a local Alertmanager is fine by default');

  const listed = { allowedHosts: ['hooks.slack.com', '*.example.com'] };
  assert.equal(destinationRefusal(new URL('https://hooks.slack.com/services/x'), listed), null);
  assert.equal(destinationRefusal(new URL('https://alerts.ops.example.com/h'), listed), null);
  assert.match(destinationRefusal(new URL('https://example.com/h'), listed) ?? '', /not among the collector's allowed alert hosts/, '*.example.com is the names under it');
  assert.match(destinationRefusal(new URL('https://evil-example.com/h'), listed) ?? '', /not among/);
  assert.match(destinationRefusal(new URL('http://10.0.0.7/admin'), listed) ?? '', /"10\.0\.0\.7" is not among/);
});

test('the --alert-hosts option is checked and normalised', () => {
  const ok = parseStartCommand(['--alert-hosts', 'hooks.slack.com, *.Example.com'], {});
  assert.deepEqual(ok.config.alerts?.allowedHosts, ['hooks.slack.com', '*.example.com']);
  assert.throws(() => parseStartCommand(['--alert-hosts', 'https://hooks.slack.com'], {}), /--alert-hosts.*"https:\/\/hooks\.slack\.com"/);
  assert.throws(() => parseStartCommand([], { HEADROOM_ALERT_HOSTS: ' , ' }), /HEADROOM_ALERT_HOSTS.*at least one host/);
});

test('a host name that resolves to a link-local address is refused when connecting', async () => {
  const lookup = guardedLookup((hostname, _options, callback) =>
    callback(null, hostname === 'metadata.attacker.test' ? [{ address: '10.1.2.3', family: 4 }, { address: '169.254.169.254', family: 4 }] : [{ address: '127.0.0.1', family: 4 }]),
  );
  const resolve = (hostname: string, all: boolean) =>
    new Promise<{ err: NodeJS.ErrnoException | null; address: unknown }>((done) => lookup(hostname, { all }, (err: NodeJS.ErrnoException | null, address: unknown) => done({ err, address })));
  const bad = await resolve('metadata.attacker.test', true);
  assert.equal(bad.err?.code, 'HR_ALERT_ADDRESS_REFUSED');
  assert.match(bad.err?.message ?? '', /metadata\.attacker\.test resolves to 169\.254\.169\.254 is a link-local address/);
  assert.deepEqual((await resolve('hooks.test', true)).address, [{ address: '127.0.0.1', family: 4 }]);
  assert.equal((await resolve('hooks.test', false)).address, '127.0.0.1');
});

test('destinations: a link-local URL is refused by default; with allowed hosts, only those are taken and sent to', async () => {
  const dir = tempDir();
  const receiver = await startWebhookReceiver(TEST_SECRET);
  let collector = await startAlertCollector(dir);
  try {
    const metadata = await postJson(`${collector.httpUrl}/api/alerts/destinations`, { id: 'meta', type: 'webhook', url: 'http://169.254.169.254/latest/meta-data/' });
    assert.equal(metadata.status, 400);
    assert.match((metadata.json as { error: { message: string } }).error.message, /link-local/);
    // Stored while any host was allowed.
    assert.equal((await postJson(`${collector.httpUrl}/api/alerts/destinations`, { id: 'hook', type: 'webhook', url: receiver.url, secret: TEST_SECRET })).status, 201);
    assert.equal((await postJson(`${collector.httpUrl}/api/alerts/rules`, quietRule(['hook']))).status, 201);
    await eventually(async () => ((await deliveries(collector)).some((d) => d.status === 'delivered') ? true : undefined), 'a delivery while any host is allowed');
    await collector.close();

    // Restarted with a list that does not name 127.0.0.1: new destinations there are refused, and
    // the stored one's notifications are refused at sending, once each, never retried.
    collector = await startAlertCollector(dir, { allowedHosts: ['hooks.example.com'] });
    const local = await postJson(`${collector.httpUrl}/api/alerts/destinations`, { id: 'local', type: 'webhook', url: receiver.url });
    assert.equal(local.status, 400);
    assert.match((local.json as { error: { message: string } }).error.message, /"127\.0\.0\.1" is not among the collector's allowed alert hosts \(hooks\.example\.com\)/);
    const before = receiver.requests.length;
    const sent = await postJson(`${collector.httpUrl}/api/alerts/destinations/hook/test`, {});
    assert.equal(sent.status, 202);
    const refused = await eventually(async () => (await deliveries(collector)).find((d) => d.id === (sent.json as { deliveryId: string }).deliveryId && d.status === 'failed'), 'the refused test delivery');
    assert.equal(refused.attempts.length, 1);
    assert.match(refused.attempts[0]?.error ?? '', /^refused: url host "127\.0\.0\.1" is not among/);
    assert.equal(receiver.requests.length, before, 'nothing reached the receiver');
    await collector.close();

    // Listed: taken and delivered.
    collector = await startAlertCollector(dir, { allowedHosts: ['127.0.0.1'] });
    const again = await postJson(`${collector.httpUrl}/api/alerts/destinations/hook/test`, {});
    await eventually(async () => ((await deliveries(collector)).some((d) => d.id === (again.json as { deliveryId: string }).deliveryId && d.status === 'delivered') ? true : undefined), 'the test delivery to a listed host');
    assert.ok(receiver.requests.length > before);
  } finally {
    await collector.close();
    await receiver.close();
    dir.remove();
  }
});

test('a rules file naming a host outside the list stops the start with the reason', async () => {
  const dir = tempDir();
  try {
    const file = join(dir.path, 'alerts.json');
    writeFileSync(file, JSON.stringify({ destinations: [{ id: 'ops', type: 'webhook', url: 'https://alerts.other.org/h' }], rules: [] }));
    await assert.rejects(startAlertCollector(dir, { rulesFile: file, allowedHosts: ['*.example.com'] }), /destinations\[0\]: .*"alerts\.other\.org" is not among/);
  } finally {
    dir.remove();
  }
});
