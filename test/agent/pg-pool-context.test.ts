// pg's pool against a real PostgreSQL (a throwaway cluster): traced and light requests at once
// on a pool of 2, through pool.query (pg-pool checks a client out with a callback of its own),
// pool.connect(cb) with the client's callback API, and await pool.connect() with its promise API.
// Before agent/src/db/pool-context.ts, the traced requests' traces held 2–14 queries of others.
import { FIXTURES } from './support/harness';
import { poolContextSuite } from './support/pool-context-suite';
import { startPostgres } from './support/postgres';

poolContextSuite({
  title: 'pg pool',
  service: 'agent-e2e-pg-pool',
  script: `${FIXTURES}/pg-pool-app.js`,
  startDatabase: startPostgres,
  // pool.query checks a client out for each of its 4 queries.
  routes: { query: 4, callback: 1, checkout: 1 },
  checkoutSpan: 'pg-pool.connect',
});
