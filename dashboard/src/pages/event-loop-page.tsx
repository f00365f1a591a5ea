// The event loop: stalls over time, grouped by route and code location (longest first),
// with delay and utilisation per instance. Each stall's CPU time stands beside its duration; a
// stall the process spent mostly off the CPU is said to be that (machine busy or a blocking
// system call), not code blocking the loop (rule: collector/src/store/stall-cpu.ts). `?route=`
// (a route-scoped stall alert's link, a route's stall marker) shows that route's stalls only.
// A stall GC pauses filled, or the agent's own work, is named as such, not as a route's.

import type { EventView } from '@headroom/collector/api-types';
import { api } from '../api/endpoints';
import { eventLoopDelayChart, eventLoopUtilizationChart } from '../charts/instance-charts';
import { stallsChart } from '../charts/stalls-chart';
import { UplotChart } from '../charts/uplot-chart';
import { Link } from '../components/link';
import { RouteText } from '../components/route-text';
import { Async, EmptyNote } from '../components/states';
import { agentStall } from '../../../collector/src/store/stall-agent';
import { gcStall, stallGcMs } from '../../../collector/src/store/stall-gc';
import { hardlyRan, stallCpuMs } from '../../../collector/src/store/stall-cpu';
import { DASH, formatMs, formatPercent, formatTime } from '../format/units';
import { useLive, useLiveMessages, useThrottledRefresh } from '../live/live-context';
import { instanceNames, shortInstance, stoppedBy } from '../shape/instance-names';
import { HARDLY_RAN_TEXT } from '../shape/stall-waits';
import { useApi } from '../state/use-api';
import { useNavigation } from '../state/use-view';
import { withPage } from '../state/view-state';
import { useRangeWindow } from './use-range-window';
import { TableScroll } from '../components/table-scroll';

// Not the app's code: nothing in it to move off the loop (docs/event-loop-stalls.md says what to tune).
const AGENT_TEXT = "Headroom's agent (its own export or metric collection)";
// Not the code that ran either: V8's pauses filled it (the heap and its allocation rate are the lever).
const GC_TEXT = 'garbage collection (GC pauses, not the code that ran)';

/**
 * A group's CPU: the share of its stalls' time the loop's thread ran (a dash when no stall carried
 * a CPU time), and those spent mostly off the CPU, in words. A cell left empty when none were
 * read as missing data (QA s14).
 */
function groupCpuText(g: { count: number; hardlyRan: number; cpuShare: number | null }): string {
  const share = g.cpuShare === null ? DASH : `${formatPercent(g.cpuShare, 0)} on CPU`;
  if (g.hardlyRan === 0) return share;
  return `${share} · ${g.hardlyRan === g.count ? HARDLY_RAN_TEXT : `${g.hardlyRan} of ${g.count}: ${HARDLY_RAN_TEXT}`}`;
}

/**
 * One stall: when, how long, its CPU time, whether the process hardly ran, and which process (by
 * the name the charts and the instances page give it).
 */
function StallItem({ stall: e, processName }: { stall: EventView; processName: string }) {
  const { view } = useNavigation();
  const cpuMs = stallCpuMs(e.attributes);
  const offCpu = hardlyRan(e.durationMs, cpuMs);
  const gc = gcStall(e.attributes);
  const gcMs = stallGcMs(e.attributes);
  const where = gc ? GC_TEXT : agentStall(e.attributes) ? AGENT_TEXT : (e.route ?? 'outside a request');
  // Its trace link's name: "… stall at 07:59:13 in GET /report", "… outside a request", "… by garbage collection".
  const linkWhere = gc ? 'by garbage collection' : agentStall(e.attributes) ? "by Headroom's agent" : e.route !== null ? `in ${e.route}` : 'outside a request';
  return (
    <li data-off-cpu={offCpu ? 'true' : 'false'}>
      <time>{formatTime(e.timeMs)}</time> <strong class={offCpu ? 'muted' : 'stall-text'}>{formatMs(e.durationMs)}</strong>
      {cpuMs !== null && <span class="muted" data-testid="stall-cpu">{` (CPU ${formatMs(cpuMs)})`}</span>}{' '}
      {offCpu && (
        <>
          <span class="wf-tag" data-testid="hardly-ran">{HARDLY_RAN_TEXT}</span>{' '}
        </>
      )}
      {gc ? (
        <span data-testid="gc-stall">
          {GC_TEXT}
          {gcMs !== null && <span class="muted">{` (GC ${formatMs(gcMs)})`}</span>}
        </span>
      ) : agentStall(e.attributes) ? (
        <span data-testid="agent-stall">{AGENT_TEXT}</span>
      ) : (
        where
      )}{' '}
      <span class="muted" title={e.instanceId}>{processName}</span>
      {e.traceId !== null && (
        <>
          {' '}
          {/* Twenty links all named "trace" say nothing in a screen reader's list of links. */}
          <Link to={withPage(view, 'trace', { traceId: e.traceId })} aria-label={`trace of the ${formatMs(e.durationMs)} stall at ${formatTime(e.timeMs)} ${linkWhere}`}>
            trace
          </Link>
        </>
      )}
    </li>
  );
}

/** Stalls the scatter reads (the API's most): a busier range shows its newest this many, and says so. */
const SCATTER_STALLS = 1000;

