// A transaction named by its method alone (`GET`): the agent names a server span "METHOD route"
// and falls back to the method when no route matched — 404s, and requests a catch-all
// middleware answered (OTel's HTTP semantic conventions: the span name is `{method}` when there
// is no `http.route`). The row is real traffic, but its name does not say so.

/** HTTP methods as the agent writes them (`_OTHER`: a method OTel does not know). */
const METHOD_ONLY = /^(?:GET|HEAD|POST|PUT|DELETE|CONNECT|OPTIONS|TRACE|PATCH|QUERY|_OTHER)$/;

export const UNMATCHED_NOTE = 'no route matched (404s, catch-all middleware)';

export function isMethodOnly(transaction: string): boolean {
  return METHOD_ONLY.test(transaction);
}
