// The policy's connect-src is 'self' alone: CSP Level 3 lets 'self' match ws: and wss: on the
// page's own host and port (Chromium since 71, Firefox 2018, Safari 16), so the dashboard's live
// stream connects, while a WebSocket to any other origin, a port of the same host included, is
// refused by the browser (the old `ws: wss:` let a page talk to every WebSocket server). Headless
// Chromium against a real collector and a real second WebSocket server.
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { WebSocketServer } from 'ws';
import { useCollectorAndBrowser } from './support/browser-harness';

const rig = useCollectorAndBrowser();

test("under connect-src 'self' the page opens its own /ws, and a WebSocket to another origin is refused", async (t) => {
  const other = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => other.once('listening', () => resolve()));
  t.after(() => new Promise<void>((resolve) => other.close(() => resolve())));
  let reached = 0;
  other.on('connection', (socket) => {
    reached++;
    socket.close();
  });
  const otherUrl = `ws://127.0.0.1:${(other.address() as AddressInfo).port}/`;

  const page = await rig.browser.newPage();
  t.after(() => page.close());
  const response = await page.goto(`${rig.collector.httpUrl}/`);
  assert.match(response?.headers()['content-security-policy'] ?? '', /connect-src 'self';/);

  // No named functions inside: tsx's keepNames would reference a helper the page lacks.
  const result = await page.evaluate(async (foreign: string) => {
    const violations: string[] = [];
    document.addEventListener('securitypolicyviolation', (e) => violations.push(`${e.effectiveDirective} ${e.blockedURI}`));
    const outcomes: string[] = [];
    for (const url of [`${location.origin.replace(/^http/, 'ws')}/ws`, foreign]) {
      outcomes.push(
        await new Promise<string>((resolve) => {
          const ws = new WebSocket(url);
          ws.addEventListener('open', () => {
            ws.close();
            resolve('open');
          });
          ws.addEventListener('error', () => resolve('error'));
        }),
      );
    }
    // The violation event is queued as a task: let it arrive.
    await new Promise((r) => setTimeout(r, 0));
    return { own: outcomes[0], foreign: outcomes[1], violations };
  }, otherUrl);

  assert.equal(result.own, 'open', "'self' matches ws: to the page's own host and port");
  assert.equal(result.foreign, 'error');
  assert.deepEqual(result.violations, [`connect-src ${otherUrl}`]);
  assert.equal(reached, 0, 'the other server was never reached');
});
