// The app under test in bench/agent-overhead: express 5, two routes. Plain CommonJS so it
// runs as it is under `node`, `node --require <otel register>` and `node --require <headroom>`.
//   GET /       hello world
//   GET /async  2 ms of async work (a timer), then a short JSON answer
'use strict';
// eslint-disable-next-line @typescript-eslint/no-require-imports -- a CommonJS app, as most instrumented apps are
const express = require('express');

const app = express();
app.get('/', (_req, res) => {
  res.send('hello world');
});
app.get('/async', (_req, res) => {
  setTimeout(() => res.json({ ok: true, waitedMs: 2 }), 2);
});

const server = app.listen(Number(process.env.PORT || 3000), '127.0.0.1', () => {
  process.stdout.write(`listening ${server.address().port}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
