// Loads one API resource for the view on screen. Keeps the last good data while reloading
// (a live refresh does not blank the page), aborts a request that a newer one replaces.

import { useCallback, useContext, useEffect, useRef, useState } from 'preact/hooks';
import { LiveContext } from '../live/live-context';

export interface ApiState<T> {
  data: T | null;
  error: unknown;
  loading: boolean;
  reload(): void;
  /** Local edits from the live stream (merge an aggregate, prepend a trace). */
  update(fn: (current: T) => T): void;
}

interface Held<T> {
  key: string;
  data: T | null;
  error: unknown;
}

/**
 * `key` names the resource (service, range, filters): when it changes the old data is
 * dropped. `refresh` values only trigger a refetch that keeps the old data on screen.
 */
export function useApi<T>(key: string, load: (signal: AbortSignal) => Promise<T>, refresh: unknown[] = []): ApiState<T> {
  // What was read, with the key it was read for. A render for a new key (another service, route
  // or range) shows none of it: the effect that loads the new key runs only after that render is
  // painted, so clearing the data there left one frame of the old resource under the new view.
  const [held, setHeld] = useState<Held<T>>({ key, data: null, error: null });
  const [loading, setLoading] = useState(true);
  const [nonce, setNonce] = useState(0);
  const loader = useRef(load);
  loader.current = load;
  const keyNow = useRef(key);
  keyNow.current = key;
  // Live edits made while a request is in flight: its answer may predate them (it was read
  // before their commit), so they are applied to it again when it lands. The pages' edits
  // are idempotent (merge by id, replace a minute), so applying one twice is harmless.
  const editsInFlight = useRef<((current: T) => T)[] | null>(null);
  // The first read waits for the live subscription (live-context.ts `ready`), outside it none.
  const ready = useContext(LiveContext)?.ready ?? true;

  useEffect(() => {
    if (!ready) return undefined;
    const controller = new AbortController();
    setLoading(true);
    const edits: ((current: T) => T)[] = [];
    editsInFlight.current = edits;
    loader.current(controller.signal).then(
      (result) => {
        if (controller.signal.aborted) return;
        editsInFlight.current = null;
        setHeld({ key, data: edits.reduce((d, fn) => fn(d), result), error: null });
        setLoading(false);
      },
      (err: unknown) => {
        if (controller.signal.aborted) return;
        editsInFlight.current = null;
        // A failed refresh keeps the last good data of the same resource on screen.
        setHeld((h) => ({ key, data: h.key === key ? h.data : null, error: err }));
        setLoading(false);
      },
    );
    return () => controller.abort();
  }, [key, ...refresh, nonce, ready]);

  const reload = useCallback(() => setNonce((n) => n + 1), []);
  const update = useCallback((fn: (current: T) => T) => {
    editsInFlight.current?.push(fn);
    setHeld((h) => (h.data === null || h.key !== keyNow.current ? h : { ...h, data: fn(h.data) }));
  }, []);
  const current = held.key === key;
  return { data: current ? held.data : null, error: current ? held.error : null, loading: loading || !current, reload, update };
}
