// A transaction name that wraps where a reader would break it: after the method and after each
// "/", not in the middle of a word. With `overflow-wrap: anywhere` alone a narrow table shrank
// its route column until "GET /orders/:id/items" read "GET /ord | ers/:id/it | ems" (QA, 390 px).
// The text stays text: <wbr> elements between the parts, never markup from the app.
import { Fragment } from 'preact';
import { isMethodOnly, UNMATCHED_NOTE, UNMATCHED_SHORT } from '../shape/unmatched-route';

/** The parts of `route` that wrap as a whole: each ends after a space or a slash. */
export function routeParts(route: string): string[] {
  return route.split(/(?<=[ /])/);
}

export function RouteText({ route }: { route: string }) {
  return (
    <>
      {routeParts(route).map((part, i) => (
        <Fragment key={i}>
          {i > 0 && <wbr />}
          {part}
        </Fragment>
      ))}
    </>
  );
}

/** A transaction name in a list, saying so when it is a method alone: no route matched. */
export function TransactionName({ route }: { route: string }) {
  return (
    <>
      <RouteText route={route} />
      {isMethodOnly(route) && (
        <span class="route-note" data-testid="unmatched-route" title={UNMATCHED_NOTE}>
          {` (${UNMATCHED_SHORT})`}
        </span>
      )}
    </>
  );
}
