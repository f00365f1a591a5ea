// "The collector refused our token": told by every API call that got a 401, heard by the auth
// gate (components/auth-gate.tsx), which then shows the sign-in view.

import { currentToken } from './token';

const listeners = new Set<() => void>();

export function onUnauthorized(listener: () => void): () => void {
  listeners.add(listener);
  return () => {
    listeners.delete(listener);
  };
}

/**
 * A request sent with `tokenUsed` was answered 401. A request that left before the token
 * changed (the user just signed in) says nothing about the new one, so it is ignored.
 */
export function reportUnauthorized(tokenUsed: string | null): void {
  if (tokenUsed !== currentToken()) return;
  for (const l of [...listeners]) l();
}

export type TokenCheck = 'accepted' | 'refused' | 'unreachable';

/** Asks the collector whether it takes `token` (GET /api/collector, the cheapest guarded route). */
export async function checkToken(token: string): Promise<TokenCheck> {
  try {
    const res = await fetch('/api/collector', { headers: { Accept: 'application/json', Authorization: `Bearer ${token}` } });
    await res.arrayBuffer().catch(() => undefined);
    return res.status === 401 ? 'refused' : 'accepted';
  } catch {
    return 'unreachable';
  }
}
