// The slow and erroneous traces of a service, with filters held in the URL; new traces
// arrive over the live stream.

import { useState } from 'preact/hooks';
import { api } from '../api/endpoints';
import { Async, EmptyNote } from '../components/states';
import { TracesTable } from '../components/traces-table';
import { useLive, useLiveMessages } from '../live/live-context';
import { traceMatches } from '../shape/trace-filter';
import { useApi } from '../state/use-api';
import { useNavigation } from '../state/use-view';
import { isLive, type TimeRangeSpec } from '../state/time-range';

const LIMIT = 100;

export function TracesPage({ service }: { service: string }) {
  const { view } = useNavigation();
  const { resyncVersion } = useLive();
  const { route, traceFilters: filters } = view;
  const key = `traces:${service}:${route}:${JSON.stringify(filters)}:${JSON.stringify(view.range)}`;
  const traces = useApi(
    key,
    (s) => api.traces(view.range, { service, route, minDurationMs: filters.minDurationMs, error: filters.errorsOnly, limit: LIMIT }, s),
    [resyncVersion],
  );
  useLiveMessages(isLive(view.range), (msg) => {
    if (msg.type !== 'trace' || !traceMatches(msg.trace, service, route, filters)) return;
    traces.update((cur) => ({
      ...cur,
      traces: [msg.trace, ...cur.traces.filter((t) => t.traceId !== msg.trace.traceId)].slice(0, LIMIT),
    }));
  });

  return (
    <section class="page traces-page">
      <h1>
        <span class="page-kind">Traces</span> {service}
      </h1>
      <TraceFilterForm key={key} range={view.range} />
      <Async state={traces} what="traces">
        {(data) =>
          data.traces.length === 0 ? (
            <EmptyNote>No traces match in this range. Traces are sampled: every error, slow request and stall is kept (whole while the agent is within its per-second budget, else its own span).</EmptyNote>
          ) : (
            <TracesTable traces={data.traces} />
          )
        }
      </Async>
    </section>
  );
}

function TraceFilterForm({ range }: { range: TimeRangeSpec }) {
  const { view, navigate } = useNavigation();
  const [route, setRoute] = useState(view.route ?? '');
  const [minMs, setMinMs] = useState(view.traceFilters.minDurationMs === null ? '' : String(view.traceFilters.minDurationMs));
  const [errorsOnly, setErrorsOnly] = useState(view.traceFilters.errorsOnly);
  const submit = (e: Event) => {
    e.preventDefault();
    const min = Number(minMs);
    navigate({
      ...view,
      range,
      route: route.trim() === '' ? null : route.trim(),
      traceFilters: { minDurationMs: minMs.trim() !== '' && Number.isFinite(min) && min >= 0 ? min : null, errorsOnly },
    });
  };
  return (
    <form class="filters" onSubmit={submit} data-testid="trace-filters">
      <label>
        Route
        <input type="text" name="route" value={route} placeholder="any route" onInput={(e) => setRoute((e.target as HTMLInputElement).value)} />
      </label>
      <label>
        Slower than (ms)
        <input type="number" name="minDurationMs" min={0} value={minMs} placeholder="0" onInput={(e) => setMinMs((e.target as HTMLInputElement).value)} />
      </label>
      <label class="checkbox">
        <input type="checkbox" name="error" checked={errorsOnly} onChange={(e) => setErrorsOnly((e.target as HTMLInputElement).checked)} />
        Errors only
      </label>
      <button type="submit">Apply</button>
    </form>
  );
}
