// A transaction named by its method alone (`GET`): the agent names a server span "METHOD route"
// and falls back to the method when no route matched — 404s, and requests a middleware answered
// before routing, such as express.json()'s 400 (or its SyntaxError an app's error handler made a
// 500) for a body it could not parse: the route it was sent to was never matched, and naming it
// by its path would make a name per URL (OTel's HTTP semantic conventions: the span name is
// `{method}` when there is no `http.route`). The row is real traffic, but its name does not say so.

/** HTTP methods as the agent writes them (`_OTHER`: a method OTel does not know). */
const METHOD_ONLY = /^(?:GET|HEAD|POST|PUT|DELETE|CONNECT|OPTIONS|TRACE|PATCH|QUERY|_OTHER)$/;

export const UNMATCHED_NOTE = "no route matched (404s, and middleware that answered before routing: a body parser's 400, an auth check)";

/** The same, short, beside a name in a list; UNMATCHED_NOTE is its tooltip. */
export const UNMATCHED_SHORT = 'no route matched';

export function isMethodOnly(transaction: string): boolean {
  return METHOD_ONLY.test(transaction);
}
