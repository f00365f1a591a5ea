// One trace as a waterfall: the span tree with timing bars; event-loop stall spans stand out;
// a span opens its attributes and events (all as text). A partial trace (a request over the
// agent's recording budget, written at its end) says why its operations are missing.

import type { EventView, SpanView } from '@headroom/collector/api-types';
import { useRef, useState } from 'preact/hooks';
import { api } from '../api/endpoints';
import { paletteColor } from '../charts/chart-spec';
import { Link } from '../components/link';
import { movedIndex, rowKeyAction } from '../components/row-keys';
import { Async } from '../components/states';
import { formatMs, formatTime } from '../format/units';
import { hardlyRan, stallCpuMs } from '../../../collector/src/store/stall-cpu';
import { blockerText, stallWaits, type StallWait } from '../shape/stall-waits';
import { traceErrors, type TraceError } from '../shape/trace-errors';
import { repeatGroups, visibleItems, type RepeatGroup } from '../shape/repeated-spans';
import { clientPeer } from '../shape/span-peer';
import { attributeText, buildWaterfall } from '../shape/waterfall';
import { useApi } from '../state/use-api';
import { useNavigation } from '../state/use-view';
import { withPage } from '../state/view-state';

const KINDS = ['unspecified', 'internal', 'server', 'client', 'producer', 'consumer'];

export function TracePage({ traceId }: { traceId: string }) {
  const { view } = useNavigation();
  const trace = useApi(`trace:${traceId}`, (s) => api.trace(traceId, s));
  // Opened as /traces/:id, the trace itself says which service it belongs to.
  const service = view.service ?? trace.data?.spans.find((s) => s.parentSpanId === null)?.service ?? trace.data?.spans[0]?.service ?? null;
  return (
    <section class="page trace-page">
      <p class="back">
        {service !== null ? <Link to={withPage({ ...view, service }, 'traces', { route: view.route })}>{`← Traces of ${service}`}</Link> : <Link to={withPage(view, 'overview')}>← Services</Link>}
      </p>
      <h1>
        <span class="page-kind">Trace</span> <code class="trace-id">{traceId}</code>
      </h1>
      <Async state={trace} what="trace">
        {(data) => <WaterfallView traceId={data.traceId} spans={data.spans} stalls={data.stalls} />}
      </Async>
    </section>
  );
}

