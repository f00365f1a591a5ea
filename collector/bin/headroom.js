#!/usr/bin/env node
'use strict';
// The `headroom` command. A committed shim rather than dist/cli.js itself: npm links a
// workspace's bins during install, before `prepare` has built dist/, and skips a missing target.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- a plain CommonJS file, never compiled
require('../dist/cli.js').run();
