// The route an express request matched, as a pattern ('/api/users/:id'), built from the layers
// it passed through. Express keeps only the concrete mount path (`req.baseUrl`, '/api/v1'),
// so each mount a request enters leaves a (concrete base → pattern prefix) pair here; the
// route layer that finally matches looks its base up and appends its own path. The pairs are
// never popped (that would need a wrapper around every `next`): a stale pair is harmless
// because lookups are by the exact concrete base, newest first.

/** A request's mounts entered so far (newest last), at most MAX_MOUNTS. */
export type MountTrail = { base: string; prefix: string }[];

const MAX_MOUNTS = 16;

/** A layer's path as route text: strings as they are, RegExps as source, arrays joined. */
export function patternText(path: unknown): string | undefined {
  if (typeof path === 'string') return path;
  if (path instanceof RegExp) return String(path);
  if (Array.isArray(path)) {
    const parts = path.map(patternText).filter((p): p is string => p !== undefined);
    return parts.length > 0 ? parts.join(',') : undefined;
  }
  return undefined;
}

export function joinRoute(prefix: string, pattern: string): string {
  if (prefix === '' || prefix === '/') return pattern;
  if (pattern === '/' || pattern === '') return prefix;
  return prefix.endsWith('/') && pattern.startsWith('/') ? prefix + pattern.slice(1) : prefix + pattern;
}

/** The pattern prefix of the concrete base URL `base` ('' at the app's root). */
export function prefixOf(trail: MountTrail | null, base: string): string {
  if (base === '') return '';
  if (trail !== null) {
    for (let i = trail.length - 1; i >= 0; i--) {
      const entry = trail[i] as MountTrail[number];
      if (entry.base === base) return entry.prefix;
    }
  }
  // A mount this trail never saw (a router from another copy of express): the concrete path
  // is the best name there is.
  return base;
}

// A plain string pattern matches one URL segment per pattern segment.
const ONE_SEGMENT_EACH = /^[^*?(){}\\[\]]*$/;

/**
 * The concrete base URL a mount layer was entered from. `base` is `req.baseUrl` inside the
 * layer; `matched` the concrete part the layer matched, where the router still stores it on
 * the layer (express 4, router < 2.3); otherwise it is counted off `base` by the pattern's
 * segments, or, for patterns that do not match segment by segment, taken from the newest
 * entered mount that is a prefix of `base`.
 */
export function parentBase(trail: MountTrail | null, base: string, pattern: string, matched: unknown): string {
  if (typeof matched === 'string') {
    const removed = matched.endsWith('/') ? matched.length - 1 : matched.length;
    return base.slice(0, Math.max(0, base.length - removed));
  }
  if (ONE_SEGMENT_EACH.test(pattern)) {
    let segments = 0;
    for (const s of pattern.split('/')) if (s !== '') segments++;
    let end = base.length;
    for (let i = 0; i < segments && end > 0; i++) end = base.lastIndexOf('/', end - 1);
    return base.slice(0, Math.max(0, end));
  }
  if (trail !== null) {
    for (let i = trail.length - 1; i >= 0; i--) {
      const entry = trail[i] as MountTrail[number];
      if (entry.base.length < base.length && base.startsWith(entry.base) && base[entry.base.length] === '/') return entry.base;
    }
  }
  return '';
}

/**
 * The name of a request answered inside a mount without reaching a route (an auth middleware's
 * 401 under `app.use('/admin', …)`, a mounted router's 404): the newest mount entered, as
 * "/admin/*". Mount patterns are the app's own, so the names stay few; the method alone would
 * lump every such answer of the app together.
 */
export function mountRoute(trail: MountTrail | null): string | undefined {
  const newest = trail?.[trail.length - 1];
  if (newest === undefined) return undefined;
  return newest.prefix.endsWith('/') ? `${newest.prefix}*` : `${newest.prefix}/*`;
}

/** Records a mount just entered; returns the trail (created on the first mount). */
export function enterMount(trail: MountTrail | null, base: string, pattern: string, matched: unknown): MountTrail {
  const prefix = joinRoute(prefixOf(trail, parentBase(trail, base, pattern, matched)), pattern);
  const out = trail ?? [];
  if (out.length >= MAX_MOUNTS) out.shift();
  out.push({ base, prefix });
  return out;
}
