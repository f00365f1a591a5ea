// `node --require @headroom/agent/register app.js` (CommonJS apps) or
// `node --import @headroom/agent/register app.mjs` (ES module apps).
import { start } from './start';

start({ esmHook: true });
