// Says when what is on screen is not live: the connection is down (and when it retries),
// or the range is fixed.

import { useEffect, useState } from 'preact/hooks';
import { useLive } from '../live/live-context';
import { useNavigation } from '../state/use-view';
import { isLive, LIVE_RANGE } from '../state/time-range';
import { focusPreset } from './range-picker';

export function LiveBanner() {
  const { status } = useLive();
  const { view, navigate } = useNavigation();
  const [, tick] = useState(0);
  useEffect(() => {
    if (status.state !== 'reconnecting') return undefined;
    const id = setInterval(() => tick((n) => n + 1), 1000);
    return () => clearInterval(id);
  }, [status]);

  if (!isLive(view.range)) {
    return (
      <div class="banner banner-paused" role="status" data-testid="live-banner">
        <span>Not live: showing a fixed time range.</span>
        <button
          type="button"
          class="link-button"
          onClick={() => {
            navigate({ ...view, range: LIVE_RANGE });
            // The banner goes with the fixed range, and its button with it.
            focusPreset('15m');
          }}
        >
          Go live
        </button>
      </div>
    );
  }
  if (status.state === 'live') return null;
  // The live region says the state once; the countdown, rewritten every second, stays out of it
  // (readable, not announced: in an alert it was read out each second over whatever was being read).
  const said = status.state === 'connecting' ? 'Not live: connecting to the collector…' : 'Not live: connection to the collector lost, retrying.';
  return (
    <div class="banner banner-offline" data-testid="live-banner">
      <span role="status" data-testid="live-banner-said">{said}</span>
      {status.state === 'reconnecting' && (
        <span data-testid="live-banner-countdown">{` Next try in ${Math.max(0, Math.ceil((status.retryAt - Date.now()) / 1000))} s (attempt ${status.attempt}).`}</span>
      )}
    </div>
  );
}
