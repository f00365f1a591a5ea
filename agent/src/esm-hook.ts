// OTel instrumentation of ES modules needs import-in-the-middle's loader hook, registered with
// module.register before the app's modules load. The hook runs on a loader thread and, left to
// itself, wraps every module the app imports — reading and lexing each one's source for its
// exports: a NestJS app took 5 s to listen instead of 1.9 s. So it is told to wrap only the
// built-ins, package entries and package files the loaded instrumentations patch, and it is
// registered only for apps that are ES modules (or when HEADROOM_ESM=true), not for CommonJS
// apps that would pay for it and gain nothing.
import type { Instrumentation } from '@opentelemetry/instrumentation';
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

/** `forced`: HEADROOM_ESM as read with the other settings (null: not set). */
export function appIsEsm(main: string | undefined, forced: boolean | null): boolean {
  if (forced !== null) return forced;
  if (!main) return false;
  if (/\.m[jt]s$/.test(main)) return true;
  if (/\.c[jt]s$/.test(main)) return false;
  return packageType(dirname(main)) === 'module';
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * What the loader hook is to wrap: the modules the instrumentations patch — a built-in by its
 * name, a package's entry by the package's name (as imported) when its definition patches the
 * entry, and each file of it an instrumentation patches by that file's path
 * (`express/lib/router/layer.js`). An instrumentation patches nothing else of a package
 * (InstrumentationBase `_onRequire`), so nothing else is wrapped. Null when an
 * instrumentation's modules cannot be read (then everything is wrapped, as without a list).
 */
export function esmHookInclude(instrumentations: readonly Instrumentation[]): (string | RegExp)[] | null {
  const include: (string | RegExp)[] = [];
  for (const instrumentation of instrumentations) {
    // The module definitions are InstrumentationBase's own (private) field, set from init().
    const modules = (instrumentation as unknown as { _modules?: unknown })._modules;
    if (!Array.isArray(modules)) return null;
    for (const m of modules as { name?: unknown; patch?: unknown; files?: unknown }[]) {
      if (typeof m.name !== 'string' || m.name === '') return null;
      const name = m.name.replace(/^node:/, '');
      if (nodeModule.builtinModules.includes(name)) {
        include.push(name);
        continue;
      }
      // The entry only when the instrumentation patches it: wrapping one means reading every
      // module it re-exports (`export *`) and walking their imports for cycles — @nestjs/core's
      // index, which neither Nest instrumentation patches, cost ≈0.3 s of CPU at start.
      if (typeof m.patch === 'function') include.push(m.name);
      const files = m.files ?? [];
      if (!Array.isArray(files)) return null;
      for (const file of files as { name?: unknown }[]) {
        if (typeof file.name !== 'string' || file.name === '') return null;
        include.push(new RegExp(`/node_modules/${escapeRegExp(file.name.replaceAll('\\', '/'))}$`));
      }
    }
  }
  return include;
}

export function registerEsmHook(include: (string | RegExp)[] | null): void {
  const register = (nodeModule as { register?: (specifier: string, parentURL: string | URL, options?: { data?: unknown }) => void }).register;
  if (typeof register !== 'function') return;
  try {
    register('@opentelemetry/instrumentation/hook.mjs', pathToFileURL(__filename), include === null ? undefined : { data: { include } });
  } catch (err) {
    report('startFailed', `ESM loader hook: ${describe(err)}`);
  }
}
