import assert from 'node:assert/strict';
import { test } from 'node:test';
import { apiUrl } from '../../dashboard/src/api/client';
import { readToken, takeTokenFromUrl, type TokenStore } from '../../dashboard/src/api/token';
import { liveUrl } from '../../dashboard/src/live/live-url';

function memoryStore(): TokenStore & { data: Map<string, string> } {
  const data = new Map<string, string>();
  return { data, getItem: (k) => data.get(k) ?? null, setItem: (k, v) => void data.set(k, v) };
}

test('a ?token= in the URL is stored and taken out of the address', () => {
  const store = memoryStore();
  const cleaned = takeTokenFromUrl('http://h:8080/services/a?range=1h&token=s3cr%2Ft#x', store);
  assert.equal(cleaned, '/services/a?range=1h#x');
  assert.equal(readToken(store), 's3cr/t');
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
