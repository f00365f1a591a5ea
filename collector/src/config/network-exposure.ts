// What `headroom start` says about a collector bound beyond loopback: a warning when it runs
// there without tokens (its dashboard, API and ingest are then anyone's on the network), and
// the URLs other machines can use (http://0.0.0.0:4318 is no address for an app elsewhere).
import { errors } from '../errors';
import { isLoopbackName, isWildcardAddress } from '../web/host-names';

export interface ExposureSettings {
  host: string;
  ingestToken: string | null;
  dashboardToken: string | null;
}

function listed(items: string[]): string {
  return items.length < 2 ? items.join('') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1] as string}`;
}

/** One line for stderr, or null when bound to loopback or both tokens are set. */
export function exposureWarning(settings: ExposureSettings): string | null {
  if (isLoopbackName(settings.host)) return null;
  const missing: string[] = [];
  const open: string[] = [];
  if (settings.dashboardToken === null) {
    missing.push('a dashboard token (HEADROOM_DASHBOARD_TOKEN)');
    open.push('read the dashboard and the API', 'add alert destinations (outgoing webhooks)');
  }
  if (settings.ingestToken === null) {
    missing.push('an ingest token (HEADROOM_INGEST_TOKEN)');
    open.push('send data as any service');
  }
  if (missing.length === 0) return null;
  return (
    `headroom: ${errors.configExposed.code}: ${errors.configExposed.message}: listening on ${settings.host} without ` +
    `${missing.join(' or ')}, so anyone who can reach this machine can ${listed(open)}; ` +
    `set ${missing.length > 1 ? 'them' : 'it'} in the environment (a flag shows in ps), or bind to 127.0.0.1`
  );
}

/** The URL with a wildcard bind address (0.0.0.0, ::) replaced by this machine's name. */
export function reachableUrl(url: string, machineName: string): string {
  const parsed = new URL(url);
  if (!isWildcardAddress(parsed.hostname)) return url;
  parsed.hostname = machineName;
  return parsed.origin;
}
