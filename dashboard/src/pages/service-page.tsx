// One service: where response time goes, traffic, errors, Apdex, the event loop, memory,
// GC and in-flight requests, with stalls, restarts and deploys marked on every chart.

import type { EventType, EventView } from '@headroom/collector/api-types';
import { useEffect } from 'preact/hooks';
import { ApiFailure } from '../api/client';
import { api } from '../api/endpoints';
import { apdexChart, errorRateChart, throughputChart } from '../charts/service-metric-charts';
import { eventLoopDelayChart, eventLoopUtilizationChart, gcChart, inFlightChart, memoryChart } from '../charts/instance-charts';
import { responseTimeChart } from '../charts/response-time-chart';
import { UplotChart } from '../charts/uplot-chart';
import { Link } from '../components/link';
import { Async, EmptyNote, ErrorState, NoDataInRange, StartAgentHelp } from '../components/states';
import { Stat } from '../components/stat';
import { formatApdex, formatBytes, formatPercent, formatPercentile, formatRpm, formatTime } from '../format/units';
import { useLive, useLiveMessages, useThrottledRefresh } from '../live/live-context';
import { canMerge, mergeAggregate } from '../shape/live-merge';
import { throughputNote } from '../shape/throughput-span';
import { alertsApi } from '../api/alerts-api';
import { deploymentsToMarkers } from '../shape/deployments';
import { alertsOfRoute, alertsToMarkers, eventsToMarkers } from '../shape/markers';
import { instanceNames, isGone, stoppedBy } from '../shape/instance-names';
import { percentileSampleNote } from '../shape/percentile-sample';
import { queueWaitCoverage } from '../shape/queue-wait-coverage';
import { droppedText } from '../shape/telemetry-gaps';
import { useApi } from '../state/use-api';
import { useNavigation } from '../state/use-view';
import { withPage } from '../state/view-state';
import { useRangeWindow } from './use-range-window';


/** Stall markers read: the newest of the range (the Event loop page has every one). */
const STALL_MARKERS = 200;
/** The events marked besides stalls (a stop is its process's restart, marked by the restart or the exit). */
const LIFECYCLE_TYPES: readonly EventType[] = ['start', 'restart', 'uncaught_exception', 'unhandled_rejection', 'worker_exit'];

