// Delivering what is still queued when the process ends without the agent's own flush: an
// uncaught exception (Node exits right after 'uncaughtExceptionMonitor') or the app calling
// `process.exit()` (the 'exit' listeners run, then the process is gone). No timer, socket or
// promise of ours runs again, so the telemetry is serialised here and posted by a short-lived
// child process that this thread waits for, bounded by a timeout. At the end only.
import { parseKeyPairsIntoRecord } from '@opentelemetry/core';
import { execFileSync } from 'node:child_process';

export interface Post {
  url: string;
  headers: Record<string, string>;
  body: Uint8Array;
}

// stdin: one line of JSON (url, headers and length of each post), then the bodies end to end.
const SENDER = `
const chunks = [];
process.stdin.on('data', (c) => chunks.push(c));
process.stdin.on('end', async () => {
  const all = Buffer.concat(chunks);
  const newline = all.indexOf(10);
  let at = newline + 1;
  for (const post of JSON.parse(all.subarray(0, newline).toString())) {
    const body = all.subarray(at, at + post.length);
    at += post.length;
    await new Promise((done) => {
      const url = new URL(post.url);
      const req = require(url.protocol === 'https:' ? 'node:https' : 'node:http').request(url, {
        method: 'POST',
        headers: { ...post.headers, 'content-type': 'application/x-protobuf', 'content-length': body.length },
      }, (res) => { res.resume(); res.on('end', done); });
      req.on('error', done);
      req.end(body);
    });
  }
  process.exit(0);
});`;

/**
 * How long the exit may wait for the delivery. After a failed export the collector may still
 * be down (the post fails at once) or hang (the wait lasts the whole timeout), so it gets a
 * shorter try: a quarter of HEADROOM_SHUTDOWN_TIMEOUT_MS, at least 1 s. Not trying at all lost
 * the stop and crash events of every process that ended within an export interval of an outage
 * (a crash then looked like a process gone quiet, and crash.count missed it).
 */
export function exitDeliveryTimeoutMs(collectorAnswering: boolean, shutdownTimeoutMs: number): number {
  return collectorAnswering ? shutdownTimeoutMs : Math.min(shutdownTimeoutMs, Math.max(1000, shutdownTimeoutMs / 4));
}

/** Posts each body in turn, waiting at most `timeoutMs` in all; false when not all were sent. */
export function postSync(posts: Post[], timeoutMs: number): boolean {
  if (posts.length === 0) return true;
  try {
    const head = JSON.stringify(posts.map(({ url, headers, body }) => ({ url, headers, length: body.length })));
    execFileSync(process.execPath, ['-e', SENDER], {
      input: Buffer.concat([Buffer.from(`${head}\n`), ...posts.map((p) => p.body)]),
      timeout: timeoutMs,
      stdio: ['pipe', 'ignore', 'ignore'],
      // The sender must not start an agent of its own (NODE_OPTIONS may --require it).
      env: { PATH: process.env.PATH ?? '', HEADROOM_ENABLED: 'false', NODE_OPTIONS: '', ...extraCaCerts() },
      windowsHide: true,
    });
    return true;
  } catch {
    return false;
  }
}

function extraCaCerts(): Record<string, string> {
  const file = process.env.NODE_EXTRA_CA_CERTS;
  return file ? { NODE_EXTRA_CA_CERTS: file } : {};
}

/**
 * The headers OTel's exporters send for `signal` (OTEL_EXPORTER_OTLP_HEADERS, then the
 * signal's own variable over it): an ingest token, for one.
 */
export function otlpHeaders(env: Record<string, string | undefined>, signal: 'traces' | 'metrics' | 'logs'): Record<string, string> {
  return {
    ...parseKeyPairsIntoRecord(env.OTEL_EXPORTER_OTLP_HEADERS),
    ...parseKeyPairsIntoRecord(env[`OTEL_EXPORTER_OTLP_${signal.toUpperCase()}_HEADERS`]),
  };
}