export function EventLoopPage({ service }: { service: string }) {
  const { view, navigate } = useNavigation();
  const { resyncVersion } = useLive();
  const route = view.route;
  const rangeKey = JSON.stringify(view.range);
  const [refresh, trigger] = useThrottledRefresh(5000);
  // The API narrows to the route: its groups may be outside the service's top 500.
  const stalls = useApi(`stalls:${service}:${route}:${rangeKey}`, (s) => api.stalls(service, view.range, s, route), [resyncVersion, refresh]);
  const events = useApi(`stall-events:${service}:${route}:${rangeKey}`, (s) => api.events(view.range, { service, route, type: 'stall', limit: SCATTER_STALLS }, s), [resyncVersion]);
  const instances = useApi(`inst:${service}:${rangeKey}`, (s) => api.instanceSeries(service, view.range, s), [resyncVersion, refresh]);
  const list = useApi(`instances:${service}:${rangeKey}`, (s) => api.instances(service, view.range, s), [resyncVersion, refresh]);
  const names = instanceNames(list.data?.instances ?? []);
  const stopped = stoppedBy(list.data?.instances ?? [], list.data?.to ?? Infinity);
  const { live, window, onSelectRange } = useRangeWindow(stalls.data);

  useLiveMessages(live, (msg) => {
    if (msg.type === 'event' && msg.event.service === service && msg.event.type === 'stall' && (route === null || msg.event.route === route)) {
      events.update((cur) => ({ ...cur, events: [msg.event, ...cur.events.filter((e) => e.id !== msg.event.id)] }));
      trigger();
    } else if (msg.type === 'aggregate' && msg.aggregate.service === service) {
      trigger();
    }
  });

  return (
    <section class="page event-loop-page">
      <h1>
        <span class="page-kind">Event loop</span> {service}
      </h1>
      {route !== null && (
        <p class="filter-chip" data-testid="route-filter">
          Route: <code>{route}</code>{' '}
          <button type="button" class="link-button" onClick={() => navigate({ ...view, route: null })}>show all routes</button>
          <span class="muted"> · delay and utilisation are the processes', every route's</span>
        </p>
      )}
      <div class="chart-grid">
        <Async state={events} what="stalls">
          {(data) => (
            <div class="chart-wide">
              <UplotChart spec={stallsChart(data.events)} xRange={window} onSelectRange={onSelectRange} />
              {data.events.length >= SCATTER_STALLS && (
                <p class="muted list-note" data-testid="stall-scatter-limit">
                  The chart shows the newest {SCATTER_STALLS.toLocaleString('en-US')} stalls of this range, not all of them; the table below counts every one. Narrow the range to see the earlier ones.
                </p>
              )}
            </div>
          )}
        </Async>
        <Async state={instances} what="event-loop charts">
          {(r) => (
            <>
              <UplotChart spec={eventLoopDelayChart(r, [], names, stopped)} xRange={window} onSelectRange={onSelectRange} />
              <UplotChart spec={eventLoopUtilizationChart(r, [], names, stopped)} xRange={window} onSelectRange={onSelectRange} />
            </>
          )}
        </Async>
      </div>
      <h2>Stalls by route and code location</h2>
      <Async state={stalls} what="stall groups">
        {(data) => {
          const groups = data.groups;
          return groups.length === 0 ? (
            <EmptyNote>{`No event-loop stalls${route === null ? '' : ` in ${route}`} in this range: no callback blocked the loop past the threshold.`}</EmptyNote>
          ) : (
            <TableScroll label="Stalls by route and code location">
              <table class="table stalls-table" data-testid="stalls-table">
                <thead>
                  <tr>
                    <th>Route</th>
                    <th>Code location</th>
                    <th class="num">Stalls</th>
                    <th>CPU</th>
                    <th class="num">Total blocked</th>
                    <th class="num">Longest</th>
                    <th>Last</th>
                  </tr>
                </thead>
                <tbody>
                  {[...groups].sort((a, b) => b.totalMs - a.totalMs || b.maxMs - a.maxMs).map((g) => (
                    <tr key={`${g.route}|${g.location}|${g.gc > 0}`} data-route={g.route ?? ''}>
                      <td class="route-cell">
                        {g.route !== null ? (
                          <Link to={withPage(view, 'transactions', { route: g.route })}><RouteText route={g.route} /></Link>
                        ) : g.gc > 0 && g.gc === g.count ? (
                          <span data-testid="gc-stall">{GC_TEXT}</span>
                        ) : g.agent > 0 && g.agent === g.count ? (
                          <span data-testid="agent-stall">{AGENT_TEXT}</span>
                        ) : (
                          <span class="muted">outside a request</span>
                        )}
                      </td>
                      <td>{g.location === null && g.gc > 0 ? <span class="muted">none: V8's collector</span> : <code class="location">{g.location ?? 'unknown'}</code>}</td>
                      <td class="num" data-col="count">{g.count}</td>
                      <td data-col="cpu">{groupCpuText(g)}</td>
                      <td class={g.hardlyRan < g.count ? 'num stall-text' : 'num muted'} data-col="total">{formatMs(g.totalMs)}</td>
                      <td class="num" data-col="max">{formatMs(g.maxMs)}</td>
                      <td><time>{formatTime(g.lastMs)}</time></td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </TableScroll>
          );
        }}
      </Async>
      <Async state={events} what="recent stalls">
        {(data) =>
          data.events.length === 0 ? null : (
            <>
              <h2>Latest stalls</h2>
              <ul class="event-list" data-testid="stall-list">
                {[...data.events].sort((a, b) => b.timeMs - a.timeMs).slice(0, 20).map((e) => (
                  <StallItem key={e.id} stall={e} processName={names.get(e.instanceId) ?? shortInstance(e.instanceId)} />
                ))}
              </ul>
            </>
          )
        }
      </Async>
    </section>
  );
}
