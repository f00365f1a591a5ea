// Where a route's time goes, from its kept traces: a bar split into database systems, the wait
// for their pools' connections, external peers and the app, and the statements that took the
// most time, each with a trace to open.

import type { StatementSummary, TimeBreakdownResponse } from '@headroom/collector/api-types';
import { formatCount, formatMs, formatPercent } from '../format/units';
import { breakdownSegments, breakdownText, SEGMENT_WORDS } from '../shape/time-breakdown';
import { useNavigation } from '../state/use-view';
import { withPage } from '../state/view-state';
import { Link } from './link';
import { TableScroll } from './table-scroll';

export function TimeBreakdown({ breakdown }: { breakdown: TimeBreakdownResponse }) {
  const segments = breakdownSegments(breakdown);
  return (
    <div class="time-breakdown" data-testid="time-breakdown">
      {segments.length > 0 && (
        <div class="breakdown-bar" role="img" aria-label={breakdownText(breakdown)}>
          {segments.map((s) => (
            <div
              key={`${s.kind}:${s.name}`}
              class={`breakdown-segment breakdown-${s.kind}`}
              data-segment={`${s.kind}:${s.name}`}
              style={{ width: `${(s.width * 100).toFixed(2)}%` }}
              title={`${s.kind === 'app' ? 'app' : `${SEGMENT_WORDS[s.kind]} · ${s.name}`}: ${formatPercent(s.share)} (${formatMs(s.ms)} over the sampled requests)`}
            />
          ))}
        </div>
      )}
      <p class="breakdown-text" data-testid="time-breakdown-text">{breakdownText(breakdown)}</p>
      {breakdown.statements.length > 0 && <StatementsTable statements={breakdown.statements} />}
    </div>
  );
}

function StatementsTable({ statements }: { statements: StatementSummary[] }) {
  const { view } = useNavigation();
  return (
    <TableScroll label="Statements">
      <table class="table statements-table" data-testid="statements-table">
        <thead>
          <tr>
            <th>Statement</th>
            <th>System</th>
            <th class="num" title="Calls over the sampled requests; the median in brackets">Per request</th>
            <th class="num">Mean</th>
            <th class="num">Total</th>
            <th>Trace</th>
          </tr>
        </thead>
        <tbody>
          {statements.map((s) => (
            <tr key={`${s.system}:${s.statement}`}>
              <td class="statement-cell"><code title={s.statement}>{s.statement}</code></td>
              <td>{s.system}</td>
              <td class="num" data-col="per-request">{`${formatCount(s.callsPerRequest, 1)} (${formatCount(s.medianPerRequest, 1)})`}</td>
              <td class="num">{formatMs(s.meanMs)}</td>
              <td class="num">{formatMs(s.totalMs)}</td>
              <td>
                <Link to={withPage(view, 'trace', { traceId: s.exampleTraceId })}>{`×${s.maxPerRequest}`}</Link>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableScroll>
  );
}
