// A delta point's identity is hashed piece by piece (point-identity.ts); it must equal the hash
// of the whole text `${streamKey}\u0000${start}\u0000${end}` it was defined as, so identities
// stored by an earlier version still match a resent point after an upgrade.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Attributes } from '../../collector/src/model';
import { streamKey } from '../../collector/src/receiver/normalise/histogram-points';
import { identityPrefix, pointIdentity } from '../../collector/src/receiver/normalise/point-identity';

const PREFIX = 'aGVhZHJvb20tcmVzb3VyY2Uta2V5\u0000@headroom/agent\u00000.1.0';

/** The definition: two FNV-1a lanes over the whole text, finished by fmix32. */
function wholeTextIdentity(key: string, startNs: bigint, endNs: bigint): bigint {
  const fmix32 = (h: number): number => {
    h ^= h >>> 16;
    h = Math.imul(h, 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    return (h ^ (h >>> 16)) >>> 0;
  };
  const text = `${key}\u0000${startNs}\u0000${endNs}`;
  let a = 0x811c9dc5;
  let b = 0x050c5d1f;
  for (let i = 0; i < text.length; i++) {
    a = Math.imul(a ^ text.charCodeAt(i), 0x01000193);
    b = Math.imul(b ^ text.charCodeAt(i), 0x01000f3b);
  }
  return BigInt.asIntN(64, (BigInt(fmix32(a)) << 32n) | BigInt(fmix32(b ^ a)));
}

const CASES: [metric: string, attrs: Attributes, startNs: bigint, endNs: bigint][] = [
  ['http.server.request.duration', { 'http.route': '/orders', 'http.request.method': 'GET', 'http.response.status_code': 200 }, 1764253200000000000n, 1764253203000000000n],
  ['v8js.gc.duration', { 'v8js.gc.type': 'major' }, 1764253200000000000n, 1764253203000000001n],
  ['headroom.http.server.queue_wait', {}, 0n, 18446744073709551615n],
  ['m', { 'ü"\\\n': [1, 'x', null, true, { k: 1.5 }], b: false, a: 'é😀\ud800' }, 5n, 6n],
];

test('a point identity is the hash of its stream key and interval, as stored by earlier versions', () => {
  // Computed by the version that hashed the whole text (schema 7's first release).
  const stored = [-231211916810511854n, 7930616156394347210n, 5594593833247171815n, 2965693616849825887n];
  for (const [i, [metric, attrs, startNs, endNs]] of CASES.entries()) {
    const id = pointIdentity(identityPrefix(`${PREFIX}\u0000${metric}`), attrs, startNs, endNs);
    assert.equal(id, stored[i]);
    assert.equal(id, wholeTextIdentity(streamKey(PREFIX, metric, attrs), startNs, endNs));
  }
});

test('points of one metric with other attributes or times (in any order) get their own identity', () => {
  const metric = identityPrefix(`${PREFIX}\u0000http.server.request.duration`);
  const seen = new Set<bigint>();
  // Times alternating and repeating, as the points of several exports would come.
  for (const endNs of [3_000n, 6_000n, 3_000n, 6_000n]) {
    for (const startNs of [0n, 3_000n]) {
      for (const route of ['/a', '/b']) {
        const attrs = { 'http.route': route, 'http.request.method': 'GET' };
        const id = pointIdentity(metric, attrs, startNs, endNs);
        assert.equal(id, wholeTextIdentity(streamKey(PREFIX, 'http.server.request.duration', attrs), startNs, endNs));
        seen.add(id);
      }
    }
  }
  assert.equal(seen.size, 8);
});

test('attribute values hash as the JSON text of the stream key, escapes and odd numbers included', () => {
  const metric = identityPrefix(`${PREFIX}\u0000m`);
  const values: Attributes[string][] = [
    'plain', '', 'quote " in', 'back\\slash', 'tab\there', '\u0001', 'pair 😀', 'lone \ud800', 'lone \udc00 low', 'é ü ß',
    0, -0, 1.5, -2e-7, 1e21, 2 ** 53 + 2, Number.NaN, Number.POSITIVE_INFINITY, true, false, null,
    [], [1, 'a"', [null]], {}, { z: 1, a: ['x'] },
  ];
  for (const v of values) {
    for (const attrs of [{ k: v }, { 'Z.upper': 1, 'a.lower': v, é: 'x', '': v }]) {
      assert.equal(pointIdentity(metric, attrs, 1n, 2n), wholeTextIdentity(streamKey(PREFIX, 'm', attrs), 1n, 2n), JSON.stringify(attrs));
    }
  }
});
