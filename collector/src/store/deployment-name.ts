// How a deployment (a version and revision pair) is named in words: by the advisor's findings
// and on the dashboard (which imports this), so both say "2.4.1 (a1b2c3d4e5f6)" alike.
import type { Deployment } from '../api-types';

/** A Git SHA reads as its first 12 characters, as `git log --abbrev=12`; other revisions as they are. */
export function shortRevision(revision: string): string {
  return /^[0-9a-f]{13,64}$/i.test(revision) ? revision.slice(0, 12) : revision;
}

/** "2.4.1 (a1b2c3d4e5f6)", "2.4.1", or "revision a1b2c3d4e5f6" when only a revision was sent. */
export function deploymentName(d: Pick<Deployment, 'version' | 'revision'>): string {
  if (d.version === null) return d.revision === null ? 'unknown version' : `revision ${shortRevision(d.revision)}`;
  return d.revision === null ? d.version : `${d.version} (${shortRevision(d.revision)})`;
}
