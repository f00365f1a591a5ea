// NestJS route names, end to end: a NestJS 12 app on its express adapter (routes from
// Headroom's express layers) and on its fastify adapter (from fastify's diagnostics channel),
// light and traced. The routes carry the app's global prefix.
import { FIXTURES } from './support/harness';
import { describeRoutes } from './support/route-cases';

describeRoutes({
  name: 'NestJS routes, express and fastify adapters, light and traced',
  apps: [
    { service: 'nest-express', script: `${FIXTURES}/nest-app.mjs`, env: { NEST_ADAPTER: 'express' } },
    { service: 'nest-fastify', script: `${FIXTURES}/nest-app.mjs`, env: { NEST_ADAPTER: 'fastify' } },
  ],
  requests: [
    { path: '/v1/api/users/3', status: 200, route: 'GET /v1/api/users/:id' },
    { path: '/v1/api/users/4', status: 200, route: 'GET /v1/api/users/:id' },
    { path: '/v1/authors/5/posts/9', status: 200, route: 'GET /v1/authors/:aid/posts/:pid' },
    { path: '/v1/api/users/fail', status: 500, route: 'GET /v1/api/users/fail' },
    // Answered by middleware (express's app.use, or middie's on fastify).
    { path: '/health', status: 200, route: 'GET' },
    { path: '/nope', status: 404, route: 'GET' },
  ],
  failingRoute: '/v1/api/users/fail',
});
