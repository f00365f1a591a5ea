// A browser that refuses the WebSocket outright (Safari before 16 throws a SecurityError from
// `new WebSocket` when the page's CSP 'self' does not match ws:) gets a dashboard that reads
// over HTTP and retries, not one that stops: openLiveConnection reports 'reconnecting' (the
// pages stop waiting for the stream on it, app.tsx) and tries again later.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openLiveConnection, type LiveStatus } from '../../dashboard/src/live/live-connection';

test('a WebSocket constructor that throws is a connection to retry, not an error of the page', (t) => {
  const original = (globalThis as { WebSocket?: unknown }).WebSocket;
  let tries = 0;
  (globalThis as { WebSocket?: unknown }).WebSocket = class {
    static readonly OPEN = 1;
    constructor() {
      tries++;
      throw new DOMException('The operation is insecure.', 'SecurityError');
    }
  };
  t.after(() => {
    (globalThis as { WebSocket?: unknown }).WebSocket = original;
  });
  t.mock.timers.enable({ apis: ['setTimeout'] });

  const statuses: LiveStatus['state'][] = [];
  const connection = openLiveConnection('ws://127.0.0.1:8080/ws', {
    onStatus: (s) => statuses.push(s.state),
    onMessage: () => undefined,
    onResync: () => undefined,
    onFirstSubscription: () => undefined,
  });
  connection.subscribe('api');
  assert.deepEqual(statuses, ['connecting', 'reconnecting']);
  t.mock.timers.tick(60_000);
  assert.equal(tries, 2, 'tried again after the backoff');
  connection.close();
});
