// The client a connection is counted against for --max-connections-per-address. An IPv4
// address is one client. An IPv6 client is its /64: one host is usually given a whole /64
// (RFC 6177; SLAAC picks addresses within it), so counting single IPv6 addresses would let one
// host take any number of places by changing its address. An IPv4 client reaching a dual-stack
// socket (`::ffff:192.0.2.7`) is its IPv4 address.
import { isIPv4, isIPv6 } from 'node:net';

const MAPPED_IPV4 = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i;

/** The key a connection from `address` counts under, or null when the address is unknown. */
export function clientKey(address: string | undefined): string | null {
  if (address === undefined || address === '') return null;
  const mapped = MAPPED_IPV4.exec(address);
  if (mapped) return mapped[1] as string;
  if (isIPv4(address)) return address;
  if (!isIPv6(address)) return address;
  return `${ipv6Groups(address.split('%', 1)[0] as string).slice(0, 4).join(':')}::/64`;
}

/** The eight 16-bit groups of an IPv6 address, without leading zeros ('::' expanded). */
function ipv6Groups(address: string): string[] {
  const [head = '', tail] = address.split('::', 2);
  const part = (s: string | undefined): string[] => (s === undefined || s === '' ? [] : s.split(':'));
  const left = part(head);
  const right = part(tail);
  // An embedded IPv4 tail (::1.2.3.4) takes two groups; only the first four groups matter here.
  const rightLength = right.reduce((n, g) => n + (g.includes('.') ? 2 : 1), 0);
  const zeros = tail === undefined ? [] : new Array<string>(8 - left.length - rightLength).fill('0');
  return [...left, ...zeros, ...right].map((g) => (g.includes('.') ? g : g.replace(/^0+(?=.)/, '').toLowerCase()));
}
