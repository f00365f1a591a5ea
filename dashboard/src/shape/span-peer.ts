// Whom an HTTP client span called, for its waterfall row: OTel names such a span by its method
// alone (`GET`, HTTP semantic conventions), so a trace with several downstream calls reads
// "GET, GET, GET" until each is opened (QA3). The peer comes from the stable attributes
// (`server.address`, `server.port`, `url.full`) or the older ones (`net.peer.name`,
// `net.peer.port`, `http.url`). Only host, port and path: a query string may carry secrets.

import type { SpanView } from '@headroom/collector/api-types';

const CLIENT = 3;

function text(v: unknown): string | null {
  return typeof v === 'string' && v !== '' ? v : null;
}

function port(v: unknown): string | null {
  if (typeof v === 'number' && Number.isInteger(v) && v > 0) return String(v);
  return typeof v === 'string' && /^\d+$/.test(v) ? v : null;
}

function parsedUrl(v: unknown): URL | null {
  const s = text(v);
  if (s === null) return null;
  try {
    return new URL(s);
  } catch {
    return null;
  }
}

/** "stock:41002/price/abc" for an HTTP client span, or null (not one, or nothing known of its peer). */
export function clientPeer(span: Pick<SpanView, 'kind' | 'attributes'>): string | null {
  const a = span.attributes;
  if (span.kind !== CLIENT) return null;
  const url = parsedUrl(a['url.full']) ?? parsedUrl(a['http.url']);
  const isHttp = url !== null || text(a['http.request.method']) !== null || text(a['http.method']) !== null;
  if (!isHttp) return null;
  const host = text(a['server.address']) ?? text(a['net.peer.name']) ?? (url?.hostname || null);
  if (host === null) return null;
  const p = port(a['server.port']) ?? port(a['net.peer.port']) ?? (url?.port || null);
  const path = url !== null && url.pathname !== '/' ? url.pathname : '';
  // An IPv6 literal keeps its brackets before a port.
  const shownHost = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  return `${shownHost}${p !== null ? `:${p}` : ''}${path}`;
}
