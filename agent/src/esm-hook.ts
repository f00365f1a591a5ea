// OTel instrumentation of ES modules needs import-in-the-middle's loader hook, registered with
// module.register before the app's modules load. The hook runs on a loader thread and wraps
// every ESM module, so it is registered only for apps that are ES modules (or when
// HEADROOM_ESM=true), not for CommonJS apps that would pay for it and gain nothing.
import { readFileSync } from 'node:fs';
import * as nodeModule from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, report } from './report';

function packageType(startDir: string): string | null {
  let dir = startDir;
  for (let i = 0; i < 20; i++) {
    try {
      const parsed = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { type?: unknown };
      return typeof parsed.type === 'string' ? parsed.type : 'commonjs';
    } catch {
      const parent = dirname(dir);
      if (parent === dir) return null;
      dir = parent;
    }
  }
  return null;
}

export function appIsEsm(main: string | undefined, env: Record<string, string | undefined>): boolean {
  const forced = env.HEADROOM_ESM?.trim().toLowerCase();
  if (forced === 'true' || forced === '1') return true;
  if (forced === 'false' || forced === '0') return false;
  if (!main) return false;
  if (/\.m[jt]s$/.test(main)) return true;
  if (/\.c[jt]s$/.test(main)) return false;
  return packageType(dirname(main)) === 'module';
}

export function registerEsmHook(): void {
  const register = (nodeModule as { register?: (specifier: string, parentURL: string | URL) => void }).register;
  if (typeof register !== 'function') return;
  try {
    register('@opentelemetry/instrumentation/hook.mjs', pathToFileURL(__filename));
  } catch (err) {
    report('startFailed', `ESM loader hook: ${describe(err)}`);
  }
}
