// A transaction name that wraps where a reader would break it: after the method and after each
// "/", not in the middle of a word. With `overflow-wrap: anywhere` alone a narrow table shrank
// its route column until "GET /orders/:id/items" read "GET /ord | ers/:id/it | ems" (QA, 390 px).
// The text stays text: <wbr> elements between the parts, never markup from the app.
import { Fragment } from 'preact';

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
