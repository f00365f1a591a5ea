// Alerts: rules with their current state (mute, delete), destinations (add, send a test
// notification), the history of transitions with the values that caused them, and the
// deliveries with the status code of every attempt. Everything from the API is shown as text.
// Polled every few seconds (deliveries change without any state change), and refreshed at
// once when the live stream pushes a rule's transition.

import type { AlertDelivery, AlertDestination, AlertDestinationType, AlertRuleWithState, AlertStateName, AlertTransition } from '@headroom/collector/api-types';
import { useEffect, useRef, useState } from 'preact/hooks';
import { alertsApi } from '../api/alerts-api';
import { ApiFailure } from '../api/client';
import { Async, EmptyNote } from '../components/states';
import { alertCondition, formatAlertDuration, formatAlertValue } from '../format/alert-values';
import { formatTime } from '../format/units';
import { useLiveMessages } from '../live/live-context';
import { useApi } from '../state/use-api';
import { useNavigation } from '../state/use-view';
import { useInterval } from './use-interval';
import { TableScroll } from '../components/table-scroll';

const REFRESH_MS = 5_000;

const RULE_TEMPLATE = JSON.stringify(
  {
    name: 'Checkout is slow',
    series: 'latency.p95',
    service: 'shop',
    route: null,
    windowMs: '5m',
    comparison: '>',
    threshold: 800,
    forMs: '2m',
    noData: 'keep',
    destinations: [],
  },
  null,
  2,
);

/** Runs an API call and says how it went: `done` is the message, or makes it from the answer. */
type Act = <T>(what: () => Promise<T>, done: string | ((result: T) => string)) => void;

