// What one client is for --max-connections-per-address (web/client-address.ts): an IPv4
// address, an IPv4 client on a dual-stack socket as that address, an IPv6 client as its /64.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clientKey } from '../../collector/src/web/client-address';

test('an IPv4 address is one client, also when a dual-stack socket reports it mapped', () => {
  assert.equal(clientKey('192.0.2.7'), '192.0.2.7');
  assert.equal(clientKey('::ffff:192.0.2.7'), '192.0.2.7');
  assert.equal(clientKey('::FFFF:127.0.0.1'), '127.0.0.1');
  assert.notEqual(clientKey('192.0.2.7'), clientKey('192.0.2.8'));
});

test('an IPv6 client is its /64, however the address is written', () => {
  const key = clientKey('2001:db8:0:1::a');
  assert.equal(key, '2001:db8:0:1::/64');
  assert.equal(clientKey('2001:0db8:0000:0001:ffff:ffff:ffff:ffff'), key, 'another address of the same /64, written out');
  assert.equal(clientKey('2001:DB8:0:1:0:0:0:b'), key);
  assert.equal(clientKey('fe80::1%eth0'), 'fe80:0:0:0::/64', 'a zone index is not part of the address');
  assert.equal(clientKey('::1'), '0:0:0:0::/64');
  assert.notEqual(clientKey('2001:db8:0:2::a'), key, 'the next /64 is another client');
});

test('a connection without an address (already closed) counts against no client', () => {
  assert.equal(clientKey(undefined), null);
  assert.equal(clientKey(''), null);
});
