// The app under test in bench/agent-overhead with --app fastify: fastify 5, the same two routes
// as app.js. Plain CommonJS so it runs as it is under `node`, `node --require <otel register>`
// and `node --require <headroom>`.
//   GET /       hello world
//   GET /async  2 ms of async work (a timer), then a short JSON answer
'use strict';
// eslint-disable-next-line @typescript-eslint/no-require-imports -- a CommonJS app, as most instrumented apps are
const fastify = require('fastify')();

fastify.get('/', async () => 'hello world');
fastify.get('/async', async () => {
  await new Promise((resolve) => setTimeout(resolve, 2));
  return { ok: true, waitedMs: 2 };
});

fastify.listen({ port: Number(process.env.PORT || 3000), host: '127.0.0.1' }).then(() => {
  process.stdout.write(`listening ${fastify.server.address().port}\n`);
});
process.on('SIGTERM', () => fastify.close().then(() => process.exit(0)));
