// A webhook receiver that verifies Headroom's Standard Webhooks signature, with nothing but
// Node's standard library. Run it, point a Headroom destination at it, press "send test":
//
//   WEBHOOK_SECRET=whsec_... PORT=9000 node docs/examples/verify-webhook.mjs
//
// It prints one line per notification and answers 204 when the signature is good, 401 when
// it is not. The steps are those of the Standard Webhooks specification:
//   1. read the raw body (verify the bytes that were sent, before any JSON parsing);
//   2. refuse a webhook-timestamp more than 5 minutes from now (replay protection);
//   3. HMAC-SHA256 over `${webhook-id}.${webhook-timestamp}.${body}`, keyed with the base64
//      after "whsec_", base64-encoded;
//   4. compare in constant time with each space-separated "v1,<signature>" in webhook-signature;
//   5. de-duplicate on webhook-id: a retried delivery keeps its id.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';

const secret = process.env.WEBHOOK_SECRET;
if (!secret?.startsWith('whsec_')) {
  console.error('set WEBHOOK_SECRET to the destination secret (whsec_...)');
  process.exit(2);
}
const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
const TOLERANCE_SECONDS = 5 * 60;
const seen = new Set();

export function verify(headers, body, nowSeconds = Math.floor(Date.now() / 1000)) {
  const id = headers['webhook-id'];
  const timestamp = headers['webhook-timestamp'];
  const signatures = headers['webhook-signature'];
  if (!id || !timestamp || !signatures || !/^\d+$/.test(timestamp)) return false;
  if (Math.abs(nowSeconds - Number(timestamp)) > TOLERANCE_SECONDS) return false;
  const expected = createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest();
  return signatures.split(' ').some((entry) => {
    const [version, signature] = entry.split(',');
    if (version !== 'v1' || !signature) return false;
    const given = Buffer.from(signature, 'base64');
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}

const server = createServer((req, res) => {
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    const body = Buffer.concat(chunks).toString('utf8');
    if (!verify(req.headers, body)) {
      console.log(`rejected: bad or missing signature (webhook-id ${req.headers['webhook-id'] ?? '-'})`);
      res.writeHead(401).end();
      return;
    }
    const id = req.headers['webhook-id'];
    if (seen.has(id)) {
      res.writeHead(204).end(); // a retry of something already handled
      return;
    }
    seen.add(id);
    const payload = JSON.parse(body);
    // Alertmanager v4 body (generic webhook) or Slack-shaped body (text + blocks).
    const lines = payload.alerts
      ? payload.alerts.map((a) => `${a.status.toUpperCase()} ${a.labels.alertname} [${a.labels.service}] ${a.annotations.summary ?? ''} ${a.generatorURL}`)
      : [payload.text];
    for (const line of lines) console.log(`verified ${id}: ${line}`);
    res.writeHead(204).end();
  });
});

server.listen(Number(process.env.PORT ?? 9000), process.env.HOST ?? '127.0.0.1', () => {
  console.log(`listening ${server.address().port}`);
});
