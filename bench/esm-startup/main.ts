// bench/esm-startup — what the agent's ES-module loader hook costs an ES module app's start-up.
//
// The app (default: the NestJS 12 fixture of test/agent, express adapter; --app <file> for
// another one that listens) started again and again, the variants alternating within each
// round: bare; bare with a loader hook that does nothing (the loader thread's cost alone);
// the agent without its hook (HEADROOM_ESM=false); the agent with it (`node --import
// @headroom/agent/register`). Each run reports, at its first 'listening', the time since the
// process started and the CPU it used (at-listen.cjs); printed as the range over the rounds.
// The agent sends to a closed port: start-up does not wait for the collector.
//
// Reproduce (builds the agent first):
//   npx tsc -b && node --import tsx bench/esm-startup/main.ts [--rounds 4] [--app test/agent/fixtures/esm-app.mjs]
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fmt, machineLine, numberArg, table } from '../common/report';

const ROOT = path.join(__dirname, '..', '..');
const ROUNDS = numberArg('rounds', 4);
const appIndex = process.argv.indexOf('--app');
const APP = path.resolve(appIndex > 0 ? (process.argv[appIndex + 1] as string) : path.join(ROOT, 'test/agent/fixtures/nest-app.mjs'));
const AT_LISTEN = path.join(__dirname, 'at-listen.cjs');
const REGISTER = path.join(ROOT, 'agent/dist/register.js');

const VARIANTS: { label: string; args: string[]; env?: Record<string, string> }[] = [
  { label: 'bare', args: [] },
  { label: 'bare, a loader hook that does nothing', args: ['--import', path.join(__dirname, 'noop-hook.mjs')] },
  { label: 'agent, no hook (HEADROOM_ESM=false)', args: ['--import', REGISTER], env: { HEADROOM_ESM: 'false' } },
  { label: 'agent with its loader hook', args: ['--import', REGISTER] },
];

function run(variant: (typeof VARIANTS)[number]): { wall: number; cpu: number } {
  const child = spawnSync(process.execPath, [...variant.args, '--require', AT_LISTEN, APP], {
    cwd: path.dirname(APP),
    env: { PATH: process.env.PATH ?? '', NEST_ADAPTER: 'express', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9', ...variant.env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  const m = /at-listen wall=([\d.]+) cpu=([\d.]+)/.exec(child.stderr);
  if (!m) throw new Error(`${variant.label}: no listen (${child.stderr.slice(-500)})`);
  return { wall: Number(m[1]), cpu: Number(m[2]) };
}

const results = VARIANTS.map(() => ({ wall: [] as number[], cpu: [] as number[] }));
for (let round = 1; round <= ROUNDS; round++) {
  process.stderr.write(`round ${round}/${ROUNDS}\n`);
  VARIANTS.forEach((variant, i) => {
    const r = run(variant);
    results[i]?.wall.push(r.wall);
    results[i]?.cpu.push(r.cpu);
  });
}

const range = (values: number[]): string => `${fmt(Math.min(...values))}–${fmt(Math.max(...values))} ms`;
console.log(`bench/esm-startup — ${path.relative(ROOT, APP)} to its first listen, ${ROUNDS} alternating rounds`);
console.log(machineLine());
console.log('');
console.log(table(['variant', 'wall since start', 'CPU (all threads)'], VARIANTS.map((v, i) => [v.label, range(results[i]?.wall ?? []), range(results[i]?.cpu ?? [])])));
console.log('');
console.log(`reproduce: node --import tsx bench/esm-startup/main.ts --rounds ${ROUNDS}${appIndex > 0 ? ` --app ${path.relative(ROOT, APP)}` : ''}`);
