// Connect route names, end to end: a connect 3 app, light and traced. Connect has no route
// patterns: OTel's connect instrumentation names a request by the mount paths it went through.
import { FIXTURES } from './support/harness';
import { describeRoutes } from './support/route-cases';

describeRoutes({
  name: 'connect routes, light and traced',
  apps: [{ service: 'connect', script: `${FIXTURES}/connect-app.js` }],
  requests: [
    { path: '/api/users/3', status: 200, route: 'GET /api/users' },
    { path: '/api/users/4', status: 200, route: 'GET /api/users' },
    // A sub-app's mount path under its parent's.
    { path: '/authors/posts/9', status: 200, route: 'GET /authors/posts' },
    { path: '/api/fail', status: 500, route: 'GET /api/fail' },
    // Answered by middleware mounted on no path.
    { path: '/health', status: 200, route: 'GET' },
    { path: '/nope', status: 404, route: 'GET' },
  ],
  failingRoute: '/api/fail',
});
