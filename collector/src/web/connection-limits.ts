// Bounds on the connections of each port, so one client cannot hold the collector. Node's
// servers accept any number of connections by default and give a client 60 s to send its
// headers and 300 s for the whole request, checked every 30 s: a "slowloris" client that opens
// many connections and trickles bytes into each would hold every socket (and file descriptor)
// the process has. Past `maxConnections` a new connection is closed at once (Node's
// server.maxConnections; the 'drop' event counts it), so the ones already open — agents,
// dashboards — keep working, and each port has its own cap: a full OTLP port leaves the dashboard
// and /healthz answering. Within a port one client address may hold at most
// `maxConnectionsPerAddress` of them (client-address.ts says what one client is), so one client
// cannot take a whole port and lock every agent or browser out.
import type http from 'node:http';
import { errors } from '../errors';
import { clientKey } from './client-address';

export interface ConnectionSettings {
  /** Open connections per port; past it new ones are closed at once. */
  maxConnections: number;
  /**
   * Open connections per client address and port; past it that client's new ones are closed at
   * once. Every agent of a host, or every user behind a reverse proxy, is one address.
   */
  maxConnectionsPerAddress: number;
  /** A request's headers must all arrive within this (real clients send them in one packet). */
  headersTimeoutMs: number;
  /**
   * A whole request, body included, within this: 20 MiB (--max-body) at ~200 kB/s. Bounds the
   * slow-body attack that headersTimeout does not.
   */
  requestTimeoutMs: number;
  /**
   * An idle keep-alive connection is closed after this. Node's 5 s: short, so idle agents
   * between exports do not hold a place; a proxy that reuses its connections to the collector
   * retries the 502 such a close can cause, as OTLP exporters retry 502s.
   */
  keepAliveTimeoutMs: number;
  /** How often Node checks the two timeouts above (its default 30 s would let them run late by as much). */
  checkIntervalMs: number;
}

export const DEFAULT_CONNECTIONS: ConnectionSettings = {
  maxConnections: 1000,
  // A host's agents hold a few each (one per signal while exporting; idle ones close after 5 s),
  // a browser tab at most 7 (6 HTTP/1.1 connections and the live stream): 256 is far above a
  // busy host or a team behind one proxy, and leaves three quarters of a port to the others.
  maxConnectionsPerAddress: 256,
  headersTimeoutMs: 15_000,
  requestTimeoutMs: 120_000,
  keepAliveTimeoutMs: 5_000,
  checkIntervalMs: 5_000,
};

/** The options http.createServer takes at creation (the check interval cannot change later). */
export function serverOptions(settings: ConnectionSettings): http.ServerOptions {
  return {
    headersTimeout: settings.headersTimeoutMs,
    requestTimeout: settings.requestTimeoutMs,
    connectionsCheckingInterval: settings.checkIntervalMs,
  };
}

export interface ConnectionCounts {
  /** Connections open now. */
  open: number;
  /** Connections closed at once past the cap, since the start. */
  dropped: number;
  /** Connections closed at once because their address had maxConnectionsPerAddress open, since the start. */
  droppedPerAddress: number;
}

/** A refusal is logged at once, then at most this often with the count since. */
const LOG_EVERY_MS = 5 * 60_000;

/** Which port, in log lines. */
export type PortName = 'OTLP' | 'dashboard/API';

/** Caps the server's connections, in all and per client address, and sets its keep-alive timeout; the counts are for /metrics. */
export function limitConnections(
  server: http.Server,
  settings: ConnectionSettings,
  port: PortName,
  log: (line: string) => void = console.error,
): ConnectionCounts {
  const counts: ConnectionCounts = { open: 0, dropped: 0, droppedPerAddress: 0 };
  const byClient = new Map<string, number>();
  const refusals = { loggedAt: -Infinity, since: 0 };
  server.maxConnections = settings.maxConnections;
  server.keepAliveTimeout = settings.keepAliveTimeoutMs;
  server.on('connection', (socket) => {
    counts.open++;
    socket.once('close', () => counts.open--);
    const key = clientKey(socket.remoteAddress);
    if (key === null) return;
    const held = byClient.get(key) ?? 0;
    if (held >= settings.maxConnectionsPerAddress) {
      counts.droppedPerAddress++;
      refusals.since++;
      socket.destroy();
      const now = Date.now();
      if (now - refusals.loggedAt < LOG_EVERY_MS) return;
      log(
        `headroom: ${errors.connectionsPerAddress.code}: ${errors.connectionsPerAddress.message}: ${key} holds ${held} on the ${port} port ` +
          `(--max-connections-per-address ${settings.maxConnectionsPerAddress}); ${refusals.since} connection(s) closed; ` +
          `said at most every ${LOG_EVERY_MS / 60_000} minutes (raise it for a reverse proxy in front, whose users are all one address)`,
      );
      refusals.loggedAt = now;
      refusals.since = 0;
      return;
    }
    byClient.set(key, held + 1);
    socket.once('close', () => {
      const left = (byClient.get(key) ?? 1) - 1;
      if (left > 0) byClient.set(key, left);
      else byClient.delete(key);
    });
  });
  server.on('drop', () => counts.dropped++);
  return counts;
}
