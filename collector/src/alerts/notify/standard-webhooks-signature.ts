// Signing per the Standard Webhooks specification (github.com/standard-webhooks/standard-webhooks,
// spec/standard-webhooks.md): the signed content is `${webhook-id}.${webhook-timestamp}.${body}`,
// HMAC-SHA256 keyed with the base64-decoded part of the `whsec_` secret, sent as
// `webhook-signature: v1,<base64>`; the timestamp is integer Unix seconds.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { decodeSecret } from '../rule-schema';

export interface SignatureHeaders {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
}

export function sign(secret: string, id: string, timestampSeconds: number, body: string): string {
  const key = decodeSecret(secret);
  if (key === null) throw new Error('secret is not a whsec_ Standard Webhooks secret');
  const mac = createHmac('sha256', key).update(`${id}.${timestampSeconds}.${body}`).digest('base64');
  return `v1,${mac}`;
}

export function signatureHeaders(secret: string, id: string, timestampSeconds: number, body: string): SignatureHeaders {
  return { 'webhook-id': id, 'webhook-timestamp': String(timestampSeconds), 'webhook-signature': sign(secret, id, timestampSeconds, body) };
}

/**
 * What a receiver does (tests use it; docs/examples/verify-webhook.mjs is the standalone
 * version): any of the space-separated `v1,` signatures may match, compared in constant
 * time, and a timestamp more than `toleranceSeconds` away from now is refused (replay).
 */
export function verify(secret: string, headers: Partial<SignatureHeaders>, body: string, nowSeconds: number, toleranceSeconds = 300): boolean {
  const id = headers['webhook-id'];
  const ts = headers['webhook-timestamp'];
  const sigs = headers['webhook-signature'];
  if (!id || !ts || !sigs || !/^\d+$/.test(ts)) return false;
  if (Math.abs(nowSeconds - Number(ts)) > toleranceSeconds) return false;
  const expected = Buffer.from(sign(secret, id, Number(ts), body).slice(3), 'base64');
  return sigs.split(' ').some((candidate) => {
    if (!candidate.startsWith('v1,')) return false;
    const given = Buffer.from(candidate.slice(3), 'base64');
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}
