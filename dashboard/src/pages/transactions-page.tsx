// Routes ranked by the total time they consume (the share of the service's time), and one
// route's own charts, where its time goes (database, external calls, app) and slow traces when picked.

import type { TransactionsResponse, TransactionSummary } from '@headroom/collector/api-types';
import { useEffect, useRef } from 'preact/hooks';
import { api } from '../api/endpoints';
import { errorRateChart, throughputChart } from '../charts/service-metric-charts';
import { responseTimeChart } from '../charts/response-time-chart';
import { UplotChart } from '../charts/uplot-chart';
import { Link } from '../components/link';
import { RouteText } from '../components/route-text';
import { Async, EmptyNote, NoDataInRange } from '../components/states';
import { TimeBreakdown } from '../components/time-breakdown';
import { TracesTable } from '../components/traces-table';
import { formatCount, formatMs, formatPercent, formatPercentile, formatTime } from '../format/units';
import { deploymentsToMarkers } from '../shape/deployments';
import { percentileSampleNote } from '../shape/percentile-sample';
import { isMethodOnly, UNMATCHED_NOTE } from '../shape/unmatched-route';
import { useLive, useLiveMessages, useThrottledRefresh } from '../live/live-context';
import { useApi } from '../state/use-api';
import { useNavigation } from '../state/use-view';
import { withPage } from '../state/view-state';
import { useRangeWindow } from './use-range-window';
import { TableScroll } from '../components/table-scroll';

export function TransactionsPage({ service }: { service: string }) {
  const { view } = useNavigation();
  const { resyncVersion } = useLive();
  const rangeKey = JSON.stringify(view.range);
  const [refresh, trigger] = useThrottledRefresh(5000);
  const { live } = useRangeWindow(null);
  useLiveMessages(live, (msg) => {
    if (msg.type === 'aggregate' && msg.aggregate.service === service) trigger();
  });
  const tx = useApi(`tx:${service}:${rangeKey}`, (s) => api.transactions(service, view.range, s), [resyncVersion, refresh]);
  // A closed route's detail hands the keyboard's focus back to that route's row (its button is gone).
  const closed = useRef<string | null>(null);
  useEffect(() => {
    const route = closed.current;
    closed.current = null;
    if (view.route !== null || route === null) return;
    const rows = document.querySelectorAll<HTMLElement>('[data-testid="transactions-table"] tr[data-route]');
    Array.from(rows).find((r) => r.dataset.route === route)?.querySelector<HTMLElement>('a')?.focus();
  }, [view.route]);

  return (
    <section class="page transactions-page">
      <h1>
        <span class="page-kind">Transactions</span> {service}
      </h1>
      {view.route !== null && <RouteDetail service={service} route={view.route} refresh={refresh} onClose={(route) => (closed.current = route)} />}
      <Async state={tx} what="transactions">
        {(data) =>
          data.transactions.length === 0 ? (
            <NoDataInRange service={service} from={data.from} to={data.to} what="requests" />
          ) : (
            <>
              <FoldedRoutesNote data={data} />
              <TransactionsTable rows={data.transactions} selected={view.route} />
              <MoreRoutesNote data={data} />
            </>
          )
        }
      </Async>
    </section>
  );
}

