// Which build a process runs, from its resource: `service.version` (stable in OTel's resource
// conventions) and its VCS revision, `vcs.ref.head.revision` (or the older
// `vcs.repository.ref.revision` it replaced, which other SDKs may still send). Text only, as
// migration 14 fills the rows stored before: a number or a list is not a version to compare.
import type { Attributes } from '../../model';

export interface ResourceVersion {
  version: string | null;
  revision: string | null;
}

function text(attrs: Attributes, key: string): string | null {
  const v = attrs[key];
  return typeof v === 'string' && v.trim() !== '' ? v.trim() : null;
}

export function resourceVersion(attrs: Attributes): ResourceVersion {
  return {
    version: text(attrs, 'service.version'),
    revision: text(attrs, 'vcs.ref.head.revision') ?? text(attrs, 'vcs.repository.ref.revision'),
  };
}
