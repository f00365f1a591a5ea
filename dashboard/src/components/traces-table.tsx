// A list of traces (slowest or newest), each opening its waterfall.

import type { TraceSummary } from '@headroom/collector/api-types';
import { formatMs, formatTime } from '../format/units';
import { useNavigation } from '../state/use-view';
import { withPage } from '../state/view-state';
import { Link } from './link';
import { RouteText, TransactionName } from './route-text';
import { TableScroll } from './table-scroll';

export function TracesTable({ traces, testId = 'traces-table' }: { traces: TraceSummary[]; testId?: string }) {
  const { view } = useNavigation();
  return (
    <TableScroll label="Traces">
      <table class="table traces-table" data-testid={testId}>
        <thead>
          <tr>
            <th>Time</th>
            <th>Route / name</th>
            <th class="num">Duration</th>
            <th class="num" title="Time in front of the app (a proxy's queue-start header): the client waited it on top of the duration">Queued</th>
            <th class="num">Spans</th>
            <th class="num">Loop blocked</th>
            <th>Status</th>
          </tr>
        </thead>
        <tbody>
          {traces.map((t) => (
            <tr key={t.traceId} data-trace-id={t.traceId} class={t.error ? 'row-error' : undefined}>
              <td><time>{formatTime(t.startMs)}</time></td>
              <td class="route-cell">
                <Link to={withPage(view, 'trace', { service: t.service, traceId: t.traceId, route: view.route })}>{t.route !== null ? <TransactionName route={t.route} /> : <RouteText route={t.name} />}</Link>
                {t.service !== view.service && <span class="muted">{` · ${t.service}`}</span>}
                {t.errorMessage !== undefined && <div class="trace-error-line" data-testid="trace-error" title={t.errorMessage}>{t.errorMessage}</div>}
              </td>
              <td class="num" data-col="duration">{formatMs(t.durationMs)}</td>
              <td
                class={t.queueWaitMs !== undefined ? 'num queue-text' : 'num'}
                data-col="queued"
                title={t.queueWaitMs !== undefined ? `${formatMs(t.durationMs + t.queueWaitMs)} as the client saw it` : undefined}
              >
                {t.queueWaitMs !== undefined ? formatMs(t.queueWaitMs) : '–'}
              </td>
              <td class="num">{t.spanCount}</td>
              <td class={t.stallMs > 0 ? 'num stall-text' : 'num'}>{t.stallMs > 0 ? formatMs(t.stallMs) : '–'}</td>
              <td>{t.error ? <span class="badge badge-error">error</span> : <span class="badge badge-ok">ok</span>}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableScroll>
  );
}
