// Apdex T of a service: the resource attribute `headroom.apdex_t_ms` (set by the agent from
// HEADROOM_APDEX_T), read defensively since it comes from the app.
import type { Attributes } from '../../model';

const MAX_T_MS = 600_000;

export function apdexTFromResource(resource: Attributes | string): number | null {
  let attrs: unknown = resource;
  if (typeof resource === 'string') {
    try {
      attrs = JSON.parse(resource);
    } catch {
      return null;
    }
  }
  if (!attrs || typeof attrs !== 'object') return null;
  const raw = (attrs as Record<string, unknown>)['headroom.apdex_t_ms'];
  const t = typeof raw === 'number' ? raw : typeof raw === 'string' ? Number(raw) : NaN;
  return Number.isFinite(t) && t > 0 && t <= MAX_T_MS ? t : null;
}
