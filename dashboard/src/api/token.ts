// The dashboard token: given once as `?token=` in the URL, kept in sessionStorage (gone when
// the tab closes) and taken out of the address bar, so deep links and screenshots do not
// carry it. Sent as `Authorization: Bearer` on fetch and as `?token=` on the WebSocket URL
// (browsers cannot set headers on a WebSocket handshake).

const KEY = 'headroom.token';

export interface TokenStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

/** Moves a `token` query parameter into the store; returns the URL without it (or null if none). */
export function takeTokenFromUrl(href: string, store: TokenStore): string | null {
  const url = new URL(href);
  const token = url.searchParams.get('token');
  if (token === null) return null;
  if (token.length > 0) store.setItem(KEY, token);
  url.searchParams.delete('token');
  return url.pathname + url.search + url.hash;
}

export function readToken(store: TokenStore): string | null {
  const token = store.getItem(KEY);
  return token !== null && token.length > 0 ? token : null;
}

function browserStore(): TokenStore | null {
  try {
    return window.sessionStorage;
  } catch {
    return null; // storage disabled: the token then lives only in this page's memory
  }
}

let memoryToken: string | null = null;

export function initToken(): void {
  const store = browserStore();
  const memory: TokenStore = {
    getItem: () => memoryToken,
    setItem: (_k, v) => { memoryToken = v; },
  };
  const cleaned = takeTokenFromUrl(window.location.href, store ?? memory);
  if (cleaned !== null) window.history.replaceState(window.history.state, '', cleaned);
}

export function currentToken(): string | null {
  const store = browserStore();
  return store ? readToken(store) : memoryToken;
}
