// The slow and failed traces of a service (or every trace, on request), newest or slowest
// first, a page at a time; filters are held in the URL; new traces arrive over the live stream.
// `?errorKind=` (an Errors page group's link) lists one kind of failure's traces.

import { useEffect, useRef, useState } from 'preact/hooks';
import type { TracesResponse } from '@headroom/collector/api-types';
import { api } from '../api/endpoints';
import { Link } from '../components/link';
import { Async, EmptyNote, ErrorState } from '../components/states';
import { TracesTable } from '../components/traces-table';
import { formatMs } from '../format/units';
import { isServiceData, useLive, useLiveMessages, useThrottledRefresh } from '../live/live-context';
import { insertTrace, traceMatches } from '../shape/trace-filter';
import { useApi } from '../state/use-api';
import { useNavigation } from '../state/use-view';
import { isLive, type TimeRangeSpec } from '../state/time-range';
import { withPage, type TraceFilters } from '../state/view-state';

const PAGE = 100;

function query(service: string, route: string | null, filters: TraceFilters) {
  return { service, route, minDurationMs: filters.minDurationMs, error: filters.errorsOnly, errorKind: filters.errorKind, notable: !filters.all, sort: filters.sort, limit: PAGE };
}

export function TracesPage({ service }: { service: string }) {
  const { view } = useNavigation();
  const { resyncVersion } = useLive();
  const { route, traceFilters: filters } = view;
  const key = `traces:${service}:${route}:${JSON.stringify(filters)}:${JSON.stringify(view.range)}`;
  // The live stream carries only notable traces (failed, or slow: collector writer.ts), without
  // their failure's kind: an "all traces" list or a kind's list cannot be fed from it, so such a
  // list re-reads as the service's data arrives, at most every 5 s — until "Load more" is pressed
  // (a re-read would drop the pages loaded after the first).
  const [refresh, trigger] = useThrottledRefresh(5000);
  const [pagedKey, setPagedKey] = useState<string | null>(null);
  // Whether the last page came back short: then every trace of the window is on screen.
  const [complete, setComplete] = useState<{ key: string; done: boolean }>({ key: '', done: false });
  const traces = useApi(
    key,
    async (s) => {
      const r = await api.traces(view.range, query(service, route, filters), s);
      setComplete({ key, done: r.traces.length < PAGE });
      return r;
    },
    [resyncVersion, refresh],
  );
  const done = complete.key === key && complete.done;
  // "Load more" pressed from the keyboard: the first trace it brought takes the focus, where the
  // reading goes on (the button was left far below it, or gone with the last page; QA4 keyboard pass).
  const focusTrace = useRef<string | null>(null);
  useEffect(() => {
    const id = focusTrace.current;
    if (id === null) return;
    const rows = document.querySelectorAll<HTMLElement>('[data-testid="traces-table"] tr[data-trace-id]');
    const row = Array.from(rows).find((r) => r.dataset.traceId === id);
    if (row === undefined) return;
    focusTrace.current = null;
    row.querySelector<HTMLElement>('a')?.focus();
  }, [traces.data]);
  const rereads = filters.all || filters.errorKind !== undefined;
  useLiveMessages(isLive(view.range), (msg) => {
    if (rereads && pagedKey !== key && isServiceData(msg, service)) trigger();
    // A live frame does not carry its failure's kind: a kind's list takes new traces on a re-read.
    if (msg.type !== 'trace' || filters.errorKind !== undefined || !traceMatches(msg.trace, service, route, filters)) return;
    traces.update((cur) => ({ ...cur, traces: insertTrace(cur.traces, msg.trace, filters.sort, done) }));
  });

  return (
    <section class="page traces-page">
      <h1>
        <span class="page-kind">Traces</span> {service}
      </h1>
      <TraceFilterForm filtersKey={key} range={view.range} />
      <Async state={traces} what="traces">
        {(data) => (
          <>
            <TraceListNote data={data} filters={filters} />
            {data.traces.length === 0 ? (
              <EmptyNote>
                {filters.all
                  ? 'No traces match in this range. Traces are sampled: every error, slow request and stall is kept (whole while the agent is within its per-second budget, else its own span).'
                  : 'No slow or failed traces in this range. Choose "all traces" to see the others.'}
              </EmptyNote>
            ) : (
              <>
                <TracesTable traces={data.traces} />
                {!done && (
                  <LoadMore
                    key={key}
                    load={(s) => api.traces({ kind: 'custom', from: data.from, to: data.to }, { ...query(service, route, filters), offset: data.traces.length }, s)}
                    onPage={(page) => {
                      if (document.activeElement?.matches('[data-testid="load-more"]') === true) {
                        const shown = new Set(data.traces.map((t) => t.traceId));
                        focusTrace.current = page.traces.find((t) => !shown.has(t.traceId))?.traceId ?? null;
                      }
                      traces.update((cur) => {
                        const seen = new Set(cur.traces.map((t) => t.traceId));
                        return { ...cur, traces: [...cur.traces, ...page.traces.filter((t) => !seen.has(t.traceId))] };
                      });
                      if (page.traces.length < PAGE) setComplete({ key, done: true });
                      setPagedKey(key);
                    }}
                  />
                )}
              </>
            )}
          </>
        )}
      </Async>
    </section>
  );
}

