// Each process of the service: the version it runs, memory, utilisation, in-flight requests,
// uptime, restarts, and the settings it reported when it started.

import type { InstanceView } from '@headroom/collector/api-types';
import { api } from '../api/endpoints';
import { memoryChart, eventLoopUtilizationChart } from '../charts/instance-charts';
import { UplotChart } from '../charts/uplot-chart';
import { Async, NoDataInRange } from '../components/states';
import { formatBytes, formatCount, formatPercent, formatTime } from '../format/units';
import { isServiceData, useLive, useLiveMessages, useNow, useThrottledRefresh } from '../live/live-context';
import { figureText, rawFigure } from '../format/figure-text';
import { compareNames, GONE_AFTER_MS, instanceNames, isGone, stopBadge, stopIsCrash, stoppedBy } from '../shape/instance-names';
import { deploymentName } from '../shape/deployments';
import { sameSettingsAs, sortedSettings } from '../shape/instance-settings';
import { lastSeenFigure, uptimeFigure } from '../shape/instance-times';
import { instanceDroppedText } from '../shape/telemetry-gaps';
import { useApi } from '../state/use-api';
import { useNavigation } from '../state/use-view';
import { useRangeWindow } from './use-range-window';

export function InstancesPage({ service }: { service: string }) {
  const { view } = useNavigation();
  const { resyncVersion } = useLive();
  const rangeKey = JSON.stringify(view.range);
  const [refresh, trigger] = useThrottledRefresh(10_000);
  // A process first seen, or on a new build (the collector's 'process' frame, from its first data
  // under any OTel SDK): its card appears at once, not with the 10 s refresh. The charts follow
  // with that refresh, as the process's data comes.
  const [processRefresh, triggerProcesses] = useThrottledRefresh(1_000);
  const list = useApi(`instances:${service}:${rangeKey}`, (s) => api.instances(service, view.range, s), [resyncVersion, refresh, processRefresh]);
  const series = useApi(`inst:${service}:${rangeKey}`, (s) => api.instanceSeries(service, view.range, s), [resyncVersion, refresh]);
  const { live, window, onSelectRange } = useRangeWindow(list.data);
  const names = instanceNames(list.data?.instances ?? []);
  const stopped = stoppedBy(list.data?.instances ?? [], list.data?.to ?? Infinity);
  useLiveMessages(live, (msg) => {
    if (msg.type === 'process' && msg.process.service === service) triggerProcesses();
    else if (isServiceData(msg, service)) trigger();
  });

  return (
    <section class="page instances-page">
      <h1>
        <span class="page-kind">Instances</span> {service}
      </h1>
      <Async state={list} what="instances">
        {(data) =>
          data.instances.length === 0 ? (
            <NoDataInRange service={service} from={data.from} to={data.to} what="process reports" />
          ) : (
            <InstancesTable instances={data.instances} to={data.to} moving={live} />
          )
        }
      </Async>
      <div class="chart-grid">
        <Async state={series} what="instance charts">
          {(r) => (
            <>
              <UplotChart spec={memoryChart(r, [], names, stopped)} xRange={window} onSelectRange={onSelectRange} />
              <UplotChart spec={eventLoopUtilizationChart(r, [], names, stopped)} xRange={window} onSelectRange={onSelectRange} />
            </>
          )}
        </Async>
      </div>
    </section>
  );
}

