// The markers of a chart in words, under it: each a link to what it is about (the drawn lines are
// not reachable by keyboard; QA4). The newest few are listed; the earlier ones of the range are
// counted by kind and open on request into a scrolling list that a kind filter narrows, so the
// oldest deploy of a range with hundreds of stalls is a few keys away, not gone (QA s13).

import { useState } from 'preact/hooks';
import { Link } from '../components/link';
import { formatTime } from '../format/units';
import { kindCounts, kindsText, kindWords } from '../shape/marker-kinds';
import { useNavigation } from '../state/use-view';
import { withPage, type ViewState } from '../state/view-state';
import type { Marker, MarkerKind, MarkerLink } from './chart-spec';

/** Listed before the rest are asked for: the newest. */
export const NEWEST_MARKERS = 6;

const LINK_WORDS: Record<MarkerLink['page'], string> = { trace: 'trace', 'event-loop': 'event loop', instances: 'instances', alerts: 'alerts', deployments: 'deployments' };

function linkView(view: ViewState, link: MarkerLink): ViewState {
  if (link.page === 'trace') return withPage(view, 'trace', { traceId: link.traceId });
  if (link.page === 'event-loop') return withPage(view, 'event-loop', { route: link.route });
  return withPage(view, link.page);
}

function MarkerItem({ marker: m }: { marker: Marker }) {
  const { view } = useNavigation();
  const text = (
    <>
      <time>{formatTime(m.timeMs)}</time> {m.label}
    </>
  );
  return (
    <li class={`marker marker-${m.kind}`}>
      {m.link === undefined ? text : (
        <Link to={linkView(view, m.link)}>
          {text} <span class="marker-to">{`(${LINK_WORDS[m.link.page]})`}</span>
        </Link>
      )}
    </li>
  );
}

function Items({ markers }: { markers: readonly Marker[] }) {
  return (
    <>
      {markers.map((m, i) => (
        // Two markers can share a time and a label (two stalls of a second): the index tells them apart.
        <MarkerItem key={`${m.timeMs}-${m.kind}-${m.label}-${i}`} marker={m} />
      ))}
    </>
  );
}

/** `markers` oldest first. */
export function MarkerList({ markers }: { markers: readonly Marker[] }) {
  const [open, setOpen] = useState(false);
  const [only, setOnly] = useState<MarkerKind | null>(null);
  if (markers.length <= NEWEST_MARKERS) {
    return <ul class="chart-markers"><Items markers={markers} /></ul>;
  }
  const earlier = markers.slice(0, -NEWEST_MARKERS);
  const counts = kindCounts(markers);
  // A kind the list no longer holds (the range moved on) filters nothing out.
  const kind = only !== null && counts.some((c) => c.kind === only) ? only : null;
  const shown = kind === null ? markers : markers.filter((m) => m.kind === kind);
  const total = markers.length.toLocaleString('en-US');
  return (
    <div class="marker-list" data-testid="marker-list">
      <p class="marker-more">
        {open ? `All ${total} markers on the chart.` : `${earlier.length.toLocaleString('en-US')} earlier: ${kindsText(earlier)}.`}{' '}
        <button type="button" class="link-button" aria-expanded={open} onClick={() => setOpen(!open)} data-testid="marker-toggle">
          {open ? `Show the newest ${NEWEST_MARKERS} only` : `Show all ${total} markers`}
        </button>
      </p>
      {open && counts.length > 1 && (
        <div class="marker-kinds" role="group" aria-label="Show markers of one kind">
          <button type="button" class="chip" aria-pressed={kind === null} onClick={() => setOnly(null)}>{`All ${total}`}</button>
          {counts.map((c) => (
            <button type="button" class={`chip marker-${c.kind}`} key={c.kind} aria-pressed={kind === c.kind} onClick={() => setOnly(c.kind)}>
              {kindWords(c.kind, c.count)}
            </button>
          ))}
        </div>
      )}
      {open ? (
        // Hundreds of lines scroll in a box, not down the page; a named tab stop so keys scroll it.
        <ul class="chart-markers chart-markers-all" tabIndex={0} aria-label={`Markers, ${kind === null ? 'all kinds' : kindWords(kind, shown.length)} (scrolls)`}>
          <Items markers={shown} />
        </ul>
      ) : (
        <ul class="chart-markers"><Items markers={markers.slice(-NEWEST_MARKERS)} /></ul>
      )}
    </div>
  );
}