function describeError(error: unknown): string {
  if (error instanceof ApiFailure) return `${error.code}: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}

function StateBadge({ state }: { state: AlertStateName }) {
  return <span class={`alert-state alert-state-${state}`}>{state}</span>;
}

/** A value without its rule's series (an entry stored before schema 11, of a rule since deleted): the bare number. */
function formatBare(value: number | null): string {
  if (value === null) return 'no data';
  return Math.abs(value) >= 100 ? String(Math.round(value)) : String(Number(value.toPrecision(3)));
}

/** A history entry's value in its rule's unit: the series stored with it, else the rule's if it still exists. */
function historyValue(t: AlertTransition, rules: Map<string, AlertRuleWithState['rule']['series']>): string {
  if (t.cause !== null && t.value === null) return '—'; // a person ended it: no value did
  const series = t.series ?? rules.get(t.ruleId);
  return series !== undefined ? formatAlertValue(series, t.value) : formatBare(t.value);
}

export function AlertsPage() {
  const { view } = useNavigation();
  const [tick, setTick] = useState(0);
  useInterval(() => setTick((n) => n + 1), REFRESH_MS);
  // A state change pushed over /ws shows at once, not at the next poll.
  useLiveMessages(true, (msg) => {
    if (msg.type === 'alert') setTick((n) => n + 1);
  });
  const rangeKey = JSON.stringify(view.range);
  const rules = useApi('alerts:rules', (s) => alertsApi.rules(s), [tick]);
  const destinations = useApi('alerts:destinations', (s) => alertsApi.destinations(s), [tick]);
  const history = useApi(`alerts:history:${rangeKey}`, (s) => alertsApi.history(view.range, {}, s), [tick]);
  const deliveries = useApi('alerts:deliveries', (s) => alertsApi.deliveries(s), [tick]);
  // History and deliveries name a rule as the rules table does (they read its id: 'rule-b461ec70fbf3'; QA).
  const ruleNames = new Map((rules.data?.rules ?? []).map((r) => [r.rule.id, r.rule.name]));
  const [message, setMessage] = useState<{ kind: 'ok' | 'error'; text: string } | null>(null);
  // A Delete removes its own button (its row goes at the next read), and the keyboard's focus fell
  // to <body>, past the end of the page: it goes to the message instead, which says what was done
  // (or to the page's heading), so Tab goes on from the top of the page (QA4 keyboard pass).
  const section = useRef<HTMLElement>(null);
  const messageEl = useRef<HTMLParagraphElement>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    const el = section.current;
    if (el === null) return undefined;
    const onFocusOut = (e: FocusEvent) => {
      const left = e.target;
      if (e.relatedTarget !== null || !(left instanceof HTMLElement)) return;
      // Removal fires this while the element is still in the page: look once it is done.
      setTimeout(() => {
        const active = document.activeElement;
        if (left.isConnected || (active !== null && active !== document.body)) return;
        (messageEl.current ?? heading.current)?.focus();
      }, 0);
    };
    el.addEventListener('focusout', onFocusOut);
    return () => el.removeEventListener('focusout', onFocusOut);
  }, []);

  const act: Act = (what, done) => {
    what().then(
      (result) => {
        setMessage({ kind: 'ok', text: typeof done === 'string' ? done : done(result) });
        setTick((n) => n + 1);
      },
      (err: unknown) => setMessage({ kind: 'error', text: describeError(err) }),
    );
  };

  return (
    <section class="page alerts-page" ref={section}>
      <h1 ref={heading} tabIndex={-1} class="focus-target">
        <span class="page-kind">Alerts</span>
      </h1>
      {message && (
        <p ref={messageEl} tabIndex={-1} class={message.kind === 'ok' ? 'alert-message focus-target' : 'alert-message alert-message-error focus-target'} role={message.kind === 'ok' ? 'status' : 'alert'} data-testid="alert-message">
          {message.text}
        </p>
      )}
      <h2>Rules</h2>
      <Async state={rules} what="alert rules">
        {(data) => (data.rules.length === 0 ? <EmptyNote>No alert rules yet. Add one below, or start the collector with --alert-rules FILE.</EmptyNote> : <RulesTable rules={data.rules} act={act} />)}
      </Async>
      <NewRuleForm act={act} />

      <h2>Destinations</h2>
      <Async state={destinations} what="destinations">
        {(data) =>
          data.destinations.length === 0 ? (
            <EmptyNote>No destinations yet.</EmptyNote>
          ) : (
            <TableScroll label="Alert destinations">
              <table class="table" data-testid="alert-destinations">
                <thead>
                  <tr><th>Id</th><th>Type</th><th>URL</th><th>Signed</th><th>Source</th><th>Sending</th><th><span class="sr-only">Actions</span></th></tr>
                </thead>
                <tbody>
                  {data.destinations.map((d) => (
                    <tr key={d.id} data-destination={d.id} class={d.health?.failing === true ? 'destination-failing' : undefined}>
                      <td>{d.id}</td>
                      <td>{d.type}</td>
                      <td class="route-cell">{d.url}</td>
                      <td>{d.hasSecret ? 'yes' : 'no'}</td>
                      <td>{d.source}</td>
                      <td data-testid="destination-health"><DestinationHealth health={d.health} /></td>
                      <td class="actions">
                        <button type="button" onClick={() => act(() => alertsApi.sendTest(d.id), `Test notification queued for ${d.id}`)}>Send test</button>
                        {d.source === 'api' && <button type="button" onClick={() => act(() => alertsApi.deleteDestination(d.id), `Deleted ${d.id}`)}>Delete</button>}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </TableScroll>
          )
        }
      </Async>
      <NewDestinationForm act={act} />

      <h2>History</h2>
      <Async state={history} what="alert history">
        {(data) =>
          data.transitions.length === 0 ? (
            <EmptyNote>No transitions in this time range.</EmptyNote>
          ) : (
            <>
              {/* The range's, unlike the deliveries below: an alert that fired before it shows here by its resolve alone (the on-call walkthrough, s15). */}
              <p class="muted-text" data-testid="history-range">{`Transitions from ${formatTime(data.from)} to ${formatTime(data.to)}, the range above: pick a longer one for earlier transitions.`}</p>
              <HistoryTable rows={data.transitions} series={new Map((rules.data?.rules ?? []).map((r) => [r.rule.id, r.rule.series]))} names={ruleNames} />
            </>
          )
        }
      </Async>

      <h2>Deliveries</h2>
      <Async state={deliveries} what="deliveries">
        {(data) => (data.deliveries.length === 0 ? <EmptyNote>No notifications sent yet.</EmptyNote> : <DeliveriesTable rows={data.deliveries} names={ruleNames} />)}
      </Async>
    </section>
  );
}

function RulesTable({ rules, act }: { rules: AlertRuleWithState[]; act: Act }) {
  return (
    <TableScroll label="Alert rules">
      <table class="table" data-testid="alert-rules">
        <thead>
          <tr><th>State</th><th>Rule</th><th>Condition</th><th class="num">Value</th><th>Since</th><th>Notifies</th><th><span class="sr-only">Actions</span></th></tr>
        </thead>
        <tbody>
          {rules.map(({ rule, state, link, notice, problem }) => (
            <tr key={rule.id} data-rule={rule.id}>
              <td><StateBadge state={state.state} />{rule.muted && <span class="alert-muted"> muted</span>}</td>
              <td>
                <a href={link}>{rule.name}</a>
                <div class="muted-text">{rule.service}{rule.route !== null ? ` · ${rule.route}` : ''}{rule.instanceId !== null ? ` · ${rule.instanceId}` : ''}</div>
                {/* A service never seen (not deployed yet, or misspelt), and a rule stored in an old form. */}
                {notice !== undefined && <div class="rule-notice" data-testid="rule-notice">{notice}</div>}
                {problem !== undefined && <div class="rule-notice rule-problem" data-testid="rule-problem">{problem}</div>}
              </td>
              <td>
                <code>{alertCondition(rule)}</code>
                <div class="muted-text">over {formatAlertDuration(rule.windowMs)}, for {formatAlertDuration(rule.forMs)}, no data: {rule.noData}</div>
              </td>
              <td class="num">
                {formatAlertValue(rule.series, state.value)}
                {/* A process series over every instance: the process the value is from (the worst). */}
                {state.instance !== undefined && <div class="muted-text" data-testid="rule-instance">in {state.instance}</div>}
                {/* A value the rule did not act on (a percentile from too few requests, dropped data). */}
                {state.keptReason !== undefined && <div class="muted-text" data-testid="rule-kept">{state.keptReason}</div>}
              </td>
              <td>{formatTime(state.since)}</td>
              <td>{rule.destinations.join(', ') || '—'}</td>
              <td class="actions">
                <button type="button" onClick={() => act(() => alertsApi.setMuted(rule.id, !rule.muted), `${rule.muted ? 'Unmuted' : 'Muted'} ${rule.name}`)}>{rule.muted ? 'Unmute' : 'Mute'}</button>
                {rule.source === 'api' && <button type="button" onClick={() => act(() => alertsApi.deleteRule(rule.id), `Deleted ${rule.name}`)}>Delete</button>}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableScroll>
  );
}

function NewRuleForm({ act }: { act: Act }) {
  const [text, setText] = useState(RULE_TEMPLATE);
  const submit = (e: Event) => {
    e.preventDefault();
    let input: unknown;
    try {
      input = JSON.parse(text);
    } catch (err) {
      act(() => Promise.reject(new Error(`not valid JSON: ${err instanceof Error ? err.message : String(err)}`)), '');
      return;
    }
    act(() => alertsApi.createRule(input), 'Rule created');
  };
  return (
    <details class="alert-form">
      <summary>New rule (JSON, see docs/alerts.md)</summary>
      <form onSubmit={submit}>
        <textarea rows={14} cols={60} value={text} onInput={(e) => setText((e.target as HTMLTextAreaElement).value)} aria-label="Rule as JSON" />
        <div><button type="submit">Create rule</button></div>
      </form>
    </details>
  );
}

function NewDestinationForm({ act }: { act: Act }) {
  const [id, setId] = useState('');
  const [type, setType] = useState<AlertDestinationType>('webhook');
  const [url, setUrl] = useState('');
  const submit = (e: Event) => {
    e.preventDefault();
    // The secret the collector made for it is in this answer only: the message that says it was
    // created shows it, so a receiver can verify the signatures.
    act(() => alertsApi.createDestination({ id, type, url }), (created) =>
      created?.secret ? `Destination ${id} created. Its signing secret (shown once): ${created.secret}` : `Destination ${id} created`,
    );
  };
  return (
    <details class="alert-form">
      <summary>New destination</summary>
      <form onSubmit={submit} class="alert-destination-form">
        <label>Id <input value={id} onInput={(e) => setId((e.target as HTMLInputElement).value)} required /></label>
        <label>
          Type{' '}
          <select value={type} onChange={(e) => setType((e.target as HTMLSelectElement).value as AlertDestinationType)}>
            <option value="webhook">webhook (Alertmanager v4 body, signed)</option>
            <option value="slack">slack (text + blocks)</option>
          </select>
        </label>
        <label>URL <input type="url" value={url} onInput={(e) => setUrl((e.target as HTMLInputElement).value)} required size={50} /></label>
        <button type="submit">Add</button>
      </form>
    </details>
  );
}

/** Whether the latest attempt to a destination got through, and what it answered if not. */
function DestinationHealth({ health }: { health: AlertDestination['health'] }) {
  if (health === null) return <span class="muted-text">nothing sent yet</span>;
  if (!health.failing) return <span>ok · {formatTime(health.lastAttemptAt)}</span>;
  const answer = health.lastStatusCode !== null ? `HTTP ${health.lastStatusCode}` : (health.lastError ?? 'no answer');
  return (
    <span class="destination-failing-text">
      <strong>failing</strong>: last attempt {formatTime(health.lastAttemptAt)}, {answer}
      {health.lastStatusCode !== null && health.lastError !== null ? ` (${health.lastError})` : ''}
      <div class="muted-text">{health.lastDeliveredAt !== null ? `last delivered ${formatTime(health.lastDeliveredAt)}` : 'never delivered'}</div>
    </span>
  );
}

/** A rule by its name, its id as the tooltip; a rule since deleted by its id (all that is left of it). */
function RuleCell({ ruleId, names }: { ruleId: string | null; names: ReadonlyMap<string, string> }) {
  if (ruleId === null) return <td>—</td>;
  const name = names.get(ruleId);
  return name === undefined ? <td>{ruleId}</td> : <td title={ruleId}>{name}</td>;
}

function HistoryTable({ rows, series, names }: { rows: AlertTransition[]; series: Map<string, AlertRuleWithState['rule']['series']>; names: ReadonlyMap<string, string> }) {
  return (
    <TableScroll label="Alert history">
      <table class="table" data-testid="alert-history">
        <thead>
          <tr><th>Time</th><th>Rule</th><th>Change</th><th class="num">Value</th><th>Why</th></tr>
        </thead>
        <tbody>
          {rows.map((t) => (
            <tr key={t.id}>
              <td>{formatTime(t.at)}</td>
              <RuleCell ruleId={t.ruleId} names={names} />
              <td><StateBadge state={t.from} /> → <StateBadge state={t.to} /></td>
              <td class="num">{historyValue(t, series)}</td>
              <td>{t.reason}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableScroll>
  );
}

function DeliveriesTable({ rows, names }: { rows: AlertDelivery[]; names: ReadonlyMap<string, string> }) {
  return (
    <TableScroll label="Alert deliveries">
      <table class="table" data-testid="alert-deliveries">
        <thead>
          <tr><th>Created</th><th>Rule</th><th>Destination</th><th>Kind</th><th>Status</th><th>Attempts</th></tr>
        </thead>
        <tbody>
          {rows.map((d) => (
            <tr key={d.id}>
              <td>{formatTime(d.createdAt)}</td>
              <RuleCell ruleId={d.ruleId} names={names} />
              <td>{d.destinationId}</td>
              <td>{d.kind}</td>
              <td>{d.status}</td>
              <td>
                {d.attempts.length === 0
                  ? '—'
                  : d.attempts.map((a) => `${a.statusCode ?? (a.error ?? 'error')} (${Math.round(a.durationMs)} ms)`).join(', ')}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableScroll>
  );
}
