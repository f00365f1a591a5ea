// The live stream as seen by pages: its status, a resync counter to put in data
// dependencies, the collector's clock offset, and a way to hear its messages.

import type { LiveServerMessage } from '@headroom/collector/api-types';
import { createContext } from 'preact';
import { useContext, useEffect, useRef, useState } from 'preact/hooks';
import type { LiveStatus } from './live-connection';

export type LiveListener = (msg: LiveServerMessage) => void;

export interface LiveContextValue {
  status: LiveStatus;
  /** Bumped on every reconnect or resync: pages refetch when it changes. */
  resyncVersion: number;
  /**
   * The first subscription is in place, or could not be had within a moment: API reads wait
   * for it (state/use-api.ts), so a page's first answer and the stream's next frames leave no
   * gap between them, and nothing has to be fetched twice.
   */
  ready: boolean;
  /** serverTime − Date.now() at the last hello, so the moving window follows the collector's clock. */
  clockOffsetMs: number;
  listen(listener: LiveListener): () => void;
}

export const LiveContext = createContext<LiveContextValue | null>(null);

export function useLive(): LiveContextValue {
  const live = useContext(LiveContext);
  if (live === null) throw new Error('useLive outside LiveContext');
  return live;
}

/** Calls `handler` for each live message while `enabled`. */
export function useLiveMessages(enabled: boolean, handler: LiveListener): void {
  const live = useLive();
  const ref = useRef(handler);
  ref.current = handler;
  useEffect(() => (enabled ? live.listen((m) => ref.current(m)) : undefined), [enabled, live.listen]);
}

/** A message carrying new data of `service` (a request aggregate or an event): what re-reads a service's page. */
export function isServiceData(msg: LiveServerMessage, service: string): boolean {
  return (msg.type === 'aggregate' && msg.aggregate.service === service) || (msg.type === 'event' && msg.event.service === service);
}

/**
 * A counter that goes up at most once per `minIntervalMs` while `trigger()` is being called:
 * how pages refetch what cannot be merged from a message (pushed, not polled).
 */
export function useThrottledRefresh(minIntervalMs: number): [number, () => void] {
  const [count, setCount] = useState(0);
  const last = useRef(0);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  useEffect(() => () => {
    if (timer.current !== null) clearTimeout(timer.current);
  }, []);
  const trigger = () => {
    if (timer.current !== null) return;
    const wait = Math.max(0, last.current + minIntervalMs - Date.now());
    timer.current = setTimeout(() => {
      timer.current = null;
      last.current = Date.now();
      setCount((c) => c + 1);
    }, wait);
  };
  return [count, trigger];
}

/** Epoch ms on the collector's clock, ticking every `everyMs` while `enabled`. */
export function useNow(enabled: boolean, everyMs = 5000): number {
  const { clockOffsetMs } = useLive();
  const [now, setNow] = useState(() => Date.now() + clockOffsetMs);
  useEffect(() => {
    setNow(Date.now() + clockOffsetMs);
    if (!enabled) return undefined;
    const id = setInterval(() => setNow(Date.now() + clockOffsetMs), everyMs);
    return () => clearInterval(id);
  }, [enabled, everyMs, clockOffsetMs]);
  return now;
}
