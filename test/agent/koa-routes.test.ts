// Koa route names, end to end: a koa 3 app with @koa/router, light and traced, required and
// imported as an ES module. OTel's koa instrumentation names the route only from middleware
// that has a span; light requests must get the same route.
import { FIXTURES } from './support/harness';
import { describeRoutes } from './support/route-cases';

describeRoutes({
  name: 'koa routes, light and traced',
  apps: [
    { service: 'koa', script: `${FIXTURES}/koa-app.js` },
    { service: 'koa-esm', script: `${FIXTURES}/koa-esm-app.mjs` },
  ],
  requests: [
    { path: '/api/users/3', status: 200, route: 'GET /api/users/:id' },
    { path: '/api/users/4', status: 200, route: 'GET /api/users/:id' },
    { path: '/authors/5/posts/9', status: 200, route: 'GET /authors/:aid/posts/:pid' },
    { path: '/api/fail', status: 500, route: 'GET /api/fail' },
    { path: '/health', status: 200, route: 'GET' },
    { path: '/nope', status: 404, route: 'GET' },
  ],
  failingRoute: '/api/fail',
});
