// Starting once per process. `require('@headroom/agent')`, `--require` and `--import` of
// `@headroom/agent/register` all land here; a second start (double require, both flags, two
// copies of the package) finds the first through a global symbol and does nothing.
import { isMainThread } from 'node:worker_threads';
import type { RunningAgent } from './agent';
import { readSettings } from './config/settings';
import { appIsEsm } from './esm-hook';
import { launcherName } from './launcher';
import { describe, report } from './report';

const kAgent = Symbol.for('headroom.agent');

type Global = typeof globalThis & { [kAgent]?: RunningAgent | 'disabled' | 'launcher' | 'failed' };

export function start(options: { esmHook: boolean }): RunningAgent | null {
  const g = globalThis as Global;
  const existing = g[kAgent];
  if (existing !== undefined) return typeof existing === 'object' ? existing : null;
  // Worker threads share the process: one agent, in the main thread.
  if (!isMainThread) return null;
  // npm, npx, tsx's CLI… (launcher.ts): the app is their child, which loads its own agent.
  if (launcherName(process.argv[1]) !== null) {
    g[kAgent] = 'launcher';
    return null;
  }
  try {
    const env = process.env;
    const { settings, problems } = readSettings(env);
    if (problems.length > 0) report('config', problems.join('; '));
    if (!settings.enabled) {
      g[kAgent] = 'disabled';
      return null;
    }
    // Loaded lazily: with HEADROOM_ENABLED=false none of the SDK is even required.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { startAgent } = require('./agent') as typeof import('./agent');
    const agent = startAgent(settings, env, { esmHook: options.esmHook && appIsEsm(process.argv[1], settings.esm) });
    g[kAgent] = agent;
    return agent;
  } catch (err) {
    g[kAgent] = 'failed';
    report('startFailed', describe(err));
    return null;
  }
}

export function runningAgent(): RunningAgent | null {
  const existing = (globalThis as Global)[kAgent];
  return typeof existing === 'object' ? existing : null;
}
