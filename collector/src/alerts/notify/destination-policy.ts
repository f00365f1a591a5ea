// Where notifications may go. Whoever may create a destination (with the dashboard token, if
// one is set) makes the collector POST to a URL of their choosing and reads the answer's status
// back in the delivery log: a way into the network the collector sits in. Two guards:
// - always: no link-local or unspecified address (169.254.0.0/16, fe80::/10, 0.0.0.0, ::),
//   where cloud instance metadata answers (credentials included) and no webhook receiver lives,
//   nor the metadata addresses outside that range (METADATA_ADDRESSES);
//   checked on the URL and on every address its host name resolves to when sending, so a name
//   pointed at the metadata address does not pass;
// - when configured (`--alert-hosts`), only the listed host names: `hooks.slack.com`, or
//   `*.example.com` for any name under example.com.
import { BlockList, isIP } from 'node:net';

export interface DestinationPolicy {
  /** Host patterns a destination's URL must match; null: any host. */
  allowedHosts: readonly string[] | null;
}

export const ANY_HOST: DestinationPolicy = { allowedHosts: null };

/** A host pattern from the configuration in its normal form, or null when it is not one. */
export function hostPattern(raw: string): string | null {
  const p = raw.trim().toLowerCase().replace(/\.$/, '');
  const name = p.startsWith('*.') ? p.slice(2) : p;
  if (name.length === 0 || name.length > 253) return null;
  if (isIP(name.replace(/^\[|\]$/g, '')) !== 0) return p.startsWith('*.') ? null : name.replace(/^\[|\]$/g, '');
  return /^[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*$/.test(name) ? p : null;
}

function matches(host: string, pattern: string): boolean {
  if (pattern.startsWith('*.')) return host.endsWith(pattern.slice(1)) && host.length > pattern.length - 1;
  return host === pattern;
}

// Instance metadata services on ordinary addresses: AWS's IPv6 endpoint on Nitro instances
// (docs.aws.amazon.com, "Instance metadata service endpoints") and Alibaba Cloud's.
const METADATA_ADDRESSES = new BlockList();
METADATA_ADDRESSES.addAddress('fd00:ec2::254', 'ipv6');
METADATA_ADDRESSES.addAddress('100.100.100.200', 'ipv4');

/** Why an address may not be sent to, or null. */
export function addressRefusal(address: string): string | null {
  const a = address.toLowerCase();
  const family = isIP(a);
  if (family !== 0 && METADATA_ADDRESSES.check(a, family === 4 ? 'ipv4' : 'ipv6')) return `${address} is a cloud instance metadata address`;
  if (family === 4) {
    if (a.startsWith('169.254.')) return `${address} is a link-local address (where cloud instance metadata answers)`;
    if (a === '0.0.0.0') return `${address} is the unspecified address`;
    return null;
  }
  if (family === 6) {
    if (/^fe[89ab][0-9a-f]:/.test(a)) return `${address} is a link-local address`;
    if (a === '::') return `${address} is the unspecified address`;
    // An IPv4-mapped address reaches the IPv4 one (the URL parser writes it in hex).
    const dotted = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(a);
    if (dotted) return addressRefusal(dotted[1] as string);
    const hex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(a);
    if (hex) {
      const [hi, lo] = [parseInt(hex[1] as string, 16), parseInt(hex[2] as string, 16)];
      return addressRefusal(`${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`);
    }
    return null;
  }
  return null;
}

/** Why a destination URL may not be used under the policy, or null. */
export function destinationRefusal(url: URL, policy: DestinationPolicy): string | null {
  const host = url.hostname.toLowerCase().replace(/^\[|\]$/g, '').replace(/\.$/, '');
  const byAddress = addressRefusal(host);
  if (byAddress !== null) return `url host ${byAddress}`;
  if (policy.allowedHosts !== null && !policy.allowedHosts.some((p) => matches(host, p))) {
    return `url host ${JSON.stringify(host)} is not among the collector's allowed alert hosts (${policy.allowedHosts.join(', ')})`;
  }
  return null;
}