function WaterfallView({ traceId, spans, stalls }: { traceId: string; spans: SpanView[]; stalls: EventView[] }) {
  const w = buildWaterfall(spans);
  const waits = stallWaits(spans, stalls);
  const waitedMs = [...waits.values()].reduce((sum, x) => sum + x.waitedMs, 0);
  const waitedOn = [...new Set([...waits.values()].map((x) => x.service))];
  const [selected, setSelected] = useState<string | null>(null);
  // Runs of repeated siblings (an N+1) are folded into one row each until opened.
  const groups = repeatGroups(w.rows);
  const [expanded, setExpanded] = useState<ReadonlySet<string>>(new Set());
  const items = visibleItems(w.rows, groups, expanded);
  const itemId = (item: (typeof items)[number]): string => (item.kind === 'row' ? item.row.span.spanId : groupRowId(item.group));
  const toggleGroup = (g: RepeatGroup) => {
    const next = new Set(expanded);
    if (!next.delete(g.id)) next.add(g.id);
    setExpanded(next);
  };
  // The row that holds the waterfall's one tab stop: the last one focused, else the open one, else the first.
  const [focused, setFocused] = useState<string | null>(null);
  const table = useRef<HTMLDivElement>(null);
  const shown = (id: string | null) => (id !== null && items.some((item) => itemId(item) === id) ? id : null);
  const tabStop = shown(focused) ?? shown(selected) ?? (items[0] !== undefined ? itemId(items[0]) : null);
  const toggle = (spanId: string) => setSelected(selected === spanId ? null : spanId);
  const focusRow = (spanId: string) => table.current?.querySelector<HTMLElement>(`[role="row"][data-span-id="${CSS.escape(spanId)}"]`)?.focus();
  const onRowKey = (e: KeyboardEvent, index: number, onToggle: () => void) => {
    const action = rowKeyAction(e.key);
    // Keys on a link inside the row (the wait note's) are the link's.
    if (action === null || e.target !== e.currentTarget) return;
    e.preventDefault();
    if (action === 'toggle') return onToggle();
    const next = items[movedIndex(action, index, items.length)];
    if (next) focusRow(itemId(next));
  };
  const root = w.rows[0]?.span;
  const picked = w.rows.find((r) => r.span.spanId === selected)?.span ?? null;
  const partial = spans.some((s) => s.attributes['headroom.trace.partial'] === true);
  return (
    <>
      {partial && (
        <p class="muted-text" data-testid="partial-trace">
          Only the request itself{w.stallMs > 0 ? ' and its event-loop stalls were' : ' was'} recorded: the process was over its per-second
          budget for full traces (HEADROOM_RECORDED_TRACES_PER_SECOND) when the request started, so the operations it called are not
          in this trace.
        </p>
      )}
      {w.callerMissing && (
        <p class="muted-text" data-testid="caller-missing">
          This trace starts inside a call from a span that was not kept: the caller (another service, or a request of this one) did not record
          its part — it was not sampled, or its data has not arrived. Rows marked “caller not recorded” hang under that missing span.
        </p>
      )}
      <div class="stats">
        <div class="stat"><div class="stat-label">Started</div><div class="stat-value">{formatTime(w.startMs)}</div></div>
        <div class="stat"><div class="stat-label">Duration</div><div class="stat-value" data-testid="trace-duration">{formatMs(w.durationMs)}</div></div>
        <div class="stat"><div class="stat-label">Spans</div><div class="stat-value">{String(w.rows.length)}</div></div>
        {/* Whose loop: this trace's own code blocking, apart from waiting while another request's code blocked a callee. */}
        <div class={w.stallMs > 0 ? 'stat stat-bad' : 'stat'} data-testid="own-stall">
          <div class="stat-label">Loop blocked by this trace</div>
          <div class="stat-value">{formatMs(w.stallMs)}</div>
        </div>
        {w.queueWaitMs > 0 && root && (
          // Time spent before the app saw the request (a proxy's queue-start header): the client waited it too.
          <div class="stat stat-warn" data-testid="queue-wait">
            <div class="stat-label">Queued in front of the app</div>
            <div class="stat-value">{formatMs(w.queueWaitMs)}</div>
            <div class="stat-note">{`${formatMs(w.queueWaitMs + root.durationMs)} as the client saw it`}</div>
          </div>
        )}
        {waits.size > 0 && (
          <div class="stat stat-warn" data-testid="waited-stall">
            <div class="stat-label">Waited behind other requests' stalls</div>
            <div class="stat-value">{formatMs(waitedMs)}</div>
            <div class="stat-note">{`${waitedOn.join(', ')}’s event loop blocked`}</div>
          </div>
        )}
        <div class="stat"><div class="stat-label">Root</div><div class="stat-value small">{root?.name ?? '–'}</div></div>
      </div>
      <ErrorList errors={traceErrors(w.rows.map((r) => r.span))} onSelect={setSelected} />
      <div class="waterfall" role="treegrid" aria-label="Spans: arrow keys move, Enter opens a span" data-testid="waterfall" ref={table}>
        <div class="wf-row wf-head" role="row">
          <div class="wf-name" role="columnheader">Span</div>
          <div class="wf-bar-cell" role="columnheader">
            <span>0 ms</span>
            <span>{formatMs(w.axisMs / 2)}</span>
            <span>{formatMs(w.axisMs)}</span>
          </div>
        </div>
        {items.map((item, index) => {
          if (item.kind === 'group') {
            const g = item.group;
            const id = groupRowId(g);
            const open = expanded.has(g.id);
            return (
              <div
                class="wf-row wf-group"
                role="row"
                key={id}
                data-span-id={id}
                data-testid="span-group"
                tabIndex={id === tabStop ? 0 : -1}
                aria-level={g.depth + 1}
                aria-expanded={open}
                onClick={() => toggleGroup(g)}
                onFocus={(e) => {
                  if (e.target === e.currentTarget) setFocused(id);
                }}
                onKeyDown={(e) => onRowKey(e, index, () => toggleGroup(g))}
              >
                <div class="wf-name" role="gridcell" style={{ paddingLeft: `calc(0.8rem + ${Math.min(g.depth, 12) * 12}px)` }}>
                  <span class="wf-group-toggle" aria-hidden="true">{open ? '▾' : '▸'}</span>
                  <span class="wf-label" title={g.label}>{g.label}</span>
                  <span class="wf-tag wf-repeats" data-testid="span-group-count">{`×${g.repeats}, ${formatMs(g.totalMs)} in all`}</span>
                </div>
                <div class="wf-bar-cell" role="gridcell">
                  <div class="wf-track">
                    <div class="wf-bar wf-group-bar" style={{ left: `${g.offsetPct.toFixed(3)}%`, width: `${Math.max(g.widthPct, 0.3).toFixed(3)}%` }} title={`${g.label} ×${g.repeats}: ${formatMs(g.totalMs)} in all`} />
                  </div>
                </div>
              </div>
            );
          }
          const r = item.row;
          const s = r.span;
          const error = s.status.code === 2;
          const queued = r.queued;
          // Whom a client span called, unless its name says so already.
          const called = clientPeer(s);
          const peer = called !== null && !s.name.includes(called) ? called : null;
          const cls = ['wf-row', s.isStall ? 'wf-stall' : '', error ? 'wf-error' : '', selected === s.spanId ? 'wf-selected' : ''].join(' ').trim();
          return [
            queued !== null && (
              // Not a span: no tab stop and no detail; the bar ends where the span's begins.
              <div class="wf-row wf-queued" role="row" aria-level={r.depth + 1} key={`queued-${s.spanId}`} data-testid="queued-row">
                <div class="wf-name" role="gridcell" style={{ paddingLeft: `calc(0.8rem + ${Math.min(r.depth, 12) * 12}px)` }}>
                  <span class="wf-label">queued</span>
                  <span class="wf-tag" title="From the proxy's queue-start header (X-Request-Start / X-Queue-Start) to the app's first sight of the request">in front of the app</span>
                  <span class="wf-dur">{formatMs(queued.ms)}</span>
                </div>
                <div class="wf-bar-cell" role="gridcell">
                  <div class="wf-track">
                    <div class="wf-bar wf-queued-bar" style={{ left: `${queued.offsetPct.toFixed(3)}%`, width: `${queued.widthPct.toFixed(3)}%` }} title={`queued ${formatMs(queued.ms)} before ${s.name}`} />
                  </div>
                </div>
              </div>
            ),
            <div
              class={cls}
              role="row"
              key={s.spanId}
              data-span-id={s.spanId}
              tabIndex={s.spanId === tabStop ? 0 : -1}
              aria-level={r.depth + 1}
              aria-expanded={selected === s.spanId}
              aria-controls={selected === s.spanId ? 'span-detail' : undefined}
              onClick={() => toggle(s.spanId)}
              onFocus={(e) => {
                if (e.target === e.currentTarget) setFocused(s.spanId);
              }}
              onKeyDown={(e) => onRowKey(e, index, () => toggle(s.spanId))}
            >
              {/* The depth as padding, not a spacer: a name that wraps (narrow screens) stays indented on every line. */}
              <div class="wf-name" role="gridcell" style={{ paddingLeft: `calc(0.8rem + ${Math.min(r.depth, 12) * 12}px)` }}>
                <span class="wf-label">
                  {s.isStall ? `⚠ ${s.name}` : s.name}
                  {peer !== null && <span class="wf-peer" data-testid="span-peer">{` ${peer}`}</span>}
                </span>
                {r.parentMissing && <span class="wf-tag" data-testid="parent-missing" title="Its parent span was not recorded">caller not recorded</span>}
                {s.isStall && hardlyRan(s.durationMs, stallCpuMs(s.attributes)) && (
                  <span class="wf-tag" data-testid="hardly-ran" title="Under a third of the stall on CPU: machine busy or a blocking system call, not code blocking the loop">process hardly ran</span>
                )}
                {/* A trace across services says on each row whose span it is. */}
                {w.services.length > 1 && (
                  <span class="wf-service" data-testid="span-service" style={{ borderColor: paletteColor(w.services.indexOf(s.service)) }}>{s.service}</span>
                )}
                <span class="wf-dur">{formatMs(s.durationMs)}</span>
              </div>
              <div class="wf-bar-cell" role="gridcell">
                <div class="wf-track">
                  <div class="wf-bar" style={{ left: `${r.offsetPct.toFixed(3)}%`, width: `${r.widthPct.toFixed(3)}%` }} title={`${s.name}: ${formatMs(s.durationMs)} at +${formatMs(r.offsetMs)}`} />
                </div>
              </div>
              {waits.has(s.spanId) && <WaitNote wait={waits.get(s.spanId) as StallWait} traceId={traceId} />}
            </div>,
          ];
        })}
      </div>
      {picked && <SpanDetail span={picked} onClose={() => focusRow(picked.spanId)} />}
      {!picked && <p class="muted">Select a span to see its attributes and events.</p>}
    </>
  );
}