function InstancesTable({ instances, to, moving }: { instances: InstanceView[]; to: number; moving: boolean }) {
  const now = useNow(true, 10_000);
  const names = instanceNames(instances);
  // Live processes first; a gone one stays listed (its figures explain the range) but says so.
  // Then by name, numbers in order: primary, worker 1, worker 2, … (the API's order is first seen).
  const nameOf = (i: InstanceView) => names.get(i.instanceId) ?? i.instanceId;
  const ordered = [...instances].sort((a, b) => Number(isGone(a, to)) - Number(isGone(b, to)) || compareNames(nameOf(a), nameOf(b)));
  const sameAs = sameSettingsAs(ordered);
  const stopped = ordered.filter((i) => isGone(i, to) && i.stopped !== null).length;
  const silent = ordered.filter((i) => isGone(i, to) && i.stopped === null).length;
  return (
    <>
      <p class="muted list-note" data-testid="instances-note">
        {`${instances.length - stopped - silent} live` +
          (stopped > 0 ? `, ${stopped} stopped` : '') +
          (silent > 0 ? `, ${silent} gone without a stop (no report in the last ${GONE_AFTER_MS / 60_000} minutes of the range: killed, crashed or cut off)` : '')}
      </p>
      <div class="instances" data-testid="instances-table">
        {ordered.map((i) => {
          const settings = sortedSettings(i);
          const twin = sameAs.get(i.instanceId);
          const twinName = twin === undefined ? null : (names.get(twin) ?? twin);
          const heapShare = i.heapUsedBytes !== null && i.heapLimitBytes ? i.heapUsedBytes / i.heapLimitBytes : null;
          const name = nameOf(i);
          const uptime = uptimeFigure(i, to, now, moving);
          const lastSeen = lastSeenFigure(i, to);
          return (
            <article class={isGone(i, to) ? 'instance instance-gone' : 'instance'} key={i.instanceId} data-instance={i.instanceId} data-gone={isGone(i, to) ? '1' : undefined}>
              <header>
                <h2 class="instance-name">
                  {name}
                  {isGone(i, to) && (
                    <span class={i.stopped !== null && stopIsCrash(i.stopped) ? 'badge badge-gone badge-error' : 'badge badge-gone'} data-testid="instance-state" title={i.stopped?.message ?? 'No report in the last minutes of the range, and no stop event: killed (SIGKILL, the OOM killer), crashed or cut off from the collector'}>
                      {i.stopped !== null ? stopBadge(i.stopped) : 'gone'}
                    </span>
                  )}
                </h2>
                {/* The pid is in the name when known. */}
                {i.host !== null && <span class="muted">{i.host}</span>}
                <code class="instance-id">{i.instanceId}</code>
              </header>
              <dl class="kv kv-grid">
                <dt>Version</dt>
                <dd data-col="version" title={i.revision ?? undefined}>{i.version === null && i.revision === null ? 'not reported' : deploymentName(i)}</dd>
                {i.stopped !== null && i.stopped.at <= to ? (
                  <>
                    <dt>Stopped</dt>
                    <dd data-col="stopped">{`${formatTime(i.stopped.at)}: ${i.stopped.message ?? stopBadge(i.stopped)}`}</dd>
                  </>
                ) : (
                  <>
                    <dt>{uptime.label}</dt><dd data-col="uptime" title={uptime.title}>{uptime.text}</dd>
                  </>
                )}
                <dt>Restarts</dt><dd class={i.restarts > 0 ? 'error-text' : undefined} data-col="restarts">{formatCount(i.restarts)}</dd>
                <dt>RSS</dt><dd data-col="rss">{formatBytes(i.rssBytes)}</dd>
                <dt>Heap used / limit</dt>
                <dd>{`${formatBytes(i.heapUsedBytes)} / ${formatBytes(i.heapLimitBytes)}${heapShare !== null ? ` (${formatPercent(heapShare, 0)})` : ''}`}</dd>
                <dt>Event-loop busy</dt><dd>{formatPercent(i.eventLoopUtilization, 0)}</dd>
                <dt>In flight</dt><dd>{i.inFlight !== null ? formatCount(i.inFlight, 1) : '–'}</dd>
                <dt>{lastSeen.label}</dt><dd data-col="last-seen" title={lastSeen.title}>{lastSeen.text}</dd>
                <dt>Dropped by its agent</dt>
                <dd class={instanceDroppedText(i).lost ? 'error-text' : undefined} data-col="dropped">{instanceDroppedText(i).text}</dd>
              </dl>
              {/* Open when short and not the same as a process's listed above. */}
              <details class="settings" open={settings.length > 0 && settings.length <= 30 && twinName === null}>
                {/* Named for its process: a screen reader lists a dozen of these, one per card. */}
                <summary aria-label={`Settings reported at start (${settings.length}) by ${name}${twinName !== null ? `, the same as ${twinName}` : ''}`}>
                  {`Settings reported at start (${settings.length})${twinName !== null ? `, the same as ${twinName}` : ''}`}
                </summary>
                {settings.length === 0 ? (
                  <p class="muted">This process reported no settings (an agent other than Headroom's, or an old one).</p>
                ) : (
                  <dl class="kv">
                    {settings.map(([k, v]) => [<dt key={`k-${k}`}>{k}</dt>, <dd key={`v-${k}`} data-setting={k} title={rawFigure(v)}>{figureText(k, v)}</dd>])}
                  </dl>
                )}
              </details>
            </article>
          );
        })}
      </div>
    </>
  );
}
