// Rules and destinations from the file given to `headroom start --alert-rules FILE`: JSON of
// the form { "destinations": [...], "rules": [...] }, each entry as the API takes it. The whole
// file is checked before anything is applied, and every problem is listed with its place, so
// a bad file stops the start with one clear message instead of half a rule set. Rules and
// destinations from the file are marked `file`: the next start replaces them (and removes the
// ones no longer in it); through the API they can only be muted.
import { readFileSync } from 'node:fs';
import { errors, HeadroomError, headroomError } from '../errors';
import type { AlertStore } from './alert-store';
import type { AlertEngine } from './engine';
import { ANY_HOST, type DestinationPolicy } from './notify/destination-policy';
import { parseDestination, parseRule, type DestinationSpec, type RuleSpec } from './rule-schema';

export interface ProvisionedSet {
  destinations: DestinationSpec[];
  rules: RuleSpec[];
}

function problemOf(error: unknown): string {
  return error instanceof HeadroomError ? error.message.replace(/^invalid alert (rule|destination): /, '') : String(error);
}

/** Checks the file's content; throws HR_ALERT_RULES_FILE listing every problem. */
export function parseRulesDocument(text: string, file: string, policy: DestinationPolicy = ANY_HOST): ProvisionedSet {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw headroomError(errors.alertRulesFile, `${file} is not valid JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    throw headroomError(errors.alertRulesFile, `${file} must hold an object { "destinations": [...], "rules": [...] }`);
  }
  const { destinations: rawDests = [], rules: rawRules = [], ...rest } = doc as Record<string, unknown>;
  const problems: string[] = Object.keys(rest).map((k) => `unknown top-level field ${JSON.stringify(k)}`);
  if (!Array.isArray(rawDests)) problems.push('"destinations" must be an array');
  if (!Array.isArray(rawRules)) problems.push('"rules" must be an array');
  const destinations: DestinationSpec[] = [];
  const rules: RuleSpec[] = [];
  if (Array.isArray(rawDests)) {
    rawDests.forEach((raw, i) => {
      try {
        const d = parseDestination(raw, '', policy);
        if (destinations.some((x) => x.id === d.id)) problems.push(`destinations[${i}]: duplicate id ${JSON.stringify(d.id)}`);
        destinations.push(d);
      } catch (err) {
        problems.push(`destinations[${i}]: ${problemOf(err)}`);
      }
    });
  }
  const known = new Set(destinations.map((d) => d.id));
  if (Array.isArray(rawRules)) {
    rawRules.forEach((raw, i) => {
      const id = typeof (raw as { id?: unknown } | null)?.id === 'string' ? ` (id ${JSON.stringify((raw as { id: string }).id)})` : '';
      try {
        const r = parseRule(raw, { knownDestinations: known });
        if (rules.some((x) => x.id === r.id)) problems.push(`rules[${i}]${id}: duplicate id`);
        rules.push(r);
      } catch (err) {
        problems.push(`rules[${i}]${id}: ${problemOf(err)}`);
      }
    });
  }
  if (problems.length > 0) throw headroomError(errors.alertRulesFile, `${file}: ${problems.join('; ')}`);
  return { destinations, rules };
}

export function readRulesFile(file: string, policy: DestinationPolicy = ANY_HOST): ProvisionedSet {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw headroomError(errors.alertRulesFile, `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  return parseRulesDocument(text, file, policy);
}

/**
 * Replaces the file-provisioned rules and destinations with `set`; muting done at run time is
 * kept. Rules change through the engine, which resolves the firing alerts of destinations a
 * rule stops naming; destinations are removed last, after their resolves are queued.
 */
export function applyProvisioned(store: AlertStore, engine: Pick<AlertEngine, 'putRule' | 'deleteRule'>, set: ProvisionedSet): void {
  const apiRuleIds = new Set(store.rules().filter((r) => r.source === 'api').map((r) => r.spec.id));
  const apiDestIds = new Set(store.destinations().filter((d) => d.source === 'api').map((d) => d.id));
  const clash = [...set.rules.filter((r) => apiRuleIds.has(r.id)).map((r) => `rule ${r.id}`), ...set.destinations.filter((d) => apiDestIds.has(d.id)).map((d) => `destination ${d.id}`)];
  if (clash.length > 0) throw headroomError(errors.alertRulesFile, `ids already used by rules or destinations created through the API: ${clash.join(', ')}`);
  for (const d of set.destinations) store.putDestination(d, 'file');
  for (const r of set.rules) {
    const existing = store.rule(r.id);
    engine.putRule({ ...r, muted: r.muted || (existing?.spec.muted ?? false) }, 'file');
  }
  const ruleIds = new Set(set.rules.map((r) => r.id));
  for (const r of store.rules()) if (r.source === 'file' && !ruleIds.has(r.spec.id)) engine.deleteRule(r.spec.id);
  const destIds = new Set(set.destinations.map((d) => d.id));
  for (const d of store.destinations()) if (d.source === 'file' && !destIds.has(d.id)) store.deleteDestination(d.id);
}
