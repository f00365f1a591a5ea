// The dashboard's one WebSocket to /ws: subscribes to the service on screen, reconnects with
// backoff when the connection drops, and tells its listeners to refetch (resync) after a
// reconnect or when the collector says frames were dropped. The first connection is no resync
// (QA: every page loaded its data twice): it says it is subscribed, and the pages' first reads
// wait for that (state/use-api.ts), so nothing committed in between is missed.

import type { LiveServerMessage } from '@headroom/collector/api-types';
import { backoffDelay } from './backoff';
import { parseLiveMessage } from './parse-message';

export type LiveStatus =
  | { state: 'connecting' }
  | { state: 'live' }
  | { state: 'reconnecting'; retryAt: number; attempt: number };

export interface LiveHandlers {
  onMessage(msg: LiveServerMessage): void;
  onStatus(status: LiveStatus): void;
  /** Data may have been missed: fetch the current state again. */
  onResync(reason: string): void;
  /** The first connection is open and subscribed: from now on the stream carries every change. */
  onFirstSubscription(): void;
}

export interface LiveConnection {
  subscribe(service: string | null): void;
  close(): void;
}

export function openLiveConnection(url: string, handlers: LiveHandlers): LiveConnection {
  let socket: WebSocket | null = null;
  let service: string | null = null;
  let attempt = 0;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let closed = false;
  let connectedBefore = false;

  const send = () => {
    if (socket?.readyState === WebSocket.OPEN) socket.send(JSON.stringify({ type: 'subscribe', service }));
  };

  const retryLater = () => {
    const delay = backoffDelay(attempt, Math.random());
    attempt++;
    handlers.onStatus({ state: 'reconnecting', retryAt: Date.now() + delay, attempt });
    timer = setTimeout(connect, delay);
  };

  const connect = () => {
    timer = null;
    handlers.onStatus({ state: 'connecting' });
    let ws: WebSocket;
    try {
      ws = new WebSocket(url);
    } catch {
      // Safari before 16 throws a SecurityError here: its CSP 'self' does not match ws: to the
      // page's own origin (CSP Level 3 says it does; the collector's policy relies on that). The
      // pages then read over HTTP, as when the collector is away.
      retryLater();
      return;
    }
    socket = ws;
    ws.onopen = () => {
      attempt = 0;
      send();
      handlers.onStatus({ state: 'live' });
      // Whatever was committed while we were away is in the API, not in the stream.
      if (connectedBefore) handlers.onResync('reconnected');
      else handlers.onFirstSubscription();
      connectedBefore = true;
    };
    ws.onmessage = (ev: MessageEvent) => {
      if (typeof ev.data !== 'string') return;
      const msg = parseLiveMessage(ev.data);
      if (msg === null) return;
      if (msg.type === 'resync') handlers.onResync(msg.reason);
      handlers.onMessage(msg);
    };
    ws.onclose = () => {
      if (socket !== ws) return;
      socket = null;
      if (closed) return;
      retryLater();
    };
    // onerror is always followed by onclose, which does the work.
    ws.onerror = () => undefined;
  };

  connect();

  return {
    subscribe(next) {
      service = next;
      send();
    },
    close() {
      closed = true;
      if (timer !== null) clearTimeout(timer);
      socket?.close();
      socket = null;
    },
  };
}
