// service.name when OTEL_SERVICE_NAME is unset: the name in the app's package.json, found by
// walking up from the main script (as npm would), never the agent's own package.json.
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

const MAX_LEVELS = 20;
/** What OTel's SDKs call a service that has no name. */
export const UNKNOWN_SERVICE = 'unknown_service:node';

export function packageNameFrom(startDir: string, read: (path: string) => string = (p) => readFileSync(p, 'utf8')): string | null {
  let dir = resolve(startDir);
  for (let i = 0; i < MAX_LEVELS; i++) {
    try {
      const parsed: unknown = JSON.parse(read(join(dir, 'package.json')));
      if (parsed && typeof parsed === 'object' && 'name' in parsed) {
        const name = (parsed as { name: unknown }).name;
        if (typeof name === 'string' && name.trim() !== '' && name !== '@headroom/agent') return name.trim();
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

export function defaultServiceName(): string {
  const main = process.argv[1];
  const fromMain = main ? packageNameFrom(dirname(main)) : null;
  return fromMain ?? packageNameFrom(process.cwd()) ?? UNKNOWN_SERVICE;
}
