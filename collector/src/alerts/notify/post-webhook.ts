// One POST of a notification, with node:http(s) rather than fetch: the connection's address
// lookup is ours, so an address the destination policy refuses is refused after the host name
// is resolved, whatever the name (destination-policy.ts). Redirects are not followed.
import { lookup as dnsLookup, type LookupAddress, type LookupAllOptions, type LookupOneOptions } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { addressRefusal } from './destination-policy';

export interface WebhookAnswer {
  status: number;
  retryAfter: string | null;
}

type Resolve = (hostname: string, options: LookupAllOptions, callback: (err: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void) => void;

const resolveAll: Resolve = (hostname, options, callback) => dnsLookup(hostname, options, callback);

/** A lookup for net.connect that fails when any address the name resolves to is refused. */
export function guardedLookup(resolve: Resolve = resolveAll): LookupFunction {
  return (hostname: string, options: LookupOneOptions | LookupAllOptions, callback: (...args: never[]) => void) => {
    const answer = callback as unknown as (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;
    resolve(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return answer(err, []);
      const refused = addresses.map((a) => addressRefusal(a.address)).find((r) => r !== null);
      if (refused !== undefined || addresses.length === 0) {
        const error: NodeJS.ErrnoException = new Error(refused !== undefined ? `${hostname} resolves to ${refused}: refused` : `${hostname} has no address`);
        error.code = 'HR_ALERT_ADDRESS_REFUSED';
        return answer(error, []);
      }
      if ((options as LookupAllOptions).all === true) return answer(null, addresses);
      const first = addresses[0] as LookupAddress;
      return answer(null, first.address, first.family);
    });
  };
}

const lookup = guardedLookup();

/** POSTs `body`; resolves with the answer's status once its body has been read, rejects on network errors and on `signal`. */
export function postWebhook(url: string, headers: Record<string, string>, body: string, signal: AbortSignal): Promise<WebhookAnswer> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const client = target.protocol === 'https:' ? https : http;
    const req = client.request(target, { method: 'POST', headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) }, signal, lookup }, (res) => {
      const retryAfter = res.headers['retry-after'];
      // Read (and discard) the answer, so the socket is freed.
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, retryAfter: typeof retryAfter === 'string' ? retryAfter : null }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}
