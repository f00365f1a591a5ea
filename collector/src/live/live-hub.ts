// The live stream behind /ws. After each storage commit it pushes, to the clients subscribed
// to a service (or to all), the service's per-minute aggregates for the minutes the commit
// touched (coalesced: at most one push per service per `coalesceMs`), the events inserted, the
// notable traces and the processes first seen (or seen on a new build).
//
// One slow or stuck browser must never delay the others or grow the collector's memory: every
// frame is serialised once and handed to each socket without waiting; a client whose unsent
// bytes pass `maxBufferedBytes` gets no further frames until it drains, then one `resync`
// frame, after which the dashboard refetches over HTTP. A client that stops answering pings
// is cut.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import type { AlertTransition, LiveClientMessage, LiveServerMessage } from '../api-types';
import type { LiveSettings } from '../config/collector-config';
import { quoteForLog } from '../log-text';
import type { CommitSummary, Storage } from '../store/storage';

export interface LiveStats {
  clients: number;
  framesSent: number;
  framesDropped: number;
  resyncs: number;
  clientsTerminated: number;
}

export interface LiveHub {
  /** Completes a WebSocket upgrade already checked (path, token, origin) by the caller. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  stats(): LiveStats;
  /** Pushes an alert rule's state change to the clients subscribed to its service. */
  publishAlert(transition: AlertTransition): void;
  /** True when another connection would pass `maxClients`. */
  isFull(): boolean;
  /** Stops listening to commits and closes every client (1001 going away). */
  close(): Promise<void>;
}

interface LiveClient {
  ws: WebSocket;
  /** undefined until the client subscribes; null = every service. */
  service: string | null | undefined;
  alive: boolean;
  dropping: boolean;
}

interface PendingAggregates {
  minutes: Set<number>;
  timer: NodeJS.Timeout | null;
  lastPushAt: number;
}

const DRAIN_CHECK_MS = 100;
const CLOSE_GRACE_MS = 1_000;
// Subscribe messages are tiny; anything bigger is not one.
const MAX_CLIENT_MESSAGE_BYTES = 4096;

