// A rule's route is a transaction name ("POST /checkout", or the method alone): a path alone,
// the form before transactions were named by method, matches no data. The API and the rules
// file refuse it saying what to write; a rule stored that way by an older version is reported
// at start and in GET /api/alerts/rules, and kept as it was.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import type { AlertRulesResponse } from '../../collector/src/api-types';
import { parseRule } from '../../collector/src/alerts/rule-schema';
import { openSqliteAlertStore } from '../../collector/src/alerts/sqlite-alert-store';
import { HeadroomError } from '../../collector/src/errors';
import { quietRule, startAlertCollector, tempDir } from './support/alerts-harness';
import { postJson } from './support/webhook-receiver';

const BARE_PATH_MESSAGE = 'route "/checkout" names no method: transactions are "METHOD /path", e.g. "POST /checkout"';

test('the API answers 400 for a rule scoped to a bare path, saying what to write, and takes "METHOD /path" or a method alone', async () => {
  const dir = tempDir();
  const collector = await startAlertCollector(dir);
  try {
    const bad = await postJson(`${collector.httpUrl}/api/alerts/rules`, quietRule([], { route: '/checkout' }));
    assert.equal(bad.status, 400);
    const error = (bad.json as { error: { code: string; message: string } }).error;
    assert.equal(error.code, 'HR_ALERT_BAD_RULE');
    assert.ok(error.message.includes(BARE_PATH_MESSAGE), error.message);

    const lower = await postJson(`${collector.httpUrl}/api/alerts/rules`, quietRule([], { id: 'lower', route: 'post /checkout' }));
    assert.equal(lower.status, 400);
    assert.match((lower.json as { error: { message: string } }).error.message, /route "post \/checkout" is not a transaction name: .*GET, HEAD, POST/);

    for (const [id, route] of [['method-route', 'POST /checkout'], ['method-alone', 'GET'], ['other', '_OTHER /x']]) {
      const ok = await postJson(`${collector.httpUrl}/api/alerts/rules`, quietRule([], { id, route }));
      assert.equal(ok.status, 201, `${route}: ${JSON.stringify(ok.json)}`);
    }
    // A rule already in the new form carries no problem.
    const list = (await (await fetch(`${collector.httpUrl}/api/alerts/rules`)).json()) as AlertRulesResponse;
    assert.deepEqual(list.rules.map((r) => [r.rule.id, r.problem]), [['method-alone', undefined], ['method-route', undefined], ['other', undefined]].sort());
    // PUT checks the same way.
    const put = await postJson(`${collector.httpUrl}/api/alerts/rules/other`, quietRule([], { id: 'other', route: '/checkout' }), 'PUT');
    assert.equal(put.status, 400);
  } finally {
    await collector.close();
    dir.remove();
  }
});

test('a rules file with a rule scoped to a bare path stops the start, listing it', async () => {
  const dir = tempDir();
  try {
    const file = dir.file('rules.json', { rules: [quietRule([], { id: 'ok', route: 'GET /cart' }), quietRule([], { id: 'old', route: '/checkout' })] });
    // A start that wrongly succeeds is closed, so the failure does not leave the test hanging.
    const started = startAlertCollector(dir, { rulesFile: file });
    started.then((c) => c.close(), () => undefined);
    await assert.rejects(started, (err: unknown) => {
      assert.ok(err instanceof HeadroomError);
      assert.equal(err.code, 'HR_ALERT_RULES_FILE');
      assert.ok(err.message.includes(`rules[1] (id "old"): ${BARE_PATH_MESSAGE}`), err.message);
      assert.ok(!err.message.includes('rules[0]'), err.message);
      return true;
    });
    assert.throws(() => parseRule(quietRule([], { route: '/checkout' })), /HR_ALERT_BAD_RULE|names no method/);
  } finally {
    dir.remove();
  }
});

test('a rule stored with a bare path by an older version is reported once at start, shown with its problem and kept', async (t) => {
  const dir = tempDir();
  try {
    // As an older version stored it: through the store, past today's checks.
    const store = openSqliteAlertStore(join(dir.path, 'headroom.db'));
    const spec = { ...parseRule(quietRule([], { id: 'old-checkout' })), route: '/checkout' };
    store.putRule(spec, 'api', Date.now());
    store.putRule(parseRule(quietRule([], { id: 'new-checkout', route: 'POST /checkout' })), 'api', Date.now());
    store.close();

    const lines: string[] = [];
    t.mock.method(console, 'error', (...args: unknown[]) => void lines.push(args.map(String).join(' ')));
    const collector = await startAlertCollector(dir);
    try {
      const reported = lines.filter((l) => l.includes('HR_ALERT_BAD_RULE'));
      assert.equal(reported.length, 1, lines.join('\n'));
      assert.match(reported[0] as string, /^headroom alerts: HR_ALERT_BAD_RULE: invalid alert rule "old-checkout": route "\/checkout" names no method: .*e\.g\. "POST \/checkout"; the rule matches no data until you change its route with PUT \/api\/alerts\/rules\/old-checkout$/);

      const list = (await (await fetch(`${collector.httpUrl}/api/alerts/rules`)).json()) as AlertRulesResponse;
      const old = list.rules.find((r) => r.rule.id === 'old-checkout');
      assert.equal(old?.rule.route, '/checkout', 'kept as stored: no method guessed');
      assert.ok(old?.problem?.includes(BARE_PATH_MESSAGE), old?.problem);
      assert.equal(list.rules.find((r) => r.rule.id === 'new-checkout')?.problem, undefined);
      const one = (await (await fetch(`${collector.httpUrl}/api/alerts/rules/old-checkout`)).json()) as { problem?: string };
      assert.equal(one.problem, old?.problem);
      // It is still evaluated as before: the rule is there, with a state.
      assert.equal(old?.state.ruleId, 'old-checkout');
    } finally {
      await collector.close();
    }
  } finally {
    dir.remove();
  }
});
