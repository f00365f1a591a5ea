// A service's deployments: each deploy seen in the range (a rollback too), newest first, with
// when its first process started, how many processes ran it, and its traffic after the deploy against the
// traffic of the processes it replaced before it, with links to the charts and processes around
// it. Versions and revisions come from the app: shown as text only.

import type { Deployment, DeploymentsResponse, DeployWindow } from '@headroom/collector/api-types';
import type { ViewState } from '../state/view-state';
import { api } from '../api/endpoints';
import { Link } from '../components/link';
import { Async, EmptyNote } from '../components/states';
import { TableScroll } from '../components/table-scroll';
import { formatCount, formatMs, formatTime } from '../format/units';
import { isServiceData, useLive, useLiveMessages, useThrottledRefresh } from '../live/live-context';
import { comparisonRows, deploymentName, rangeAround, routeChangeRows, shortRevision, type RouteChangeRow } from '../shape/deployments';
import { useApi } from '../state/use-api';
import { useNavigation } from '../state/use-view';
import { withPage } from '../state/view-state';
import { useRangeWindow } from './use-range-window';

export function DeploymentsPage({ service }: { service: string }) {
  const { view } = useNavigation();
  const { resyncVersion } = useLive();
  const rangeKey = JSON.stringify(view.range);
  const [refresh, trigger] = useThrottledRefresh(10_000);
  // A process first seen, or on a new build (the collector says so with any OTel SDK's first
  // export): a new deploy may be listed at once, not with the 10 s refresh.
  const [processRefresh, triggerProcesses] = useThrottledRefresh(1_000);
  const list = useApi(`deployments:${service}:${rangeKey}`, (s) => api.deployments(service, view.range, s), [resyncVersion, refresh, processRefresh]);
  const { live } = useRangeWindow(list.data);
  // A deploy's after side fills as its processes report; a new version appears with its first.
  useLiveMessages(live, (msg) => {
    if (msg.type === 'process' && msg.process.service === service) triggerProcesses();
    else if (isServiceData(msg, service)) trigger();
  });

  return (
    <section class="page deployments-page">
      <h1>
        <span class="page-kind">Deployments</span> {service}
      </h1>
      <Async state={list} what="deployments">
        {(data) =>
          data.deployments.length === 0 ? (
            <EmptyNote>
              No versions seen in this range. A process's version is its service.version (the app's package.json version under Headroom's agent, or
              service.version in OTEL_RESOURCE_ATTRIBUTES); a deploy is the first process of a version after processes of another ran, a rollback too.
            </EmptyNote>
          ) : (
            <>
              <p class="muted list-note" data-testid="deployments-note">
                {`${data.deployments.length} ${data.deployments.length === 1 ? 'deploy' : 'deploys'} seen in this range (a rollback is one too), newest first. ` +
                  `Each deploy compares its own processes' requests in the ${formatMs(data.windowMs)} after it with those of the processes it replaced in the ${formatMs(data.windowMs)} before it.`}
              </p>
              {data.deployments.map((d) => (
                <DeploymentCard key={`${d.version ?? ''}\u0000${d.revision ?? ''}\u0000${d.firstSeen}`} deployment={d} windowMs={data.windowMs} limits={data} />
              ))}
              {data.moreDeployments > 0 && <p class="muted">{`and ${formatCount(data.moreDeployments)} earlier ${data.moreDeployments === 1 ? 'deploy' : 'deploys'} in this range (a narrower range lists them)`}</p>}
            </>
          )
        }
      </Async>
    </section>
  );
}

/**
 * A side's header: its minutes, and whose requests they are. An after side shorter than the
 * window says why: the version stopped running then, or it still runs (so far).
 */
function sideHeading(label: string, w: DeployWindow, windowMs: number, stoppedAt: number | null): string {
  const processes = `${formatCount(w.instances)} ${w.instances === 1 ? 'process' : 'processes'}`;
  const short = w.processes === 'deployed' && w.to - w.from < windowMs ? (stoppedAt === null ? ' so far' : ', until it stopped') : '';
  return `${label} (${formatTime(w.from)}–${formatTime(w.to)}${short}, ${processes}, ${formatCount(w.requests)} requests)`;
}

/** A change cell: said in words as well as colour. */
function ChangeCell({ change, direction, col }: Pick<RouteChangeRow['p95'], 'change' | 'direction'> & { col: string }) {
  return (
    <td class={direction === 'worse' ? 'num error-text' : 'num'} data-col={col}>
      {direction === 'worse' || direction === 'better' ? `${change} ${direction}` : change}
    </td>
  );
}

/** What the collector compares a deploy's routes within (DeploymentsResponse). */
type RouteLimits = Pick<DeploymentsResponse, 'routeMinRequests' | 'routeDeploys'>;

/**
 * The routes the deploy changed most, over the same processes and minutes as the table above, each
 * linked to its charts around the deploy: where a service-wide "p95 ×2.9 worse" came from.
 */
