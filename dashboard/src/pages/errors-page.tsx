// What is failing, how often, where and since when: the service's kept failed traces grouped by
// kind (collector/src/store/error-kind.ts), most first, beside the exact failed-request count of
// the request metrics. Each group links to its newest trace and to the traces page narrowed to it.
// Kinds and messages come from apps: shown as text, never as HTML.

import type { ErrorGroup, ErrorGroupsResponse } from '@headroom/collector/api-types';
import { useRef } from 'preact/hooks';
import { api } from '../api/endpoints';
import { Link } from '../components/link';
import { TransactionName } from '../components/route-text';
import { Async, EmptyNote } from '../components/states';
import { TableScroll } from '../components/table-scroll';
import { formatTime } from '../format/units';
import { useLive, useLiveMessages, useThrottledRefresh } from '../live/live-context';
import { newFailures, readFailures } from '../shape/live-failures';
import { exactCount, failuresNotes, failuresSummary, groupRoutesText, kindTitle, kindTracesLinkText, sparkBars, sparkText } from '../shape/error-groups';
import { isLive } from '../state/time-range';
import { useApi } from '../state/use-api';
import { useNavigation } from '../state/use-view';
import { withPage } from '../state/view-state';

const SPARK_WIDTH = 120;
const SPARK_HEIGHT = 28;
const FAILED_ROUTES_SHOWN = 5;

export function ErrorsPage({ service }: { service: string }) {
  const { view } = useNavigation();
  const { resyncVersion } = useLive();
  const [refresh, trigger] = useThrottledRefresh(5000);
  // New failures arrive as failed trace frames and as request aggregates (the exact count): only
  // those refresh, as the answer re-reads up to 2,000 failed traces (shape/live-failures.ts). The
  // minutes' counts read with each answer are not new.
  const failuresSeen = useRef(new Map<number, number>());
  const errors = useApi(
    `errors:${service}:${JSON.stringify(view.range)}`,
    (s) =>
      api.errors(service, view.range, s).then((r) => {
        readFailures(failuresSeen.current, r.failedRequests.minutes);
        return r;
      }),
    [resyncVersion, refresh],
  );
  useLiveMessages(isLive(view.range), (msg) => {
    if (msg.type === 'trace' && msg.trace.service === service && msg.trace.error) trigger();
    else if (msg.type === 'aggregate' && msg.aggregate.service === service && newFailures(failuresSeen.current, msg.aggregate)) trigger();
  });

  return (
    <section class="page errors-page">
      <h1>
        <span class="page-kind">Errors</span> {service}
      </h1>
      <Async state={errors} what="errors">
        {(data) =>
          data.groups.length === 0 && data.failedRequests.count === 0 ? (
            <EmptyNote>
              <span data-testid="errors-empty">Nothing failed in this range: no failed requests, and no failed traces kept.</span>
            </EmptyNote>
          ) : (
            <>
              <FailuresSummary data={data} />
              {data.groups.length === 0 ? (
                <EmptyNote>
                  <span data-testid="errors-empty">
                    No failed trace was kept in this range, so there is nothing to group: the agent keeps failed traces within its per-second budget (HEADROOM_ERROR_TRACES_PER_SECOND).
                  </span>
                </EmptyNote>
              ) : (
                <ErrorGroupsTable data={data} />
              )}
            </>
          )
        }
      </Async>
    </section>
  );
}

function FailuresSummary({ data }: { data: ErrorGroupsResponse }) {
  const routes = data.failedRequests.routes.slice(0, FAILED_ROUTES_SHOWN);
  const more = data.failedRequests.routes.length - routes.length;
  return (
    <div class="errors-summary">
      <p class="errors-headline" data-testid="errors-summary">{failuresSummary(data)}</p>
      {routes.length > 0 && (
        <p class="muted list-note" data-testid="failed-routes">
          {'Failed requests by route: '}
          {routes.map((r, i) => (
            <span key={r.route}>
              {i > 0 && ' · '}
              <TransactionName route={r.route} /> {exactCount(r.count)}
            </span>
          ))}
          {more > 0 && ` · and ${exactCount(more)} more`}
        </p>
      )}
      {failuresNotes(data).map((note) => (
        <p key={note} class="muted list-note" data-testid="errors-note">{note}</p>
      ))}
    </div>
  );
}