/** A folded group's row id: apart from every span id (hex), so focus and the tab stop can hold it. */
function groupRowId(g: RepeatGroup): string {
  return `group-${g.id}`;
}

/** Why a call's server span started late: the callee's loop was blocked by another request's stall. */
function WaitNote({ wait, traceId }: { wait: StallWait; traceId: string }) {
  const { view } = useNavigation();
  const first = wait.stalls[0];
  if (!first) return null;
  const more = wait.stalls.length - 1;
  return (
    <div class="wf-wait" role="gridcell" data-testid="stall-wait">
      {`waited ${formatMs(wait.waitedMs)}: ${wait.service}’s event loop was blocked by `}
      <strong>{blockerText(first)}</strong>
      {` (${formatMs(first.durationMs ?? 0)} stall`}
      {first.traceId !== null && first.traceId !== traceId && (
        <>
          {', '}
          <Link to={withPage(view, 'trace', { service: first.service, traceId: first.traceId })}>its trace</Link>
        </>
      )}
      {more > 0 ? `, and ${more} more)` : ')'}
    </div>
  );
}

const ERRORS_SHOWN = 5;

/** Why the trace failed, before any span is clicked: each failing span's exception or status. */
function ErrorList({ errors, onSelect }: { errors: TraceError[]; onSelect: (spanId: string) => void }) {
  if (errors.length === 0) return null;
  const shown = errors.slice(0, ERRORS_SHOWN);
  return (
    <div class="trace-errors" data-testid="trace-errors" role="alert">
      <h2>{errors.length === 1 ? 'Error' : `Errors (${errors.length} spans)`}</h2>
      <ul>
        {shown.map((e) => (
          <li key={e.spanId} data-span-id={e.spanId}>
            {e.type !== null && <strong class="error-type">{e.type}</strong>}
            {e.type !== null && ': '}
            <span class="error-message">{e.message}</span>
            {' '}
            <button type="button" class="link-button" onClick={() => onSelect(e.spanId)}>{`in ${e.spanName}`}</button>
          </li>
        ))}
      </ul>
      {errors.length > shown.length && <p class="muted">{`and ${errors.length - shown.length} more failing spans in the waterfall (red)`}</p>}
    </div>
  );
}

