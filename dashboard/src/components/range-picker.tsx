// Live (15 min, moving), 1 h, 6 h, 24 h, 7 d; a custom range shows here once dragged on a chart.

import { formatTime } from '../format/units';
import { useNavigation } from '../state/use-view';
import { PRESETS, rangeLabel, type Preset } from '../state/time-range';

const LABELS: Record<Preset, string> = { '15m': 'Live 15m', '1h': '1h', '6h': '6h', '24h': '24h', '7d': '7d' };

/**
 * Gives the keyboard's focus to a preset's button: a control that ends itself (the banner's "Go
 * live") would leave it on <body>; the button now pressed says what was done.
 */
export function focusPreset(preset: Preset): void {
  document.querySelector<HTMLElement>(`.range-picker [data-preset="${preset}"]`)?.focus();
}

export function RangePicker() {
  const { view, navigate } = useNavigation();
  const current = view.range;
  return (
    <div class="range-picker" role="group" aria-label="Time range">
      {PRESETS.map((preset) => {
        const active = current.kind === 'preset' && current.preset === preset;
        return (
          <button
            type="button"
            key={preset}
            data-preset={preset}
            class={active ? 'range active' : 'range'}
            aria-pressed={active}
            title={rangeLabel({ kind: 'preset', preset })}
            onClick={() => navigate({ ...view, range: { kind: 'preset', preset } })}
          >
            {preset === '15m' && <span class="live-dot" aria-hidden="true" />}
            {LABELS[preset]}
          </button>
        );
      })}
      {current.kind === 'custom' && (
        <span class="range active custom-range" data-testid="custom-range">
          {`${formatTime(current.from)} – ${formatTime(current.to)}`}
        </span>
      )}
    </div>
  );
}