export function ServicePage({ service }: { service: string }) {
  const { view, navigate } = useNavigation();
  const { resyncVersion } = useLive();
  const route = view.route;
  // A latency, Apdex or error-rate alert rule's link: the request charts over the requests that matched a route.
  const matched = view.matchedRoutes && route === null;
  const rangeKey = JSON.stringify(view.range);
  const [refresh, trigger] = useThrottledRefresh(10_000);
  const [seriesRefresh, triggerSeries] = useThrottledRefresh(5_000);
  // A process first seen, or on a new build (the collector says so with its first data of any
  // kind and any OTel SDK: its start event's batch too) may run a new version: the processes and
  // deploys are read again at once, not with the 10 s refresh that only traffic triggers — a
  // deploy's marker appears as its first process reports.
  const [processRefresh, triggerProcesses] = useThrottledRefresh(1_000);

  const summary = useApi(`summary:${rangeKey}`, (s) => api.services(view.range, s), [resyncVersion, refresh]);
  const series = useApi(`series:${service}:${route}:${matched}:${rangeKey}`, (s) => api.serviceSeries(service, view.range, { route, matchedRoutes: matched }, s), [resyncVersion, seriesRefresh]);
  const instances = useApi(`inst:${service}:${rangeKey}`, (s) => api.instanceSeries(service, view.range, s), [resyncVersion, refresh]);
  // The processes themselves: names for the chart legends, and which are still reporting.
  const processes = useApi(`instances:${service}:${rangeKey}`, (s) => api.instances(service, view.range, s), [resyncVersion, refresh, processRefresh]);
  // Stalls can be hundreds a minute: they are read apart from the few starts, restarts and crashes,
  // so a busy loop's newest 200 stalls never push a restart off the charts (QA: a rolling deploy's
  // starts vanished under 200 stalls of the last 2 minutes).
  const events = useApi(`events:${service}:${route}:${rangeKey}`, (s) => api.events(view.range, { service, route, type: 'stall', limit: STALL_MARKERS }, s), [resyncVersion]);
  const lifecycle = useApi(`lifecycle:${service}:${route}:${rangeKey}`, (s) => api.events(view.range, { service, route, type: LIFECYCLE_TYPES, limit: 200 }, s), [resyncVersion]);
  // How many findings the advisor has for this service: the badge next to the name.
  const advisorCount = useApi(`advisor:${service}:${rangeKey}`, (s) => api.advisor(service, view.range, s), [resyncVersion, refresh]);
  const alertHistory = useApi(`alerts:${service}:${rangeKey}`, (s) => alertsApi.history(view.range, { service }, s), [resyncVersion, refresh]);
  // Whose route each rule watches: a route's view marks only its own alerts and the service's.
  const alertRules = useApi('alert-rules', (s) => alertsApi.rules(s), [resyncVersion, refresh]);
  // The deploys in the range: a marker each (a new one appears as its first process starts).
  const deployments = useApi(`deployments:${service}:${rangeKey}`, (s) => api.deployments(service, view.range, s), [resyncVersion, refresh, processRefresh]);
  const { live, window, onSelectRange } = useRangeWindow(series.data);

  useLiveMessages(live, (msg) => {
    if (msg.type === 'process' && msg.process.service === service) triggerProcesses();
    if (msg.type === 'aggregate' && msg.aggregate.service === service) {
      const [from, to] = window ?? [0, Date.now()];
      const agg = msg.aggregate;
      // A whole-service minute series takes the aggregate in place; a route's series (or
      // other buckets) cannot be derived from it, so it is refetched, throttled.
      if (series.data && canMerge(series.data, agg)) series.update((cur) => mergeAggregate(cur, agg, from, to) ?? cur);
      else triggerSeries();
      trigger();
    } else if (msg.type === 'event' && msg.event.service === service && (route === null || msg.event.route === route)) {
      const event = msg.event;
      const into = event.type === 'stall' ? events : LIFECYCLE_TYPES.includes(event.type) ? lifecycle : null;
      into?.update((cur) => ({ ...cur, events: [event, ...cur.events.filter((e) => e.id !== event.id)] }));
    }
  });

  const me = summary.data?.services.find((s) => s.service === service) ?? null;
  const markerEvents: EventView[] = [...(events.data?.events ?? []), ...(lifecycle.data?.events ?? [])];
  // With as many stalls as were read, the markers start at the oldest of them, not at the range's start.
  const stallsFrom = events.data && events.data.events.length >= STALL_MARKERS ? Math.min(...events.data.events.map((e) => e.timeMs)) : null;
  const [from, to] = window ?? [0, Number.MAX_SAFE_INTEGER];
  const names = instanceNames(processes.data?.instances ?? []);
  const ruleNames = new Map((alertRules.data?.rules ?? []).map((r) => [r.rule.id, r.rule.name]));
  const markers = [
    ...eventsToMarkers(markerEvents, from, to, names),
    ...alertsToMarkers(alertsOfRoute(alertHistory.data?.transitions ?? [], (alertRules.data?.rules ?? []).map((r) => r.rule), route), from, to, ruleNames),
    ...deploymentsToMarkers(deployments.data?.deployments ?? [], from, to),
  ].sort((a, b) => a.timeMs - b.timeMs);
  const chartProps = { xRange: window, onSelectRange };
  const stopped = stoppedBy(processes.data?.instances ?? [], processes.data?.to ?? Infinity);
  const gone = processes.data ? processes.data.instances.filter((i) => isGone(i, processes.data?.to ?? 0)).length : 0;
  const liveCount = processes.data ? processes.data.instances.length - gone : null;
  const queueCoverage = me ? queueWaitCoverage(me) : null;
  // An agent's dropped counts arrive with its first export after an outage, for minutes the
  // live stream has already merged: a change in the processes' counts refetches the series.
  const droppedNow = (processes.data?.instances ?? []).reduce((n, i) => n + (i.droppedInRange ? i.droppedInRange.spans + i.droppedInRange.metricPoints + i.droppedInRange.logs : 0), 0);
  useEffect(() => {
    if (droppedNow > 0) triggerSeries();
  }, [droppedNow]);
  const dropped = series.data?.dropped;
  const droppedBy = dropped ? new Set(dropped.gaps.map((g) => g.instanceId)).size : 0;

  return (
    <section class="page service-page">
      <h1>
        <span class="page-kind">Service</span> {service}
        {advisorCount.data && advisorCount.data.findings.length > 0 && (
          <Link to={withPage(view, 'advisor')} class={`badge badge-${advisorCount.data.findings[0]?.severity ?? 'info'} advisor-badge`} title="What the advisor would change">
            {`${advisorCount.data.findings.length} ${advisorCount.data.findings.length === 1 ? 'finding' : 'findings'}`}
          </Link>
        )}
      </h1>
      {route !== null && (
        <p class="filter-chip">
          Route: <code>{route}</code>{' '}
          <button type="button" class="link-button" onClick={() => navigate({ ...view, route: null })}>show all routes</button>
        </p>
      )}
      {matched && (
        <p class="filter-chip" data-testid="matched-routes-filter">
          {series.data && !series.data.matchedRoutes
            ? 'Requests that matched a route: this service names no routes, so all of its requests are shown.'
            : 'Requests that matched a route: the unrouted ones (a method alone: 404s, catch-all middleware) are left out, as latency, Apdex and error-rate alert rules count them. Error rate: every failed request, over these and the unrouted ones that failed (a root middleware\'s 500s).'}{' '}
          <button type="button" class="link-button" onClick={() => navigate({ ...view, matchedRoutes: false })}>show all requests</button>
        </p>
      )}
      {summary.data && me === null && route === null ? (
        // The series answers 404 for a service never seen: a misspelt name, or one not started yet.
        series.error instanceof ApiFailure && series.error.status === 404 ? (
          <>
            <EmptyNote>{`The collector has never seen data from ${service}: check the name, or start its agent.`}</EmptyNote>
            <StartAgentHelp service={service} />
          </>
        ) : (
          <NoDataInRange service={service} from={summary.data.from} to={summary.data.to} insteadOfCharts />
        )
      ) : (
        <>
          {me && route === null && !matched && (
            <div class="stats" data-testid="service-stats">
              <Stat label="Throughput" value={formatRpm(me.throughputRpm)} note={summary.data ? throughputNote(me, summary.data) : null} testId="stat-throughput" />
              <Stat
                label="p50 / p95 / p99"
                value={`${formatPercentile(me.p50Ms, me.requests, 'p50')} / ${formatPercentile(me.p95Ms, me.requests, 'p95')} / ${formatPercentile(me.p99Ms, me.requests, 'p99')}`}
                note={percentileSampleNote(me.requests)}
                testId="stat-percentiles"
              />
              <Stat label="Error rate" value={formatPercent(me.errorRate)} tone={me.errorRate >= 0.05 ? 'bad' : me.errorRate >= 0.01 ? 'warn' : 'normal'} testId="stat-errors" />
              <Stat label={`Apdex (T ${me.apdexTMs} ms)`} value={formatApdex(me.apdex)} tone={me.apdex !== null && me.apdex < 0.7 ? 'bad' : me.apdex !== null && me.apdex < 0.85 ? 'warn' : 'normal'} testId="stat-apdex" />
              <Stat
                label="Queue wait share"
                value={formatPercent(me.queueWaitShare, 0)}
                note={queueCoverage && `of the ${queueCoverage}`}
                tone={me.queueWaitShare !== null && me.queueWaitShare > 0.25 ? 'warn' : 'normal'}
                testId="stat-queue-wait"
              />
              <Stat label="Event-loop busy" value={formatPercent(me.eventLoopUtilization, 0)} tone={me.eventLoopUtilization !== null && me.eventLoopUtilization > 0.8 ? 'bad' : 'normal'} />
              <Stat label="Memory (RSS)" value={formatBytes(me.memoryRssBytes)} />
              <Stat
                label="Instances"
                value={liveCount === null ? String(me.instances) : gone > 0 ? `${liveCount} live · ${gone} gone` : String(liveCount)}
                testId="stat-instances"
              />
            </div>
          )}
          {dropped && droppedBy > 0 && (
            <p class="telemetry-note" data-testid="telemetry-incomplete">
              {`Telemetry incomplete in this range: ${droppedText(dropped.total, droppedBy)} (collector unreachable or too slow). The hatched spans on the charts are missing data, not a change in traffic.`}
            </p>
          )}
          <div class="chart-grid">
            <Async state={series} what="request charts">
              {(s) => (
                <>
                  <div class="chart-wide">
                    <UplotChart spec={responseTimeChart(s, markers)} height={260} listMarkers {...chartProps} />
                    {stallsFrom !== null && (
                      <p class="muted list-note" data-testid="stall-markers-limit">
                        {`Stall markers: the newest ${STALL_MARKERS} stalls of this range, from ${formatTime(stallsFrom)}; the earlier ones are on the `}
                        <Link to={withPage(view, 'event-loop', { route })}>Event loop page</Link>
                        {', or narrow the range.'}
                      </p>
                    )}
                  </div>
                  <UplotChart spec={throughputChart(s, markers)} {...chartProps} />
                  <UplotChart spec={errorRateChart(s, markers)} {...chartProps} />
                  <UplotChart spec={apdexChart(s, me?.apdexTMs ?? null, markers)} {...chartProps} />
                </>
              )}
            </Async>
            {route === null && (
              <Async state={instances} what="process charts">
                {(r) => (
                  <>
                    <UplotChart spec={eventLoopDelayChart(r, markers, names, stopped)} {...chartProps} />
                    <UplotChart spec={eventLoopUtilizationChart(r, markers, names, stopped)} {...chartProps} />
                    <UplotChart spec={memoryChart(r, markers, names, stopped)} {...chartProps} />
                    <UplotChart spec={gcChart(r, markers, names, stopped)} {...chartProps} />
                    <UplotChart spec={inFlightChart(r, markers, names, stopped)} {...chartProps} />
                  </>
                )}
              </Async>
            )}
          </div>
          {events.error !== null && <ErrorState error={events.error} retry={events.reload} />}
          {lifecycle.error !== null && <ErrorState error={lifecycle.error} retry={lifecycle.reload} />}
          <p class="more-links">
            <Link to={withPage(view, 'transactions')}>Transactions</Link> ·{' '}
            <Link to={withPage(view, 'traces', { route })}>Slow traces</Link> ·{' '}
            <Link to={withPage(view, 'event-loop', { route })}>Event-loop stalls</Link> ·{' '}
            <Link to={withPage(view, 'instances')}>Instances</Link> ·{' '}
            <Link to={withPage(view, 'deployments')}>Deployments</Link>
          </p>
        </>
      )}
    </section>
  );
}
