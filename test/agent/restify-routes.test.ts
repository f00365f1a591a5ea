// Restify route names, end to end: a restify 11 app (12 needs Node 22), light and traced.
import { FIXTURES } from './support/harness';
import { describeRoutes } from './support/route-cases';

describeRoutes({
  name: 'restify routes, light and traced',
  apps: [{ service: 'restify', script: `${FIXTURES}/restify-app.js` }],
  requests: [
    { path: '/api/users/3', status: 200, route: 'GET /api/users/:id' },
    { path: '/api/users/4', status: 200, route: 'GET /api/users/:id' },
    // An async handler.
    { path: '/authors/5/posts/9', status: 200, route: 'GET /authors/:aid/posts/:pid' },
    { path: '/api/fail', status: 500, route: 'GET /api/fail' },
    // Answered by a pre-routing handler.
    { path: '/health', status: 200, route: 'GET' },
    { path: '/nope', status: 404, route: 'GET' },
  ],
  failingRoute: '/api/fail',
});