function parseClientMessage(data: RawData): LiveClientMessage | null {
  let value: unknown;
  try {
    value = JSON.parse(data.toString());
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const message = value as { type?: unknown; service?: unknown };
  if (message.type !== 'subscribe') return null;
  if (message.service === null || message.service === undefined) return { type: 'subscribe', service: null };
  if (typeof message.service === 'string' && message.service.length > 0 && message.service.length <= 512) {
    return { type: 'subscribe', service: message.service };
  }
  return null;
}

export function createLiveHub(options: { storage: Storage; settings: LiveSettings }): LiveHub {
  const { storage, settings } = options;
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_CLIENT_MESSAGE_BYTES, clientTracking: false });
  const clients = new Set<LiveClient>();
  const pending = new Map<string, PendingAggregates>();
  const counters = { framesSent: 0, framesDropped: 0, resyncs: 0, clientsTerminated: 0 };
  let drainTimer: NodeJS.Timeout | null = null;
  let closed = false;

  function wants(client: LiveClient, service: string): boolean {
    return client.service === null || client.service === service;
  }

  function sendRaw(client: LiveClient, frame: string): void {
    if (client.ws.readyState !== WebSocket.OPEN) return;
    if (client.dropping) {
      counters.framesDropped++;
      return;
    }
    if (client.ws.bufferedAmount > settings.maxBufferedBytes) {
      client.dropping = true;
      counters.framesDropped++;
      scheduleDrainCheck();
      return;
    }
    client.ws.send(frame);
    counters.framesSent++;
  }

  function send(client: LiveClient, message: LiveServerMessage): void {
    sendRaw(client, JSON.stringify(message));
  }

  function broadcast(service: string, message: LiveServerMessage): void {
    let frame: string | null = null;
    for (const client of clients) {
      if (!wants(client, service)) continue;
      frame ??= JSON.stringify(message);
      sendRaw(client, frame);
    }
  }

  function scheduleDrainCheck(): void {
    if (drainTimer !== null || closed) return;
    drainTimer = setInterval(checkDrained, DRAIN_CHECK_MS);
    drainTimer.unref();
  }

  // A dropping client is back once half its allowance has drained (hysteresis, so a client
  // hovering at the bound does not flap between resyncs).
  function checkDrained(): void {
    let stillDropping = false;
    for (const client of clients) {
      if (!client.dropping) continue;
      if (client.ws.bufferedAmount <= settings.maxBufferedBytes / 2) {
        client.dropping = false;
        counters.resyncs++;
        send(client, { type: 'resync', reason: 'live frames were dropped because this connection was too slow' });
      } else {
        stillDropping = true;
      }
    }
    if (!stillDropping && drainTimer !== null) {
      clearInterval(drainTimer);
      drainTimer = null;
    }
  }

  function pushAggregates(service: string): void {
    const state = pending.get(service);
    if (state === undefined) return;
    state.timer = null;
    state.lastPushAt = Date.now();
    const minutes = [...state.minutes].sort((a, b) => a - b);
    state.minutes.clear();
    if (closed || minutes.length === 0) return;
    if (![...clients].some((client) => wants(client, service))) return;
    let aggregates;
    try {
      aggregates = storage.liveAggregates(service, minutes);
    } catch (error) {
      console.error(`headroom: live aggregates for ${quoteForLog(service)} failed: ${String(error)}`);
      return;
    }
    for (const aggregate of aggregates) broadcast(service, { type: 'aggregate', aggregate });
  }

  function queueAggregates(service: string, minutes: Set<number>): void {
    let state = pending.get(service);
    if (state === undefined) {
      state = { minutes: new Set(), timer: null, lastPushAt: 0 };
      pending.set(service, state);
    }
    for (const minute of minutes) state.minutes.add(minute);
    if (state.timer !== null) return;
    const wait = Math.max(0, state.lastPushAt + settings.coalesceMs - Date.now());
    state.timer = setTimeout(() => pushAggregates(service), wait);
    state.timer.unref();
  }

  function onCommit(summary: CommitSummary): void {
    if (closed) return;
    for (const [service, minutes] of summary.services) queueAggregates(service, minutes);
    for (const event of summary.events) broadcast(event.service, { type: 'event', event });
    for (const trace of summary.notableTraces) broadcast(trace.service, { type: 'trace', trace });
    for (const process of summary.processes) broadcast(process.service, { type: 'process', process });
  }

  const unsubscribe = storage.onCommit(onCommit);

  // Keepalive (RFC 6455 §5.5.2): each round, a client that did not answer the last ping is cut.
  const pingTimer = setInterval(() => {
    for (const client of clients) {
      if (!client.alive) {
        counters.clientsTerminated++;
        client.ws.terminate();
        continue;
      }
      client.alive = false;
      client.ws.ping();
    }
  }, settings.pingIntervalMs);
  pingTimer.unref();

  function accept(ws: WebSocket): void {
    const client: LiveClient = { ws, service: undefined, alive: true, dropping: false };
    clients.add(client);
    ws.on('pong', () => {
      client.alive = true;
    });
    ws.on('message', (data, isBinary) => {
      const message = isBinary ? null : parseClientMessage(data);
      if (message === null) {
        ws.close(1008, "expected {\"type\":\"subscribe\",\"service\":string|null}");
        return;
      }
      client.service = message.service;
    });
    ws.on('close', () => clients.delete(client));
    // Errors (a reset connection, an oversized message) end in 'close'; nothing to add.
    ws.on('error', () => undefined);
    send(client, { type: 'hello', serverTime: Date.now() });
  }

  return {
    handleUpgrade(req, socket, head) {
      if (closed) {
        socket.destroy();
        return;
      }
      wss.handleUpgrade(req, socket, head, accept);
    },
    stats() {
      return { clients: clients.size, ...counters };
    },
    isFull() {
      return clients.size >= settings.maxClients;
    },
    publishAlert(transition) {
      if (!closed) broadcast(transition.service, { type: 'alert', transition });
    },
    async close() {
      if (closed) return;
      closed = true;
      unsubscribe();
      clearInterval(pingTimer);
      if (drainTimer !== null) clearInterval(drainTimer);
      for (const state of pending.values()) if (state.timer !== null) clearTimeout(state.timer);
      pending.clear();
      const open = [...clients];
      await new Promise<void>((resolve) => {
        if (open.length === 0) {
          resolve();
          return;
        }
        let remaining = open.length;
        const done = (): void => {
          remaining--;
          if (remaining === 0) resolve();
        };
        const grace = setTimeout(() => {
          for (const client of open) client.ws.terminate();
        }, CLOSE_GRACE_MS);
        grace.unref();
        for (const client of open) {
          client.ws.once('close', done);
          client.ws.close(1001, 'collector shutting down');
        }
      });
      wss.close();
    },
  };
}
