// mysql2's pool against a real MariaDB (a throwaway server): traced and light requests at once
// on a pool of 2, through the promise API, pool.query(cb), and getConnection(cb) with the
// connection's callback API. Before agent/src/db/pool-context.ts, every queued query ran (and was
// traced) in the context of the request whose connection freed up: the traced requests' traces
// held none of their own queries, one trace collected everyone's. mysql2 makes no checkout span.
import { FIXTURES } from './support/harness';
import { startMariaDb } from './support/mariadb';
import { poolContextSuite } from './support/pool-context-suite';

poolContextSuite({
  title: 'mysql2 pool',
  service: 'agent-e2e-mysql2-pool',
  script: `${FIXTURES}/mysql2-pool-app.js`,
  startDatabase: startMariaDb,
  routes: { promise: 0, callback: 0, connection: 0 },
  checkoutSpan: null,
});
