import assert from 'node:assert/strict';
import { test } from 'node:test';
import { appFrames, parseStack } from '../../agent/src/signals/stack-frames';

const STACK = `Error
    at probe (/srv/node_modules/@headroom/agent/dist/signals/stalls.js:60:27)
    at <anonymous>:1:40
    at busy (/srv/app/routes.js:9:28)
    at async handler (file:///srv/app/esm.mjs:3:5)
    at /srv/app/routes.js:18:3
    at Layer.handleRequest (/srv/node_modules/router/lib/layer.js:169:33)
    at listOnTimeout (node:internal/timers:581:17)`;

test('parses named, anonymous, async and file: URL frames', () => {
  const frames = parseStack(STACK);
  assert.deepEqual(frames[2], { function: 'busy', file: '/srv/app/routes.js', line: 9, column: 28 });
  assert.deepEqual(frames[3], { function: 'handler', file: '/srv/app/esm.mjs', line: 3, column: 5 });
  assert.deepEqual(frames[4], { function: null, file: '/srv/app/routes.js', line: 18, column: 3 });
});

test("skips the agent's own frames, eval frames and Node internals", () => {
  const frames = appFrames(STACK, '/srv/node_modules/@headroom/agent/dist');
  assert.equal(frames[0]?.function, 'busy');
  assert.ok(frames.every((f) => !f.file.startsWith('node:') && !f.file.includes('@headroom/agent')));
  assert.equal(frames.length, 4);
});
