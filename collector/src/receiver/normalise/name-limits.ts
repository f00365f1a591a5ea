// Bounds on the names an app chooses: the service, its instance id, a route (`http.route`) and
// a span's name. Each becomes a key of every table and a line of every page, and nothing from an
// app is trusted: a 5,000-character name would otherwise be stored whole and fill a screen.
// Real names are far shorter. A service name or instance id is an identifier (256 leaves room
// for `unknown_service:<executable>` and namespaced names). A route is a template
// ("/orgs/:org/repos/:repo/…"): 500 holds the longest real ones, and with its method
// ("_OTHER " at most) the transaction name stays within the 512 characters the API's `route`
// filter and an alert rule's scope take, so every stored route can still be asked for. A span
// name is "METHOD route" or a function name and is no key: 1,024.
// A name is cut here, before any key is made from it, so metrics, spans and events of one app
// all carry the same cut name (and the route budget counts it once).
import { errors } from '../../errors';
import { quoteForLog } from '../../log-text';
import { ATTRIBUTE_LIMITS } from './attribute-limits';
import { CUT_MARK, cutName } from './cut-text';

export const NAME_LIMITS = { service: 256, instance: 256, route: 500, span: 1024 } as const;
export type NameKind = keyof typeof NAME_LIMITS;

const LABELS: Record<NameKind, string> = { service: 'service name', instance: 'service.instance.id', route: 'http.route', span: 'span name' };
export { CUT_MARK, cutName };

// Said once per kind and thread (the receiver's and each trace worker's): the first cut tells
// the operator; a scanner's stream of long names must not flood the log.
const warned = new Set<NameKind>();

/** `value` within its kind's limit; the first cut of each kind is logged. */
export function boundName(kind: NameKind, value: string): string {
  const max = NAME_LIMITS[kind];
  if (value.length <= max) return value;
  const cut = cutName(value, max);
  if (!warned.has(kind)) {
    warned.add(kind);
    // A name read from an attribute was cut as a value first (attribute-limits.ts): it was longer.
    const valueCut = value.length >= ATTRIBUTE_LIMITS.valueLength - 1 && value.endsWith(CUT_MARK);
    console.error(
      `headroom: ${errors.otlpNameCut.code}: a ${LABELS[kind]} of ${valueCut ? `over ${ATTRIBUTE_LIMITS.valueLength}` : value.length} characters was cut to ${max} ` +
        `(${quoteForLog(cut.slice(0, 60))}…); longer ones are cut the same way, said only this once`,
    );
  }
  return cut;
}
