// What the page says about an address whose time range cannot be shown: a range it did not
// understand (shown live instead, said above the page), and a custom range longer than the
// collector answers — one error in place of the page, with ranges to pick, rather than every
// chart's request failing with the same 400 and a Retry that cannot help.

import { formatTime } from '../format/units';
import { useNavigation } from '../state/use-view';
import { LIVE_RANGE, MAX_RANGE_MS, type TimeRangeSpec } from '../state/time-range';
import { focusPreset } from './range-picker';

const DAY_MS = 86_400_000;

export function RangeNotice() {
  const { view, navigate } = useNavigation();
  if (view.rangeNotice === null) return null;
  return (
    <div class="banner banner-paused" role="status" data-testid="range-notice">
      <span>{view.rangeNotice}</span>
      {/* Writes the live range into the address, which ends the notice. */}
      <button
        type="button"
        class="link-button"
        onClick={() => {
          navigate({ ...view, range: LIVE_RANGE }, { replace: true });
          focusPreset('15m');
        }}
      >
        Keep Live 15m
      </button>
    </div>
  );
}

export function RangeTooLong({ range }: { range: Extract<TimeRangeSpec, { kind: 'custom' }> }) {
  const { view, navigate } = useNavigation();
  const days = Math.round((range.to - range.from) / DAY_MS).toLocaleString('en');
  const pick = (next: TimeRangeSpec) => {
    navigate({ ...view, range: next });
    // This view, and the button pressed, give way to the page: the focus goes to its start.
    document.getElementById('main')?.focus();
  };
  return (
    <section class="page">
      <div class="state state-error" role="alert" data-testid="range-too-long">
        <strong>This range is too long</strong>
        <p>
          This range, {formatTime(range.from)} – {formatTime(range.to)}, spans {days} days; the collector answers ranges of at
          most {MAX_RANGE_MS / DAY_MS} days. Choose a shorter one:
        </p>
        <div class="range-choices actions">
          <button type="button" onClick={() => pick({ kind: 'custom', from: range.to - MAX_RANGE_MS, to: range.to })}>
            The {MAX_RANGE_MS / DAY_MS} days up to {formatTime(range.to)}
          </button>
          <button type="button" onClick={() => pick({ kind: 'preset', preset: '7d' })}>Last 7 days</button>
          <button type="button" onClick={() => pick(LIVE_RANGE)}>Live 15m</button>
        </div>
      </div>
    </section>
  );
}