function TraceListNote({ data, filters }: { data: TracesResponse; filters: TraceFilters }) {
  const order = filters.sort === 'duration' ? 'slowest first' : 'newest first';
  if (filters.errorKind !== undefined) return <ErrorKindNote kind={filters.errorKind} order={order} shown={data.traces.length} />;
  const what = filters.all
    ? 'All traces'
    : `Slow and failed traces${data.slowThresholdMs !== undefined ? ` (slow: from ${formatMs(data.slowThresholdMs)}, 4 × Apdex T, queue wait included)` : ''}`;
  return <p class="muted list-note" data-testid="traces-note">{`${what}, ${order}; ${data.traces.length} shown.`}</p>;
}

/** The kind of failure the list is narrowed to (shown as text: it is the app's message), and the way back to every trace. */
function ErrorKindNote({ kind, order, shown }: { kind: string; order: string; shown: number }) {
  const { view } = useNavigation();
  const { errorKind: _dropped, ...others } = view.traceFilters;
  return (
    <p class="muted list-note" data-testid="traces-note">
      {'Failed traces of kind '}
      <code class="error-kind" data-testid="traces-error-kind">{kind}</code>
      {`, ${order}; ${shown} shown. `}
      <Link to={{ ...view, traceFilters: others }}>Show every kind</Link>
      {' · '}
      <Link to={withPage(view, 'errors')}>Errors page</Link>
    </p>
  );
}

/** The next page of the same window (the first answer's from/to, so a live window does not shift under it). */
function LoadMore({ load, onPage }: { load: (signal: AbortSignal) => Promise<TracesResponse>; onPage: (page: TracesResponse) => void }) {
  const [state, setState] = useState<{ loading: boolean; error: unknown }>({ loading: false, error: null });
  const click = () => {
    if (state.loading) return;
    setState({ loading: true, error: null });
    load(new AbortController().signal).then(
      (page) => {
        setState({ loading: false, error: null });
        onPage(page);
      },
      (error: unknown) => setState({ loading: false, error }),
    );
  };
  return (
    <div class="load-more">
      {state.error !== null && <ErrorState error={state.error} />}
      {/* aria-disabled, not disabled: a disabled button drops the keyboard's focus to <body>. */}
      <button type="button" data-testid="load-more" aria-disabled={state.loading} onClick={click}>
        {state.loading ? 'Loading…' : `Load ${PAGE} more`}
      </button>
    </div>
  );
}

/**
 * The filters, edited here and applied to the URL. New filters from the URL (applied, back,
 * forward) reset the fields in place: a form built anew for them dropped the keyboard's focus
 * from Apply to <body> (QA4 keyboard pass).
 */
function TraceFilterForm({ filtersKey, range }: { filtersKey: string; range: TimeRangeSpec }) {
  const { view, navigate } = useNavigation();
  const [route, setRoute] = useState(view.route ?? '');
  const [minMs, setMinMs] = useState(view.traceFilters.minDurationMs === null ? '' : String(view.traceFilters.minDurationMs));
  const [errorsOnly, setErrorsOnly] = useState(view.traceFilters.errorsOnly);
  const [all, setAll] = useState(view.traceFilters.all);
  const [sort, setSort] = useState(view.traceFilters.sort);
  const shownKey = useRef(filtersKey);
  useEffect(() => {
    if (shownKey.current === filtersKey) return;
    shownKey.current = filtersKey;
    setRoute(view.route ?? '');
    setMinMs(view.traceFilters.minDurationMs === null ? '' : String(view.traceFilters.minDurationMs));
    setErrorsOnly(view.traceFilters.errorsOnly);
    setAll(view.traceFilters.all);
    setSort(view.traceFilters.sort);
  }, [filtersKey]);
  const submit = (e: Event) => {
    e.preventDefault();
    const min = Number(minMs);
    navigate({
      ...view,
      range,
      route: route.trim() === '' ? null : route.trim(),
      traceFilters: {
        minDurationMs: minMs.trim() !== '' && Number.isFinite(min) && min >= 0 ? min : null,
        errorsOnly,
        all,
        sort,
        ...(view.traceFilters.errorKind !== undefined && { errorKind: view.traceFilters.errorKind }),
      },
    });
  };
  return (
    <form class="filters" onSubmit={submit} data-testid="trace-filters">
      <label>
        Show
        <select name="show" value={all ? 'all' : 'notable'} onChange={(e) => setAll((e.target as HTMLSelectElement).value === 'all')}>
          <option value="notable">slow and failed traces</option>
          <option value="all">all traces</option>
        </select>
      </label>
      <label>
        Order
        <select name="sort" value={sort} onChange={(e) => setSort((e.target as HTMLSelectElement).value === 'duration' ? 'duration' : 'start')}>
          <option value="start">newest first</option>
          <option value="duration">slowest first</option>
        </select>
      </label>
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
