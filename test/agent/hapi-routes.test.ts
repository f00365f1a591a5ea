// Hapi route names, end to end: a hapi 21 app, light and traced. OTel's hapi instrumentation
// names the route only from handlers that have a span; light requests must get the same route.
import { FIXTURES } from './support/harness';
import { describeRoutes } from './support/route-cases';

describeRoutes({
  name: 'hapi routes, light and traced',
  apps: [{ service: 'hapi', script: `${FIXTURES}/hapi-app.js` }],
  requests: [
    { path: '/api/users/3', status: 200, route: 'GET /api/users/{id}' },
    { path: '/api/users/4', status: 200, route: 'GET /api/users/{id}' },
    // A plugin's route, under the prefix it was registered with.
    { path: '/authors/5/posts/9', status: 200, route: 'GET /authors/{aid}/posts/{pid}' },
    { path: '/api/proxy/7', status: 200, route: 'GET /api/proxy/{id}' },
    { path: '/api/fail', status: 500, route: 'GET /api/fail' },
    // Answered by an onRequest extension, before routing.
    { path: '/health', status: 200, route: 'GET' },
    // Hapi's own not-found route is no route of the app.
    { path: '/nope', status: 404, route: 'GET' },
  ],
  failingRoute: '/api/fail',
});
