// Preloaded (--require) into each run of bench/esm-startup: at the process's first 'listening'
// it writes the time since the process started and the CPU the process has used (all its
// threads, the ES-module loader's among them) to stderr, then ends the process.
'use strict';
// eslint-disable-next-line @typescript-eslint/no-require-imports -- preloaded with --require
const net = require('node:net');
// eslint-disable-next-line @typescript-eslint/no-require-imports -- as above
const { performance } = require('node:perf_hooks');

const emit = net.Server.prototype.emit;
net.Server.prototype.emit = function (name, ...args) {
  if (name === 'listening') {
    const cpu = process.cpuUsage();
    process.stderr.write(`at-listen wall=${performance.now().toFixed(1)} cpu=${((cpu.user + cpu.system) / 1000).toFixed(1)}\n`);
    process.kill(process.pid, 'SIGKILL');
  }
  return emit.call(this, name, ...args);
};
