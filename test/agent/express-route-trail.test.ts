// The pattern bookkeeping behind express route names (agent/src/http-server/express-route-trail):
// the cases the end-to-end test cannot reach on one router version each.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { enterMount, joinRoute, parentBase, patternText, prefixOf, type MountTrail } from '../../agent/src/http-server/express-route-trail';

test('patternText: strings as they are, RegExps as source, arrays joined, anything else unknown', () => {
  assert.equal(patternText('/users/:id'), '/users/:id');
  assert.equal(patternText(/^\/re\/\d+$/), '/^\\/re\\/\\d+$/');
  assert.equal(patternText(['/a', ['/b', /c/]]), '/a,/b,/c/');
  assert.equal(patternText(42), undefined);
  assert.equal(patternText([]), undefined);
});

test('joinRoute: the root adds nothing, a route at / is its mount, one slash between', () => {
  assert.equal(joinRoute('', '/users'), '/users');
  assert.equal(joinRoute('/api', '/'), '/api');
  assert.equal(joinRoute('/api/', '/users'), '/api/users');
  assert.equal(joinRoute('/api', '/users/:id'), '/api/users/:id');
});

test('parentBase: from the concrete match where the router keeps it (express 4, router < 2.3)', () => {
  assert.equal(parentBase(null, '/a/7/b', '/b', '/b'), '/a/7');
  assert.equal(parentBase(null, '/a/7/b', '/b', '/b/'), '/a/7');
  assert.equal(parentBase(null, '/re/12', '/^\\/re\\/\\d+/', '/re/12'), '');
});

test('parentBase: by segments for plain patterns, by the newest enclosing mount for others (router 2.3)', () => {
  assert.equal(parentBase(null, '/authors/5/posts', '/authors/:aid/posts', undefined), '');
  assert.equal(parentBase(null, '/v1/authors/5/posts', '/authors/:aid/posts', undefined), '/v1');
  const trail: MountTrail = [{ base: '/v1', prefix: '/:version' }];
  assert.equal(parentBase(trail, '/v1/x/y', '/(x|z)/y', undefined), '/v1');
  assert.equal(parentBase(null, '/x/y', '/(x|z)/y', undefined), '');
});

test('a stale mount (a middleware that called next()) does not leak into a later sibling mount', () => {
  // app.use('/api', mw) ran and passed the request on; then app.use('/api/:v', router) matched.
  let trail = enterMount(null, '/api', '/api', undefined);
  trail = enterMount(trail, '/api/v1', '/api/:v', undefined);
  assert.equal(prefixOf(trail, '/api/v1'), '/api/:v');
  assert.equal(joinRoute(prefixOf(trail, '/api/v1'), '/users/:id'), '/api/:v/users/:id');
  // Back at the root, the route owes nothing to either mount.
  assert.equal(prefixOf(trail, ''), '');
});

test('nested mounts at patterns compose, newest first for the same concrete base', () => {
  let trail = enterMount(null, '/t/acme', '/t/:tenant', undefined);
  trail = enterMount(trail, '/t/acme/orders/9', '/orders/:oid', undefined);
  assert.equal(prefixOf(trail, '/t/acme/orders/9'), '/t/:tenant/orders/:oid');
  trail = enterMount(trail, '/t/acme', '/t/acme', undefined);
  assert.equal(prefixOf(trail, '/t/acme'), '/t/acme');
});

test('the trail is bounded; an unseen base is its own name', () => {
  let trail: MountTrail | null = null;
  for (let i = 0; i < 100; i++) trail = enterMount(trail, `/m${i}`, `/m${i}`, undefined);
  assert.equal(trail?.length, 16);
  assert.equal(prefixOf(trail, '/m99'), '/m99');
  assert.equal(prefixOf(null, '/somewhere'), '/somewhere');
});