/** What a kind's figures count: the traces the agent kept, not its failures (counted above the table). */
const SAMPLED_TITLE =
  'Failed traces of this kind the agent kept: a sample, within its per-second budget (HEADROOM_ERROR_TRACES_PER_SECOND), not the number of failures; the failed requests are counted above the table.';

function ErrorGroupsTable({ data }: { data: ErrorGroupsResponse }) {
  return (
    <TableScroll label="Errors by kind">
      <table class="table errors-table" data-testid="errors-table">
        <caption class="sr-only">Failed traces grouped by kind, most first</caption>
        <thead>
          <tr>
            <th>Kind</th>
            <th class="num" title={SAMPLED_TITLE}>Sampled traces</th>
            <th title={SAMPLED_TITLE}>Routes (sampled traces)</th>
            <th>First seen</th>
            <th>Last seen</th>
            <th>Over the range</th>
          </tr>
        </thead>
        <tbody>
          {data.groups.map((g) => (
            <ErrorGroupRow key={g.kind} group={g} data={data} />
          ))}
        </tbody>
      </table>
    </TableScroll>
  );
}

function ErrorGroupRow({ group: g, data }: { group: ErrorGroup; data: ErrorGroupsResponse }) {
  const { view } = useNavigation();
  const title = kindTitle(g);
  const listed = withPage(view, 'traces', { traceFilters: { minDurationMs: null, errorsOnly: false, all: false, sort: 'start', errorKind: g.kind } });
  const bars = sparkBars(g.buckets, SPARK_WIDTH, SPARK_HEIGHT);
  return (
    <tr data-kind={g.kind}>
      <td class="error-kind-cell">
        <div class="error-kind" data-testid="error-kind">{title}</div>
        {g.example.message !== null && g.example.message !== g.kind && (
          <div class="error-example muted" data-testid="error-example" title={g.example.message}>
            {'e.g. '}
            {g.example.message}
          </div>
        )}
        <div class="error-links">
          <Link to={withPage(view, 'trace', { traceId: g.example.traceId })} aria-label={`newest trace of ${title}`}>newest trace</Link>
          {' · '}
          {/* Its name starts with the words shown (WCAG 2.5.3, label in name): "all 3 sampled traces" is what a voice user says. */}
          <Link to={listed} aria-label={`${kindTracesLinkText(g.count)}: the kept traces of ${title}`}>
            {kindTracesLinkText(g.count)}
          </Link>
        </div>
      </td>
      <td class="num" data-col="count">{exactCount(g.count)}</td>
      <td class="error-routes" data-col="routes" title={groupRoutesText(g)}>
        {g.routes.map((r, i) => (
          <div key={r.route ?? `none-${i}`}>
            {r.route === null ? <span class="muted">no route</span> : <TransactionName route={r.route} />} <span class="muted">{exactCount(r.count)}</span>
          </div>
        ))}
        {g.routeCount > g.routes.length && <div class="muted">{`and ${exactCount(g.routeCount - g.routes.length)} more`}</div>}
      </td>
      <td data-col="first-seen"><time>{formatTime(g.firstSeenMs)}</time></td>
      <td data-col="last-seen"><time>{formatTime(g.lastSeenMs)}</time></td>
      <td class="spark-col">
        <svg class="error-spark" width={SPARK_WIDTH} height={SPARK_HEIGHT} viewBox={`0 0 ${SPARK_WIDTH} ${SPARK_HEIGHT}`} role="img" aria-label={sparkText(data.t, g.buckets, data.bucketMs)}>
          {/* The baseline: time without a kept trace reads as none, not as no chart. */}
          <rect class="error-spark-base" x={0} y={SPARK_HEIGHT - 1} width={SPARK_WIDTH} height={1} />
          {bars.map((b, i) => (
            <rect key={i} x={b.x} y={b.y} width={b.width} height={b.height} />
          ))}
        </svg>
      </td>
    </tr>
  );
}
