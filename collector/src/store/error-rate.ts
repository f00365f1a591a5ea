// Which requests an error rate counts when told apart by route: every failed request, over every
// request but those no route matched that did not fail. A vulnerability scanner trying hundreds of
// unknown paths gets a fast 404 for each (no route matched, no failure): counted, 3,000 of them
// beside 100 checkouts of which 30 failed read 1 % instead of 30 %, so an error-rate rule never
// fired. The unrouted requests that failed stay: a root middleware's 500s (a broken body parser,
// auth) matched no route either, and may be every failure there is. The alerts' error_rate over a
// whole service, the service page's `?routes=matched`, and the deployments (and so the advisor's
// deploy rule) count this way (docs/alerts.md).

/** Requests and the failed ones among them. */
export interface ErrorCounts {
  requests: number;
  errors: number;
}

/** The requests an error rate is over, from all of them and those no route matched (a method alone). */
export function errorRateCounts(all: ErrorCounts, unmatched: ErrorCounts): ErrorCounts {
  return { requests: all.requests - (unmatched.requests - unmatched.errors), errors: all.errors };
}

/** The same from the requests that matched a route and those no route matched: the matched ones and the unmatched failures. */
export function errorRateCountsOfMatched(matched: ErrorCounts, unmatched: ErrorCounts): ErrorCounts {
  return { requests: matched.requests + unmatched.errors, errors: matched.errors + unmatched.errors };
}

/** Failed / requests; null without requests. */
export function errorRateOf(c: ErrorCounts): number | null {
  return c.requests > 0 ? c.errors / c.requests : null;
}
