// The x window every chart on a page shares: the moving live window, or the fixed range the
// API answered for; and the handler that turns a drag on a chart into a custom range.

import { useNow } from '../live/live-context';
import { useNavigation } from '../state/use-view';
import { customRange, isLive, resolveRange } from '../state/time-range';

export function useRangeWindow(answered: { from: number; to: number } | null) {
  const { view, navigate } = useNavigation();
  const live = isLive(view.range);
  const now = useNow(live);
  let window: [number, number] | null = null;
  if (live) {
    const r = resolveRange(view.range, now);
    window = [r.from, r.to];
  } else if (answered) {
    window = [answered.from, answered.to];
  }
  const onSelectRange = (from: number, to: number) => {
    const range = customRange(from, to);
    if (range) navigate({ ...view, range });
  };
  return { live, now, window, onSelectRange };
}
