// Which build of the app this process runs, for the collector's deployments: service.version
// (stable in OTel's resource conventions) and the VCS revision, vcs.ref.head.revision
// (experimental, semantic-conventions 1.45). Both are set in OTEL_RESOURCE_ATTRIBUTES when the
// deploy sets them there (the envDetector's value wins over these); OTel has no
// OTEL_SERVICE_VERSION of its own (opentelemetry-specification#1901, declined in favour of
// OTEL_RESOURCE_ATTRIBUTES), so Headroom adds no variable either.
import type { Attributes } from '@opentelemetry/api';
import type { AppPackage } from './service-name';

/**
 * Variables a hosting platform sets at run time to the commit it deployed, in order: each one
 * documented by its platform as present in the running process, not only while building (as
 * Heroku's SOURCE_VERSION or a CI's GITHUB_SHA are).
 */
export const REVISION_VARIABLES: readonly string[] = [
  // Heroku, with dyno metadata on (heroku labs:enable runtime-dyno-metadata).
  'HEROKU_SLUG_COMMIT',
  // Render sets it for every service, at build and run time.
  'RENDER_GIT_COMMIT',
];

/** Longer values are someone's mistake (a whole changelog): not sent. */
const MAX_LENGTH = 256;

function value(raw: string | undefined): string | null {
  const v = raw?.trim();
  return v && v.length <= MAX_LENGTH ? v : null;
}

/** service.version from the app's package.json, and the platform's revision, when known. */
export function versionAttributes(pkg: AppPackage | null, env: NodeJS.ProcessEnv = process.env): Attributes {
  const attrs: Attributes = {};
  const version = value(pkg?.version ?? undefined);
  if (version !== null) attrs['service.version'] = version;
  for (const name of REVISION_VARIABLES) {
    const revision = value(env[name]);
    if (revision !== null) {
      attrs['vcs.ref.head.revision'] = revision;
      break;
    }
  }
  return attrs;
}
