// Rules stored before the checks they would fail today: a route written as a path alone, the
// form before transactions were named by method ("/checkout" for "POST /checkout"). Such a rule
// is kept as it is and keeps its no-data state (no method is guessed: a path may serve several);
// each start says so once on stderr, and GET /api/alerts/rules carries the problem beside it.
import { errors } from '../errors';
import type { StoredRule } from './alert-store';
import { routeProblem } from './rule-schema';

/** What is wrong with a stored rule and how to fix it; null for a rule today's checks accept. */
export function storedRuleProblem(stored: StoredRule): string | null {
  const { id, route } = stored.spec;
  const problem = route === null ? null : routeProblem(route);
  if (problem === null) return null;
  const fix = stored.source === 'api' ? `change its route with PUT /api/alerts/rules/${id}` : 'change its route in the rules file';
  return `${problem}; the rule matches no data until you ${fix}`;
}

/** One stderr line per stored rule with a problem, at start. */
export function reportStoredRuleProblems(rules: readonly StoredRule[], log: (line: string) => void = console.error): void {
  for (const stored of rules) {
    const problem = storedRuleProblem(stored);
    if (problem !== null) log(`headroom alerts: ${errors.alertBadRule.code}: ${errors.alertBadRule.message} ${JSON.stringify(stored.spec.id)}: ${problem}`);
  }
}
