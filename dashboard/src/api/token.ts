// The dashboard token, held by the page, never by a cookie (a host's cookies go to every port of
// it, so an app on 127.0.0.1:3000 would receive a collector's token). Given once as `?token=` or
// `#token=` (a fragment never reaches the server or its logs), or typed into the sign-in view;
// kept in localStorage, which is per origin (scheme, host and port: other ports never see it)
// and shared by the tabs of that origin, so a second tab does not ask again; removed by "Forget
// token". Taken out of the address bar, so deep links and screenshots do not carry it. Sent as
// `Authorization: Bearer` on fetch and as `?token=` on the WebSocket URL (browsers cannot set
// headers on a WebSocket handshake).

const KEY = 'headroom.token';

export interface TokenStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

/**
 * Moves a `token` parameter of the query or the fragment into the store; returns the URL
 * without it (or null if there was none). The query's wins when both carry one.
 */
export function takeTokenFromUrl(href: string, store: TokenStore): string | null {
  const url = new URL(href);
  const fragment = new URLSearchParams(url.hash.slice(1));
  const fromQuery = url.searchParams.get('token');
  const fromFragment = fragment.get('token');
  if (fromQuery === null && fromFragment === null) return null;
  const token = fromQuery ?? fromFragment ?? '';
  if (token.length > 0) store.setItem(KEY, token);
  url.searchParams.delete('token');
  if (fromFragment !== null) {
    fragment.delete('token');
    url.hash = fragment.toString();
  }
  return url.pathname + url.search + url.hash;
}

export function readToken(store: TokenStore): string | null {
  const token = store.getItem(KEY);
  return token !== null && token.length > 0 ? token : null;
}

let memoryToken: string | null = null;
const memory: TokenStore = {
  getItem: () => memoryToken,
  setItem: (_k, v) => {
    memoryToken = v;
  },
  removeItem: () => {
    memoryToken = null;
  },
};

function browserStore(): TokenStore {
  try {
    return window.localStorage;
  } catch {
    return memory; // storage disabled: the token then lives only in this page's memory
  }
}

const listeners = new Set<() => void>();

function changed(): void {
  for (const l of [...listeners]) l();
}

/** Called when the token is stored or forgotten, here or in another tab of this origin. */
export function onTokenChange(listener: () => void): () => void {
  listeners.add(listener);
  return () => {
    listeners.delete(listener);
  };
}

export function initToken(): void {
  const cleaned = takeTokenFromUrl(window.location.href, browserStore());
  if (cleaned !== null) window.history.replaceState(window.history.state, '', cleaned);
  // Another tab signed in or forgot the token: this one follows (localStorage fires `storage`
  // only in the other tabs).
  window.addEventListener('storage', (e) => {
    if (e.key === KEY || e.key === null) changed();
  });
}

export function currentToken(): string | null {
  return readToken(browserStore());
}

export function storeToken(token: string): void {
  browserStore().setItem(KEY, token);
  changed();
}

export function forgetToken(): void {
  browserStore().removeItem(KEY);
  changed();
}
