// A traced request and a light one must leave Node's request, response and socket objects
// with the same properties: an object with a property its siblings lack gives Node's http code
// (and the framework's) two shapes to handle on every request, which measurably costs all of
// them (docs/agent.md, "Cost"). The first request takes the only trace token; the next ones,
// within the same second, are light. Each goes on a fresh connection.
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, test } from 'node:test';
import { FIXTURES, runServiceApp, type RunningApp, startTestCollector, type TestCollector } from './support/harness';

type OwnKeys = { socket: string[]; req: string[]; res: string[] };

function ownKeys(port: number): Promise<OwnKeys> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: '/own-keys', agent: false }, (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve(JSON.parse(body) as OwnKeys));
      })
      .on('error', reject);
  });
}

let collector: TestCollector;
let app: RunningApp;

before(async () => {
  collector = await startTestCollector();
  app = await runServiceApp(collector, `${FIXTURES}/express-app.js`, 'agent-object-shapes', {
    HEADROOM_TRACES_PER_SECOND: '1',
    HEADROOM_RECORDED_TRACES_PER_SECOND: '0',
  });
});

after(async () => {
  await app?.stop();
  await collector?.close();
});

test('a traced request and a light one leave req, res and socket with the same properties', async () => {
  const traced = await ownKeys(app.port);
  const light = await ownKeys(app.port);
  assert.ok(traced.socket.includes('_peername'), 'the traced request read its peer address');
  for (const part of ['socket', 'req', 'res'] as const) assert.deepEqual(light[part], traced[part], part);
});
