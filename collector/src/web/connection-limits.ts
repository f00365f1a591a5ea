// Bounds on the connections of each port, so one client cannot hold the collector. Node's
// servers accept any number of connections by default and give a client 60 s to send its
// headers and 300 s for the whole request, checked every 30 s: a "slowloris" client that opens
// many connections and trickles bytes into each would hold every socket (and file descriptor)
// the process has. Past `maxConnections` a new connection is closed at once (Node's
// server.maxConnections; the 'drop' event counts it), so the ones already open — agents,
// dashboards — keep working, and each port has its own cap: a full OTLP port leaves the dashboard
// and /healthz answering.
import type http from 'node:http';

export interface ConnectionSettings {
  /** Open connections per port; past it new ones are closed at once. */
  maxConnections: number;
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
}

/** Caps the server's connections and sets its keep-alive timeout; the counts are for /metrics. */
export function limitConnections(server: http.Server, settings: ConnectionSettings): ConnectionCounts {
  const counts: ConnectionCounts = { open: 0, dropped: 0 };
  server.maxConnections = settings.maxConnections;
  server.keepAliveTimeout = settings.keepAliveTimeoutMs;
  server.on('connection', (socket) => {
    counts.open++;
    socket.once('close', () => counts.open--);
  });
  server.on('drop', () => counts.dropped++);
  return counts;
}