/**
 * "3 more attributes dropped": past the collector's limits (128 attributes, 128 events) or by
 * the app's SDK, as OTLP counts them (dropped_attributes_count, dropped_events_count).
 */
function droppedText(n: number, what: 'attribute' | 'event'): string {
  return `${n.toLocaleString('en')} more ${what}${n === 1 ? '' : 's'} dropped (past the collector's or the SDK's limit)`;
}

/** A span's attributes and events: a tab stop after the waterfall; Escape goes back to its row. */
function SpanDetail({ span, onClose }: { span: SpanView; onClose: () => void }) {
  const attrs = Object.entries(span.attributes).sort(([a], [b]) => a.localeCompare(b));
  return (
    <div
      class="span-detail"
      id="span-detail"
      data-testid="span-detail"
      role="region"
      aria-label={`Span ${span.name}`}
      tabIndex={0}
      onKeyDown={(e) => {
        if (e.key === 'Escape') onClose();
      }}
    >
      <h2>{span.name}</h2>
      <dl class="kv">
        <dt>Service</dt><dd>{span.service}</dd>
        <dt>Instance</dt><dd>{span.instanceId}</dd>
        <dt>Kind</dt><dd>{KINDS[span.kind] ?? String(span.kind)}</dd>
        <dt>Duration</dt><dd>{formatMs(span.durationMs)}</dd>
        <dt>Status</dt><dd>{span.status.code === 2 ? `error${span.status.message ? `: ${span.status.message}` : ''}` : span.status.code === 1 ? 'ok' : 'unset'}</dd>
        <dt>Span id</dt><dd><code>{span.spanId}</code></dd>
      </dl>
      <h3>Attributes</h3>
      {attrs.length === 0 ? <p class="muted">none</p> : (
        <dl class="kv">
          {attrs.map(([k, v]) => [<dt key={`k-${k}`}>{k}</dt>, <dd key={`v-${k}`}>{attributeText(v)}</dd>])}
        </dl>
      )}
      {span.droppedAttributesCount !== undefined && <p class="muted" data-testid="dropped-attributes">{droppedText(span.droppedAttributesCount, 'attribute')}</p>}
      {span.events.length > 0 && (
        <>
          <h3>Events</h3>
          <ul class="span-events">
            {span.events.map((e, i) => (
              <li key={i}>
                <time>{formatTime(e.timeMs)}</time> <strong>{e.name}</strong>
                {Object.entries(e.attributes).map(([k, v]) => (
                  <div key={k} class="event-attr"><code>{k}</code>: {attributeText(v)}</div>
                ))}
                {e.droppedAttributesCount !== undefined && <div class="muted">{droppedText(e.droppedAttributesCount, 'attribute')}</div>}
              </li>
            ))}
          </ul>
        </>
      )}
      {span.droppedEventsCount !== undefined && <p class="muted" data-testid="dropped-events">{droppedText(span.droppedEventsCount, 'event')}</p>}
    </div>
  );
}