function DeploymentRoutes({ deployment: d, name, around, limits, view }: { deployment: Deployment; name: string; around: ViewState['range']; limits: RouteLimits; view: ViewState }) {
  const { routeMinRequests, routeDeploys } = limits;
  if (d.routes === null) {
    return (
      <p class="muted list-note" data-testid="deployment-routes-none">
        {`Its routes are compared for the newest ${formatCount(routeDeploys)} deploys of the range only: a narrower range around it compares them.`}
      </p>
    );
  }
  const rows = routeChangeRows(d.routes);
  const more = (d.routesCompared ?? 0) - rows.length;
  if (rows.length === 0) {
    return <p class="muted list-note" data-testid="deployment-routes-none">{`No route had ${formatCount(routeMinRequests)} requests on each side to compare.`}</p>;
  }
  return (
    <>
      <h3 class="deployment-routes-heading">{`Routes that changed most (${formatCount(routeMinRequests)} requests or more on each side${more > 0 ? `; ${formatCount(more)} more compared` : ''})`}</h3>
      <TableScroll label={`Routes before and after ${name}`}>
        <table class="table deployment-routes" data-testid="deployment-routes">
          <caption class="sr-only">{`${name}: the routes whose p95 or error rate changed most`}</caption>
          <thead>
            <tr>
              <th scope="col">Route</th>
              <th scope="col" class="num">Requests</th>
              <th scope="col" class="num">p95 before</th>
              <th scope="col" class="num">p95 after</th>
              <th scope="col" class="num">p95 change</th>
              <th scope="col" class="num">Errors before</th>
              <th scope="col" class="num">Errors after</th>
              <th scope="col" class="num">Errors change</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.route} data-route={r.route}>
                <th scope="row">
                  <Link to={{ ...withPage(view, 'transactions', { route: r.route }), range: around }} aria-label={`${r.route}: its charts around the deploy of ${name}`}>
                    {r.route}
                  </Link>
                </th>
                <td class="num" data-col="requests">{r.requests}</td>
                <td class="num" data-col="p95-before">{r.p95.before}</td>
                <td class="num" data-col="p95-after">{r.p95.after}</td>
                <ChangeCell col="p95-change" change={r.p95.change} direction={r.p95.direction} />
                <td class="num" data-col="errors-before">{r.errorRate.before}</td>
                <td class="num" data-col="errors-after">{r.errorRate.after}</td>
                <ChangeCell col="errors-change" change={r.errorRate.change} direction={r.errorRate.direction} />
              </tr>
            ))}
          </tbody>
        </table>
      </TableScroll>
    </>
  );
}

function DeploymentCard({ deployment: d, windowMs, limits }: { deployment: Deployment; windowMs: number; limits: RouteLimits }) {
  const { view } = useNavigation();
  const name = deploymentName(d);
  const rows = comparisonRows(d.before, d.after);
  const around = rangeAround(d);
  // No other version's process ran before it (the first version seen): nothing to compare, so no
  // Before column of dashes beside 'new', nor a throughput '0 rpm' that never was.
  const alone = d.before.instances === 0;
  return (
    <article class="deployment" data-testid="deployment" data-first-seen={d.firstSeen}>
      <header>
        <h2 class="deployment-name">{name}</h2>
        <span class="muted">{`deployed ${formatTime(d.firstSeen)} · ${formatCount(d.instances)} ${d.instances === 1 ? 'process' : 'processes'} · ${d.stoppedAt === null ? 'last seen' : 'stopped'} ${formatTime(d.lastSeen)}`}</span>
        {d.revision !== null && shortRevision(d.revision) !== d.revision && <code class="deployment-revision">{d.revision}</code>}
      </header>
      {alone && (
        <p class="muted list-note" data-testid="deployment-alone">
          {`No other version's processes ran in the ${formatMs(windowMs)} before it (${formatTime(d.before.from)}–${formatTime(d.before.to)}): nothing to compare it with.`}
        </p>
      )}
      <TableScroll label={alone ? `After ${name}` : `Before and after ${name}`}>
        <table class="table deployment-table">
          <caption class="sr-only">{alone ? `${name}: the requests after its deploy` : `${name}: the requests before its deploy and after it`}</caption>
          <thead>
            <tr>
              <th scope="col">Figure</th>
              {!alone && <th scope="col" class="num">{sideHeading('Before', d.before, windowMs, d.stoppedAt)}</th>}
              <th scope="col" class="num">{sideHeading('After', d.after, windowMs, d.stoppedAt)}</th>
              {!alone && <th scope="col" class="num">Change</th>}
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.label} data-figure={r.label}>
                <th scope="row" title={r.note}>{r.note !== undefined ? `${r.label}*` : r.label}</th>
                {!alone && <td class="num" data-col="before">{r.before}</td>}
                <td class="num" data-col="after">{r.after}</td>
                {/* Said in words as well as colour. */}
                {!alone && (
                  <td class={r.direction === 'worse' ? 'num error-text' : 'num'} data-col="change">
                    {r.direction === 'worse' || r.direction === 'better' ? `${r.change} ${r.direction}` : r.change}
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      </TableScroll>
      {rows.map((r) => r.note !== undefined && <p key={r.label} class="muted-text figure-note" data-testid="figure-note">{`* ${r.note}`}</p>)}
      {!alone && <DeploymentRoutes deployment={d} name={name} around={around} limits={limits} view={view} />}
      <p class="deployment-links">
        <Link to={{ ...withPage(view, 'service'), range: around }} aria-label={`Charts around this deploy of ${name}`}>Charts around this deploy</Link> ·{' '}
        <Link to={{ ...withPage(view, 'instances'), range: around }} aria-label={`Processes around the deploy of ${name}`}>Processes</Link>
      </p>
    </article>
  );
}
