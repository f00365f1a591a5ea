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

/**
 * `key` names the resource (service, range, filters): when it changes the old data is
 * dropped. `refresh` values only trigger a refetch that keeps the old data on screen.
 */
export function useApi<T>(key: string, load: (signal: AbortSignal) => Promise<T>, refresh: unknown[] = []): ApiState<T> {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(true);
  const [nonce, setNonce] = useState(0);
  const loader = useRef(load);
  loader.current = load;
  const lastKey = useRef(key);
  // Live edits made while a request is in flight: its answer may predate them (it was read
  // before their commit), so they are applied to it again when it lands. The pages' edits
  // are idempotent (merge by id, replace a minute), so applying one twice is harmless.
  const editsInFlight = useRef<((current: T) => T)[] | null>(null);
  // The first read waits for the live subscription (live-context.ts `ready`), outside it none.
  const ready = useContext(LiveContext)?.ready ?? true;

  useEffect(() => {
    if (!ready) return undefined;
    const controller = new AbortController();
    if (lastKey.current !== key) {
      // Data for another resource (another service or route) must not linger while loading.
      lastKey.current = key;
      setData(null);
      setError(null);
    }
    setLoading(true);
    const edits: ((current: T) => T)[] = [];
    editsInFlight.current = edits;
    loader.current(controller.signal).then(
      (result) => {
        if (controller.signal.aborted) return;
        editsInFlight.current = null;
        setData(edits.reduce((d, fn) => fn(d), result));
        setError(null);
        setLoading(false);
      },
      (err: unknown) => {
        if (controller.signal.aborted) return;
        editsInFlight.current = null;
        setError(err);
        setLoading(false);
      },
    );
    return () => controller.abort();
  }, [key, ...refresh, nonce, ready]);

  const reload = useCallback(() => setNonce((n) => n + 1), []);
  const update = useCallback((fn: (current: T) => T) => {
    editsInFlight.current?.push(fn);
    setData((d) => (d === null ? d : fn(d)));
  }, []);
  return { data, error, loading, reload, update };
}
