import assert from 'node:assert/strict';
import { test } from 'node:test';
import { apiUrl } from '../../dashboard/src/api/client';
import { readToken, takeTokenFromUrl, type TokenStore } from '../../dashboard/src/api/token';
import { liveUrl } from '../../dashboard/src/live/live-url';

function memoryStore(): TokenStore & { data: Map<string, string> } {
  const data = new Map<string, string>();
  return { data, getItem: (k) => data.get(k) ?? null, setItem: (k, v) => void data.set(k, v), removeItem: (k) => void data.delete(k) };
}

test('a ?token= in the URL is stored and taken out of the address', () => {
  const store = memoryStore();
  const cleaned = takeTokenFromUrl('http://h:8080/services/a?range=1h&token=s3cr%2Ft#x', store);
  assert.equal(cleaned, '/services/a?range=1h#x');
  assert.equal(readToken(store), 's3cr/t');
});

test('a #token= in the fragment (never sent to the server) is stored and taken out too', () => {
  const store = memoryStore();
  assert.equal(takeTokenFromUrl('http://h:8080/alerts?range=1h#token=fr%40g', store), '/alerts?range=1h');
  assert.equal(readToken(store), 'fr@g');
  // Other fragment parameters stay; a query token wins over a fragment one, and both leave the URL.
  assert.equal(takeTokenFromUrl('http://h/#a=1&token=x', store), '/#a=1');
  assert.equal(readToken(store), 'x');
  assert.equal(takeTokenFromUrl('http://h/?token=q#token=f', store), '/');
  assert.equal(readToken(store), 'q');
  // A plain anchor is not a token.
  assert.equal(takeTokenFromUrl('http://h/#section', store), null);
});

test('no token parameter leaves the URL and the store alone', () => {
  const store = memoryStore();
  store.setItem('headroom.token', 'kept');
  assert.equal(takeTokenFromUrl('http://h/?range=1h', store), null);
  assert.equal(readToken(store), 'kept');
  assert.equal(readToken(memoryStore()), null);
});

test('the live URL follows the page scheme and carries the token', () => {
  assert.equal(liveUrl({ protocol: 'http:', host: '127.0.0.1:8080' }, null), 'ws://127.0.0.1:8080/ws');
  assert.equal(liveUrl({ protocol: 'https:', host: 'apm.example' }, 'a b&c'), 'wss://apm.example/ws?token=a%20b%26c');
});

test('API URLs leave out empty parameters and encode the rest', () => {
  assert.equal(apiUrl('/api/traces', { range: '1h', route: 'GET /a?b', error: null, limit: 20, service: undefined }), '/api/traces?range=1h&route=GET+%2Fa%3Fb&limit=20');
  assert.equal(apiUrl('/api/services'), '/api/services');
});
