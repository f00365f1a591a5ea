// service.name when OTEL_SERVICE_NAME is unset, and service.version when no one set one: the
// name and version in the app's package.json, found by walking up from the main script (as
// npm would), never the agent's own package.json. Read once, synchronously, never throwing.
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

const MAX_LEVELS = 20;
/** What OTel's SDKs call a service that has no name. */
export const UNKNOWN_SERVICE = 'unknown_service:node';

/** The app's package.json: its name, and its version when it has one. */
export interface AppPackage {
  name: string;
  version: string | null;
}

function text(value: unknown): string | null {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : null;
}

/** The nearest package.json with a name at or above `startDir`, other than the agent's. */
export function appPackageFrom(startDir: string, read: (path: string) => string = (p) => readFileSync(p, 'utf8')): AppPackage | null {
  let dir = resolve(startDir);
  for (let i = 0; i < MAX_LEVELS; i++) {
    try {
      const parsed: unknown = JSON.parse(read(join(dir, 'package.json')));
      if (parsed && typeof parsed === 'object') {
        const fields = parsed as { name?: unknown; version?: unknown };
        const name = text(fields.name);
        if (name !== null && name !== '@headroom/agent') return { name, version: text(fields.version) };
      }
    } catch {
      // no (readable) package.json here: keep walking up
    }
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return null;
}

export function packageNameFrom(startDir: string, read?: (path: string) => string): string | null {
  return appPackageFrom(startDir, read)?.name ?? null;
}

/** The app's package.json, from its main script's folder, else from the working directory. */
export function appPackage(): AppPackage | null {
  const main = process.argv[1];
  return (main ? appPackageFrom(dirname(main)) : null) ?? appPackageFrom(process.cwd());
}

export function defaultServiceName(pkg: AppPackage | null = appPackage()): string {
  return pkg?.name ?? UNKNOWN_SERVICE;
}
