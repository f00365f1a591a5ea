// The HTTP port's Host check against DNS rebinding: a page that made its own name resolve to
// 127.0.0.1 sends `Host: evil.example`, and must neither read the API, nor add an alert
// destination, nor open the live stream. Raw requests, since fetch will not forge a Host.
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import type { AlertDestinationsResponse, ApiError } from '../../collector/src/api-types';
import { createHostCheck } from '../../collector/src/web/host-check';
import { startTestCollector, type TestCollector } from './support/collector-harness';

interface RawAnswer {
  status: number;
  body: string;
}

function request(url: string, host: string, options: { method?: string; body?: string; headers?: Record<string, string> } = {}): Promise<RawAnswer> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: target.hostname,
        port: target.port,
        path: target.pathname + target.search,
        method: options.method ?? 'GET',
        headers: { Host: host, ...options.headers },
        agent: false,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

/** A WebSocket handshake with a chosen Host and Origin: 101 when it upgrades, else the status. */
function upgrade(url: string, host: string, origin: string): Promise<number> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: target.hostname,
      port: target.port,
      path: '/ws',
      agent: false,
      headers: {
        Host: host,
        Origin: origin,
        Connection: 'Upgrade',
        Upgrade: 'websocket',
        'Sec-WebSocket-Version': '13',
        'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==',
      },
    });
    req.on('upgrade', (res, socket) => {
      socket.destroy();
      resolve(res.statusCode ?? 0);
    });
    req.on('response', (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

function errorCode(answer: RawAnswer): string {
  return (JSON.parse(answer.body) as ApiError).error.code;
}

describe('the HTTP port answers only to its own host names', () => {
  let collector: TestCollector;
  let port: string;

  before(async () => {
    collector = await startTestCollector();
    port = new URL(collector.httpUrl).port;
  });

  after(async () => {
    await collector.dispose();
  });

  it('refuses the API, the page and /healthz to a foreign Host with 421 HR_API_HOST_NOT_ALLOWED', async () => {
    for (const path of ['/api/services', '/', '/healthz', '/metrics']) {
      const answer = await request(`${collector.httpUrl}${path}`, `evil.example:${port}`);
      assert.equal(answer.status, 421, path);
      assert.equal(errorCode(answer), 'HR_API_HOST_NOT_ALLOWED');
    }
    const answer = await request(`${collector.httpUrl}/api/services`, 'evil.example');
    assert.match((JSON.parse(answer.body) as ApiError).error.message, /--allowed-hosts.*"evil\.example"/);
    // Not a host at all, and a rebinding name spelled as a subdomain of a loopback address.
    assert.equal((await request(`${collector.httpUrl}/api/services`, 'user@127.0.0.1')).status, 421);
    assert.equal((await request(`${collector.httpUrl}/api/services`, '127.0.0.1.evil.example')).status, 421);
    // An address that is not loopback reaches a loopback-bound collector only through a proxy.
    assert.equal((await request(`${collector.httpUrl}/api/services`, `10.0.0.7:${port}`)).status, 421);
  });

  it('does not let a rebound page add an alert destination', async () => {
    const body = JSON.stringify({ id: 'probe', type: 'webhook', url: 'http://10.0.0.7:9000/internal' });
    const foreign = `evil.example:${port}`;
    const answer = await request(`${collector.httpUrl}/api/alerts/destinations`, foreign, {
      method: 'POST',
      body,
      headers: { 'Content-Type': 'application/json', Origin: `http://${foreign}` },
    });
    assert.equal(answer.status, 421);
    assert.equal(errorCode(answer), 'HR_API_HOST_NOT_ALLOWED');
    const list = await request(`${collector.httpUrl}/api/alerts/destinations`, `127.0.0.1:${port}`);
    assert.equal(list.status, 200);
    assert.deepEqual((JSON.parse(list.body) as AlertDestinationsResponse).destinations, []);
  });

  it('refuses the /ws upgrade of a rebound page, whose Origin matches its Host', async () => {
    const foreign = `evil.example:${port}`;
    assert.equal(await upgrade(collector.httpUrl, foreign, `http://${foreign}`), 421);
    const own = `127.0.0.1:${port}`;
    assert.equal(await upgrade(collector.httpUrl, own, `http://${own}`), 101);
  });

  it('answers the loopback names, with or without the port', async () => {
    for (const host of [`127.0.0.1:${port}`, '127.0.0.1', `localhost:${port}`, 'localhost', 'LOCALHOST.', `127.1.2.3:${port}`, `[::1]:${port}`]) {
      const answer = await request(`${collector.httpUrl}/api/services`, host);
      assert.equal(answer.status, 200, host);
    }
    assert.equal((await request(`${collector.httpUrl}/healthz`, `localhost:${port}`)).status, 200);
    assert.equal((await fetch(`${collector.httpUrl}/api/services`)).status, 200);
  });
});

describe('--allowed-hosts', () => {
  let collector: TestCollector;

  before(async () => {
    collector = await startTestCollector({ allowedHosts: ['apm.example.com', '*.corp.example'] });
  });

  after(async () => {
    await collector.dispose();
  });

  it('admits the names a reverse proxy forwards, and no others', async () => {
    const url = `${collector.httpUrl}/api/services`;
    assert.equal((await request(url, 'apm.example.com')).status, 200);
    assert.equal((await request(url, 'APM.example.com:443')).status, 200);
    assert.equal((await request(url, 'tools.corp.example')).status, 200);
    assert.equal((await request(url, 'corp.example')).status, 421);
    assert.equal((await request(url, 'apm.example.com.evil.example')).status, 421);
    assert.equal((await request(url, 'localhost')).status, 200);
  });

  it('opens the live stream to a listed name\'s page behind a proxy that sends the upstream address', async () => {
    // nginx's default (proxy_set_header Host $proxy_host): Host is the collector's own address,
    // Origin the name the browser opened; the stream answered 403 and the page never went live.
    const own = `127.0.0.1:${new URL(collector.httpUrl).port}`;
    assert.equal(await upgrade(collector.httpUrl, own, 'https://apm.example.com'), 101);
    assert.equal(await upgrade(collector.httpUrl, own, 'https://tools.corp.example:8443'), 101);
    // A name the collector was not told of, and another local site, are still other sites.
    assert.equal(await upgrade(collector.httpUrl, own, 'https://evil.example'), 403);
    assert.equal(await upgrade(collector.httpUrl, own, 'http://localhost:3000'), 403);
  });
});

describe('the Host rule by bind address', () => {
  it('on a loopback bind: loopback names and the listed ones only', () => {
    const check = createHostCheck({ bindHost: 'localhost', allowedHosts: [], machineName: 'box' });
    assert.equal(check('localhost:8080'), true);
    assert.equal(check('[::ffff:127.0.0.1]:8080'), true);
    assert.equal(check('box:8080'), false);
    assert.equal(check('192.168.1.10:8080'), false);
    assert.equal(check(undefined), true, 'HTTP/1.0 without Host comes from a tool, not a rebound page');
  });

  it('beyond loopback: also IP addresses (which cannot be rebound), the bound name and, on 0.0.0.0, this machine', () => {
    const any = createHostCheck({ bindHost: '0.0.0.0', allowedHosts: [], machineName: 'Box' });
    assert.equal(any('192.168.1.10:8080'), true);
    assert.equal(any('[fe80::1]:8080'), true);
    assert.equal(any('box:8080'), true);
    assert.equal(any('evil.example:8080'), false);
    const named = createHostCheck({ bindHost: 'apm.internal', allowedHosts: [], machineName: 'box' });
    assert.equal(named('apm.internal:8080'), true);
    assert.equal(named('box:8080'), false);
    assert.equal(named('evil.example'), false);
  });
});
