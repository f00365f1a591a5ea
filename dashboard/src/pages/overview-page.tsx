// Every service with its headline figures and a sparkline, worst first.

import type { ServiceSummary } from '@headroom/collector/api-types';
import { api } from '../api/endpoints';
import { sparklineChart } from '../charts/sparkline';
import { UplotChart } from '../charts/uplot-chart';
import { Link } from '../components/link';
import { Async, StartAgentHelp } from '../components/states';
import { formatApdex, formatBytes, formatPercent, formatPercentile, formatRpm } from '../format/units';
import { useLive, useLiveMessages, useThrottledRefresh } from '../live/live-context';
import { sortByAttention } from '../shape/attention';
import { percentileSampleNote } from '../shape/percentile-sample';
import { throughputNote } from '../shape/throughput-span';
import { useApi } from '../state/use-api';
import { useNavigation } from '../state/use-view';
import { isLive } from '../state/time-range';
import { withPage } from '../state/view-state';
import { TableScroll } from '../components/table-scroll';

/** "3", or "3 live · 1 gone" as the service page says it: the processes seen in the range, the gone ones apart. */
function instancesText(s: ServiceSummary): string {
  const live = s.liveInstances ?? s.instances;
  return live < s.instances ? `${live} live · ${s.instances - live} gone` : String(s.instances);
}

export function OverviewPage() {
  const { view } = useNavigation();
  const { resyncVersion } = useLive();
  const live = isLive(view.range);
  const [refresh, trigger] = useThrottledRefresh(5000);
  useLiveMessages(live, (msg) => {
    if (msg.type === 'aggregate' || msg.type === 'event') trigger();
  });
  const services = useApi(`services:${JSON.stringify(view.range)}`, (signal) => api.services(view.range, signal), [resyncVersion, refresh]);

  return (
    <section class="page overview-page">
      <h1>Services</h1>
      <Async state={services} what="services">
        {(data) =>
          data.services.length === 0 ? (
            <StartAgentHelp />
          ) : (
            <TableScroll label="Services">
              <table class="table services-table" data-testid="services-table">
                <thead>
                  <tr>
                    <th>Service</th>
                    <th class="num">Throughput</th>
                    <th class="num">p95</th>
                    <th class="num">Errors</th>
                    <th class="num" title="Apdex: requests within T, plus half of those within 4 T, over all requests. Failed (5xx) requests count as frustrated however fast; time queued in front of the app is not included">Apdex</th>
                    <th class="num">Event loop</th>
                    <th class="num">Memory (RSS)</th>
                    <th class="num">Instances</th>
                    <th class="spark-col">Requests/min</th>
                  </tr>
                </thead>
                <tbody>
                  {sortByAttention(data.services).map(({ summary: s, attention }) => (
                    <tr key={s.service} data-service={s.service} class={attention.score >= 1 ? 'needs-attention' : undefined}>
                      <td class="service-cell">
                        <Link to={withPage({ ...view, service: s.service }, 'service')} class="service-link">{s.service}</Link>
                        {/* Said even below 1: a share over part of the traffic (attention.ts), a signal close to its mark. */}
                        {attention.reasons.length > 0 && (
                          <ul class="reasons">
                            {attention.reasons.map((r) => <li key={r}>{r}</li>)}
                          </ul>
                        )}
                      </td>
                      <td class="num" data-col="throughput" title={throughputNote(s, data) ?? undefined}>{formatRpm(s.throughputRpm)}</td>
                      <td class="num" data-col="p95" title={percentileSampleNote(s.requests, ['p95']) ?? undefined}>{formatPercentile(s.p95Ms, s.requests, 'p95')}</td>
                      <td class="num" data-col="errors">{formatPercent(s.errorRate)}</td>
                      <td class="num" data-col="apdex">{formatApdex(s.apdex)}</td>
                      <td class="num" data-col="elu">{formatPercent(s.eventLoopUtilization, 0)}</td>
                      <td class="num" data-col="memory">{formatBytes(s.memoryRssBytes)}</td>
                      <td class="num" data-col="instances">{instancesText(s)}</td>
                      <td class="spark-col">
                        <UplotChart spec={sparklineChart(s)} height={36} compact />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </TableScroll>
          )
        }
      </Async>
    </section>
  );
}
