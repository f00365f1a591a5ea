// What a Host header or a bind address names: its parts, and whether it is this machine's
// loopback. Shared by the Host check and the start-up banner.
import { BlockList, isIP } from 'node:net';

export interface HostHeader {
  /** Lower case, without a trailing dot; an IPv6 literal without its brackets. */
  name: string;
  port: number | null;
}

// RFC 9110 §7.2: Host = uri-host [ ":" port ]. Browsers send a name, an IPv4 literal or a
// bracketed IPv6 literal; anything else (user info, paths, spaces) is no host we answer to.
const HOST_HEADER = /^(?:\[([0-9a-f:.]+)\]|([a-z0-9_.-]+))(?::(\d{1,5}))?$/i;

export function parseHostHeader(header: string | undefined): HostHeader | null {
  if (header === undefined) return null;
  const match = HOST_HEADER.exec(header.trim());
  if (match === null) return null;
  const v6 = match[1];
  if (v6 !== undefined && isIP(v6) !== 6) return null;
  const name = (v6 ?? (match[2] as string)).toLowerCase().replace(/\.$/, '');
  if (name.length === 0) return null;
  const port = match[3] === undefined ? null : Number(match[3]);
  if (port !== null && port > 65_535) return null;
  return { name, port };
}

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

/** localhost, 127.0.0.0/8 and ::1 (also as ::ffff:127.x.y.z): names only this machine answers to. */
export function isLoopbackName(name: string): boolean {
  const n = name.toLowerCase().replace(/^\[|\]$/g, '');
  if (n === 'localhost') return true;
  const family = isIP(n);
  return family !== 0 && LOOPBACK.check(n, family === 4 ? 'ipv4' : 'ipv6');
}

/** 0.0.0.0 and ::: the address that binds every interface. */
export function isWildcardAddress(host: string): boolean {
  const n = host.replace(/^\[|\]$/g, '');
  return n === '0.0.0.0' || (isIP(n) === 6 && /^[0:]+$/.test(n));
}

export function isIpLiteral(name: string): boolean {
  return isIP(name.replace(/^\[|\]$/g, '')) !== 0;
}
