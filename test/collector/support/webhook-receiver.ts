// A real HTTP webhook receiver on 127.0.0.1:0 for the alert tests: records every request
// (headers and raw body), checks its Standard Webhooks signature, and answers as the test says.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { verify } from '../../../collector/src/alerts/notify/standard-webhooks-signature';

export interface ReceivedRequest {
  at: number;
  /** The request's path and query, as sent. */
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  json: unknown;
  signatureValid: boolean;
  answered: number | null;
}

/**
 * What to answer to the n-th request (0-based): a status (+ headers), 'hang' to never answer,
 * or 'hold' to answer 200 when the test calls release().
 */
export type Answer = { status: number; headers?: Record<string, string> } | 'hang' | 'hold';

export interface WebhookReceiver {
  url: string;
  requests: ReceivedRequest[];
  /** Answers 200 to every request held so far. */
  release(): void;
  close(): Promise<void>;
}

export async function startWebhookReceiver(secret: string | null, answer: (n: number) => Answer = () => ({ status: 200 })): Promise<WebhookReceiver> {
  const requests: ReceivedRequest[] = [];
  const hanging = new Set<http.ServerResponse>();
  const held = new Map<http.ServerResponse, ReceivedRequest>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let json: unknown;
      try {
        json = JSON.parse(body);
      } catch {
        json = null;
      }
      const headers = req.headers as Record<string, string | undefined>;
      const signatureValid =
        secret !== null &&
        verify(secret, { 'webhook-id': headers['webhook-id'], 'webhook-timestamp': headers['webhook-timestamp'], 'webhook-signature': headers['webhook-signature'] }, body, Math.floor(Date.now() / 1000));
      const a = answer(requests.length);
      const record: ReceivedRequest = { at: Date.now(), url: req.url ?? '', headers: req.headers, body, json, signatureValid, answered: typeof a === 'string' ? null : a.status };
      requests.push(record);
      if (a === 'hang') {
        hanging.add(res);
        return;
      }
      if (a === 'hold') {
        held.set(res, record);
        return;
      }
      res.writeHead(a.status, a.headers ?? {});
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    requests,
    release() {
      for (const [res, record] of held) {
        record.answered = 200;
        res.writeHead(200).end();
      }
      held.clear();
    },
    async close() {
      for (const res of hanging) res.destroy();
      for (const res of held.keys()) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A fixed test secret: whsec_ + base64 of 32 bytes. */
export const TEST_SECRET = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;

export async function postJson(url: string, body: unknown, method = 'POST'): Promise<{ status: number; json: unknown }> {
  const res = await fetch(url, { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, json: text ? (JSON.parse(text) as unknown) : null };
}
