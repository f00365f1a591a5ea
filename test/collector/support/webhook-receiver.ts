// A real HTTP webhook receiver on 127.0.0.1:0 for the alert tests: records every request
// (headers and raw body), checks its Standard Webhooks signature, and answers as the test says.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { verify } from '../../../collector/src/alerts/notify/standard-webhooks-signature';

export interface ReceivedRequest {
  at: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  json: unknown;
  signatureValid: boolean;
  answered: number | null;
}

/** What to answer to the n-th request (0-based): a status (+ headers), or 'hang' to never answer. */
export type Answer = { status: number; headers?: Record<string, string> } | 'hang';

export interface WebhookReceiver {
  url: string;
  requests: ReceivedRequest[];
  close(): Promise<void>;
}

export async function startWebhookReceiver(secret: string | null, answer: (n: number) => Answer = () => ({ status: 200 })): Promise<WebhookReceiver> {
  const requests: ReceivedRequest[] = [];
  const hanging = new Set<http.ServerResponse>();
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
      const record: ReceivedRequest = { at: Date.now(), headers: req.headers, body, json, signatureValid, answered: a === 'hang' ? null : a.status };
      requests.push(record);
      if (a === 'hang') {
        hanging.add(res);
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
    async close() {
      for (const res of hanging) res.destroy();
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
