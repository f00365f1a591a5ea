// The Host check of the HTTP port (dashboard, API, /ws, /healthz, /metrics), against DNS
// rebinding: a page on evil.example can make its own name resolve to 127.0.0.1, and the
// browser then lets that page read the collector as if it were its own origin. The request
// still says `Host: evil.example`, so a name this collector was not told about is refused.
// An IP literal cannot be rebound (rebinding needs a name the attacker's DNS answers for), so
// on a collector bound beyond loopback any address is accepted; on a loopback one, only
// loopback names. The OTLP port has no such check: agents send whatever their endpoint names.
import type { NextFunction, Request, Response } from 'express';
import type { ApiError } from '../api-types';
import { errors } from '../errors';
import { isIpLiteral, isLoopbackName, isWildcardAddress, parseHostHeader } from './host-names';

export interface HostCheckOptions {
  /** The address the HTTP port binds to (--host). */
  bindHost: string;
  /** Names and *.domain patterns from --allowed-hosts, lower case (alerts' hostPattern). */
  allowedHosts: readonly string[];
  /** This machine's name (os.hostname()), accepted when bound to every interface. */
  machineName: string;
}

export type HostCheck = (hostHeader: string | undefined) => boolean;

function matchesPattern(name: string, pattern: string): boolean {
  if (pattern.startsWith('*.')) return name.endsWith(pattern.slice(1)) && name.length > pattern.length - 1;
  return name === pattern;
}

export function createHostCheck(options: HostCheckOptions): HostCheck {
  const bind = options.bindHost.toLowerCase().replace(/^\[|\]$/g, '');
  const loopbackOnly = isLoopbackName(bind);
  const wildcard = isWildcardAddress(bind);
  const machine = options.machineName.toLowerCase();
  return function hostAllowed(hostHeader) {
    // Browsers always send Host (and Node answers 400 to HTTP/1.1 without one); a request
    // without it comes from an HTTP/1.0 tool, never from a rebound page.
    if (hostHeader === undefined) return true;
    const host = parseHostHeader(hostHeader);
    if (host === null) return false;
    if (isLoopbackName(host.name)) return true;
    if (options.allowedHosts.some((pattern) => matchesPattern(host.name, pattern))) return true;
    if (loopbackOnly) return false;
    if (host.name === bind || isIpLiteral(host.name)) return true;
    return wildcard && host.name === machine;
  };
}

/** Whether a Host (or an Origin's host) names one of the --allowed-hosts patterns. */
export function isListedHost(allowedHosts: readonly string[], host: string): boolean {
  const parsed = parseHostHeader(host);
  return parsed !== null && allowedHosts.some((pattern) => matchesPattern(parsed.name, pattern));
}

/** The refusal's message, naming the host (JSON-quoted) and the option that admits it. */
export function hostRefusalMessage(hostHeader: string | undefined): string {
  return `${errors.apiHostNotAllowed.message}: ${JSON.stringify(hostHeader ?? '')}`;
}

/** 421 Misdirected Request (RFC 9110 §15.5.20): this server does not answer for that authority. */
export function hostGuard(check: HostCheck) {
  return function checkHost(req: Request, res: Response, next: NextFunction): void {
    if (check(req.headers.host)) {
      next();
      return;
    }
    const body: ApiError = { error: { code: errors.apiHostNotAllowed.code, message: hostRefusalMessage(req.headers.host) } };
    res.status(421).json(body);
  };
}
