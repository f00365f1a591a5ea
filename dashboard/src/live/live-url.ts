/** The /ws URL on the page's own host, with the dashboard token as a query parameter. */
export function liveUrl(location: { protocol: string; host: string }, token: string | null): string {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const base = `${scheme}//${location.host}/ws`;
  return token === null ? base : `${base}?token=${encodeURIComponent(token)}`;
}