function TransactionsTable({ rows, selected }: { rows: TransactionSummary[]; selected: string | null }) {
  const { view } = useNavigation();
  const ranked = [...rows].sort((a, b) => b.totalTimeMs - a.totalTimeMs);
  return (
    <TableScroll label="Transactions">
      <table class="table transactions-table" data-testid="transactions-table">
        <thead>
          <tr>
            <th>Route</th>
            <th class="share-col">Share of time</th>
            <th class="num">Requests</th>
            <th class="num">Total time</th>
            <th class="num">p50</th>
            <th class="num">p95</th>
            <th class="num">p99</th>
            <th class="num">Errors</th>
            <th class="num" title={QUEUE_WAIT_NOTE}>Queue wait*</th>
            <th class="num">Stalls</th>
          </tr>
        </thead>
        <tbody>
          {ranked.map((t) => (
            <tr key={t.route} data-route={t.route} class={t.route === selected ? 'selected' : undefined}>
              <td class="route-cell">
                <Link to={{ ...view, page: 'transactions', route: t.route }}><RouteText route={t.route} /></Link>
                {isMethodOnly(t.route) && <div class="route-note" data-testid="unmatched-route">{UNMATCHED_NOTE}</div>}
              </td>
              <td class="share-col">
                <div class="share-bar" aria-hidden="true">
                  <div class="share-fill" style={{ width: `${Math.max(0, Math.min(100, t.share * 100)).toFixed(1)}%` }} />
                </div>
                <span class="share-text">{formatPercent(t.share)}</span>
              </td>
              <td class="num" data-col="requests">{formatCount(t.requests)}</td>
              <td class="num">{formatMs(t.totalTimeMs)}</td>
              {(['p50', 'p95', 'p99'] as const).map((p) => (
                <td key={p} class="num" data-col={p} title={percentileSampleNote(t.requests, [p]) ?? undefined}>{formatPercentile(t[`${p}Ms`], t.requests, p)}</td>
              ))}
              <td class={t.errors > 0 ? 'num error-text' : 'num'} data-col="errors">
                {t.errors > 0 ? `${formatCount(t.errors)} (${formatPercent(t.errorRate)})` : '0'}
              </td>
              <td class="num" data-col="queue-wait">{formatMs(t.queueWaitMs)}</td>
              <td class={t.stalls > 0 ? 'num stall-text' : 'num'}>{t.stalls > 0 ? `${t.stalls} (${formatMs(t.stallMs)})` : '0'}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p class="muted-text" data-testid="queue-wait-note">{`* ${QUEUE_WAIT_NOTE}`}</p>
    </TableScroll>
  );
}

/**
 * Routes past the service's budget of new routes are stored as "METHOD (other routes)" by the
 * collector (docs/collector-store.md#route-budget): said above the table, so the bucket's row
 * is read as what it is — usually a scanner, or an SDK reporting raw paths as routes.
 */
function FoldedRoutesNote({ data }: { data: TransactionsResponse }) {
  const folded = data.folded;
  if (!folded) return null;
  return (
    <p class="rule-notice" role="status" data-testid="folded-routes-note">
      {`${formatCount(folded.routes)} new route${folded.routes === 1 ? '' : 's'} folded into "(other routes)" since ${formatTime(folded.sinceMs)}`}
      {`, ${formatCount(folded.requests)} requests: the service had added its allowance of new routes for the day (a scanner, or raw paths sent as routes).`}
    </p>
  );
}

/** The API lists the top routes by total time; how many more it counted. */
function MoreRoutesNote({ data }: { data: TransactionsResponse }) {
  const more = (data.totalRoutes ?? data.transactions.length) - data.transactions.length;
  if (!data.truncated || more <= 0) return null;
  return (
    <p class="muted-text" data-testid="more-routes">
      {`${formatCount(more)} more route${more === 1 ? '' : 's'}, each with less total time than the last one listed.`}
    </p>
  );
}

const QUEUE_WAIT_NOTE =
  'Queue wait: the mean over only the requests that carried a queue-start header (X-Request-Start or X-Queue-Start, set by the proxy in front); – where none did.';

function RouteDetail({ service, route, refresh, onClose }: { service: string; route: string; refresh: number; onClose: (route: string) => void }) {
  const { view, navigate } = useNavigation();
  // Opened from the table below it: the focus goes to the detail (it left the link far down the
  // page, off screen once the page scrolls back to the top; QA4 keyboard pass).
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    if (document.activeElement?.closest('[data-testid="transactions-table"]')) heading.current?.focus();
  }, [route]);
  const { resyncVersion } = useLive();
  const rangeKey = JSON.stringify(view.range);
  const series = useApi(`series:${service}:${route}:${rangeKey}`, (s) => api.serviceSeries(service, view.range, { route }, s), [resyncVersion, refresh]);
  const breakdown = useApi(`breakdown:${service}:${route}:${rangeKey}`, (s) => api.timeBreakdown(service, view.range, route, s), [resyncVersion, refresh]);
  const traces = useApi(`rtraces:${service}:${route}:${rangeKey}`, (s) => api.traces(view.range, { service, route, sort: 'duration', limit: 20 }, s), [resyncVersion, refresh]);
  // A deploy is where a route's time steps up or down: marked on its charts as on the service
  // page's, so the step and its cause are on one screen (the on-call walkthrough: search's p50 went
  // from 40 to 120 ms at a deploy its charts did not show).
  const deployments = useApi(`deployments:${service}:${rangeKey}`, (s) => api.deployments(service, view.range, s), [resyncVersion, refresh]);
  const { window, onSelectRange } = useRangeWindow(series.data);
  const [from, to] = window ?? [0, Number.MAX_SAFE_INTEGER];
  const markers = deploymentsToMarkers(deployments.data?.deployments ?? [], from, to);
  return (
    <div class="route-detail" data-testid="route-detail">
      <h2 ref={heading} tabIndex={-1} class="focus-target">
        Route <code>{route}</code>{' '}
        {isMethodOnly(route) && <span class="route-note" data-testid="unmatched-route">{`${UNMATCHED_NOTE} `}</span>}
        <button
          type="button"
          class="link-button"
          onClick={() => {
            onClose(route);
            navigate({ ...view, route: null });
          }}
        >
          close
        </button>
      </h2>
      <div class="chart-grid">
        <Async state={series} what="route charts">
          {(s) => (
            <>
              <div class="chart-wide"><UplotChart spec={responseTimeChart(s, markers)} xRange={window} onSelectRange={onSelectRange} listMarkers /></div>
              <UplotChart spec={throughputChart(s, markers)} xRange={window} onSelectRange={onSelectRange} />
              <UplotChart spec={errorRateChart(s, markers)} xRange={window} onSelectRange={onSelectRange} />
            </>
          )}
        </Async>
      </div>
      <h3>Where the time goes</h3>
      <Async state={breakdown} what="time breakdown">
        {(data) => <TimeBreakdown breakdown={data} />}
      </Async>
      <h3>Slowest traces of this route</h3>
      <Async state={traces} what="traces">
        {(data) =>
          data.traces.length === 0 ? (
            <EmptyNote>No traces of this route were kept in this range.</EmptyNote>
          ) : (
            <TracesTable traces={[...data.traces].sort((a, b) => b.durationMs - a.durationMs).slice(0, 10)} testId="route-traces" />
          )
        }
      </Async>
      <p class="more-links">
        <Link to={withPage(view, 'traces', { route })}>All traces of this route</Link> ·{' '}
        <Link to={withPage(view, 'service', { route })}>Full charts for this route</Link>
      </p>
    </div>
  );
}
