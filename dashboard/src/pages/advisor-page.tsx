// The advisor: what to change, by severity, each finding with its evidence (the figures over
// a named window), a link to the chart that shows them, the likely cause and the change.
// Everything in a finding comes from app data (routes, code locations): shown as text only.

import type { Finding, FindingSeverity } from '@headroom/collector/api-types';
import { Fragment, type ComponentChildren } from 'preact';
import { api } from '../api/endpoints';
import { Link } from '../components/link';
import { Async, EmptyNote } from '../components/states';
import { figureLabel } from '../format/figure-labels';
import { figureText, rawFigure } from '../format/figure-text';
import { formatTime } from '../format/units';
import { isServiceData, useLive, useLiveMessages, useThrottledRefresh } from '../live/live-context';
import { useApi } from '../state/use-api';
import { useNavigation } from '../state/use-view';
import { parseView, withPage } from '../state/view-state';
import { useRangeWindow } from './use-range-window';

const SEVERITIES: { severity: FindingSeverity; label: string }[] = [
  { severity: 'critical', label: 'Critical' },
  { severity: 'warning', label: 'Warnings' },
  { severity: 'info', label: 'Worth knowing' },
];

export function AdvisorPage({ service }: { service: string }) {
  const { view } = useNavigation();
  const { resyncVersion } = useLive();
  const rangeKey = JSON.stringify(view.range);
  const [refresh, trigger] = useThrottledRefresh(15_000);
  const findings = useApi(`advisor:${service}:${rangeKey}`, (s) => api.advisor(service, view.range, s), [resyncVersion, refresh]);
  const { live } = useRangeWindow(findings.data);
  // Findings follow the data: re-judge (throttled) as new data for the service arrives.
  useLiveMessages(live, (msg) => {
    if (isServiceData(msg, service)) trigger();
  });

  return (
    <section class="page advisor-page">
      <h1>
        <span class="page-kind">Advisor</span> {service}
      </h1>
      <Async state={findings} what="findings">
        {(data) =>
          data.findings.length === 0 ? (
            <EmptyNote>No findings in this range: nothing the advisor would change. Findings appear once there is enough data (see docs/advisor.md).</EmptyNote>
          ) : (
            <div data-testid="advisor-findings">
              {SEVERITIES.map(({ severity, label }) => {
                const list = data.findings.filter((f) => f.severity === severity);
                if (list.length === 0) return null;
                return (
                  <section key={severity} class={`findings findings-${severity}`} data-severity={severity}>
                    <h2>{`${label} (${list.length})`}</h2>
                    {list.map((f) => <FindingCard key={f.id} finding={f} />)}
                  </section>
                );
              })}
            </div>
          )
        }
      </Async>
    </section>
  );
}

// A figure that names a trace to open (the downstream findings' exampleTrace): the collector
// writes it as the trace page's path, which is only useful as a link.
const TRACE_PATH = /^\/services\/[^/?#]+\/traces\/([0-9a-f]{32})$/;

/** A link to a path of this dashboard, followed in place (as the app's own links are). */
function AppPathLink({ to, testId, children }: { to: string; testId?: string; children: ComponentChildren }) {
  const { navigate } = useNavigation();
  const [path, query] = to.split('?');
  return (
    <a
      href={to}
      data-testid={testId}
      onClick={(e: MouseEvent) => {
        if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
        e.preventDefault();
        navigate(parseView(path ?? '/', query ? `?${query}` : ''));
      }}
    >
      {children}
    </a>
  );
}

// A figure that is a trace's id (the blocking route's longestStallTraceId): a link to that trace
// of this service, as the example trace's path is (QA: it was a 32-digit id to copy by hand).
const TRACE_ID = /^[0-9a-f]{32}$/;

function FigureValue({ name, value }: { name: string; value: number | string }) {
  const { view } = useNavigation();
  const trace = typeof value === 'string' ? TRACE_PATH.exec(value) : null;
  if (trace !== null) return <AppPathLink to={String(value)}>{`trace ${trace[1] ?? ''}`}</AppPathLink>;
  if (typeof value === 'string' && name.endsWith('TraceId') && TRACE_ID.test(value)) return <Link to={withPage(view, 'trace', { traceId: value })}>{`trace ${value}`}</Link>;
  return <>{figureText(name, value)}</>;
}

function FindingCard({ finding }: { finding: Finding }) {
  const figures = Object.entries(finding.evidence.figures);
  return (
    <article class={`finding finding-${finding.severity}`} data-kind={finding.kind} data-finding={finding.id}>
      <header>
        <span class={`badge badge-${finding.severity}`}>{finding.severity}</span>
        <h3 class="finding-title">{finding.title}</h3>
      </header>
      <p class="finding-summary">{finding.evidence.summary}</p>
      <p class="muted finding-window">
        {`Window: ${formatTime(finding.evidence.window.from)} – ${formatTime(finding.evidence.window.to)} · `}
        <AppPathLink to={finding.evidence.chartLink} testId="finding-chart-link">show the chart</AppPathLink>
      </p>
      {figures.length > 0 && (
        <dl class="kv kv-grid finding-figures">
          {figures.map(([name, value]) => (
            <Fragment key={name}>
              <dt title={name}>{figureLabel(name)}</dt>
              <dd data-figure={name} title={rawFigure(value)}><FigureValue name={name} value={value} /></dd>
            </Fragment>
          ))}
        </dl>
      )}
      <dl class="kv finding-advice">
        <dt>Likely cause</dt>
        <dd>{finding.cause}</dd>
        <dt>Change</dt>
        <dd class="finding-change">{finding.change}</dd>
      </dl>
    </article>
  );
}
