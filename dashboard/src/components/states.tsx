// Loading, error and empty states, shared by every page.

import type { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import { ApiFailure } from '../api/client';
import { api } from '../api/endpoints';
import { takeAnyChartFocus } from '../charts/chart-focus';
import { formatTime } from '../format/units';
import { useApi } from '../state/use-api';

export function Loading({ what }: { what: string }) {
  return (
    <div class="state state-loading" role="status" aria-live="polite">
      <span class="spinner" aria-hidden="true" />
      {`Loading ${what}…`}
    </div>
  );
}

export function ErrorState({ error, retry }: { error: unknown; retry?: () => void }) {
  let title = 'Something went wrong';
  let detail = error instanceof Error ? error.message : String(error);
  // A request the collector refused as malformed (a trace address that is no trace id) is refused again.
  const refused = error instanceof ApiFailure && error.status === 400;
  if (error instanceof ApiFailure) {
    if (error.status === 401 || error.status === 403) {
      title = 'This collector needs a dashboard token';
      detail = 'Reload the page to sign in with its dashboard token (--dashboard-token or HEADROOM_DASHBOARD_TOKEN).';
    } else if (error.status === 0) {
      title = 'Cannot reach the collector';
      detail = 'Is it running? The page retries when you press Retry.';
    } else if (error.status === 404) {
      title = 'Not found';
      detail = `${error.code}: ${error.message}`;
    } else if (refused) {
      title = 'The collector refused this request';
      detail = `${error.code}: ${error.message}`;
    } else if (error.code === 'HR_STORE_DAMAGED') {
      // The collector's message names the file and the commands that mend it: shown whole.
      title = "The collector's database file is damaged";
      detail = `${error.code}: ${error.message}`;
    } else {
      detail = `${error.code}: ${error.message}`;
    }
  }
  return (
    <div class="state state-error" role="alert">
      <strong>{title}</strong>
      <p>{detail}</p>
      {retry && !refused && <button type="button" onClick={retry}>Retry</button>}
    </div>
  );
}

export function EmptyNote({ children }: { children: ComponentChildren }) {
  return <div class="state state-empty">{children}</div>;
}

/**
 * A page of a service the collector knows with nothing in the range (a zoom into quiet minutes, a
 * short range after the app stopped): said so, not the start-the-agent help (its agent did run).
 * `insteadOfCharts`: the page shows it in place of all its charts, so a keyboard zoom's focus lands
 * here, not on <body>.
 */
export function NoDataInRange({ service, from, to, what = 'data', insteadOfCharts = false }: { service: string; from: number; to: number; what?: string; insteadOfCharts?: boolean }) {
  const note = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (insteadOfCharts && takeAnyChartFocus()) note.current?.focus();
  }, []);
  return (
    <div class="state state-empty" data-testid="no-data-in-range" ref={note} tabIndex={-1}>
      {`No ${what} from ${service} between ${formatTime(from)} and ${formatTime(to)}: pick a longer range.`}
    </div>
  );
}

/** "No data yet": how to point an app at this collector. */
export function StartAgentHelp({ service }: { service?: string }) {
  const name = service ?? 'my-service';
  const info = useApi('collector-info', (s) => api.collector(s));
  const endpoint = info.data !== null ? reachableUrl(info.data.otlpUrl, window.location.hostname) : null;
  // A collector started with an ingest token refuses agents without it (the token is not shown here).
  const tokenLine = info.data?.ingestTokenRequired === true ? 'OTEL_EXPORTER_OTLP_HEADERS="Authorization=Bearer <the ingest token>" \\\n' : '';
  return (
    <div class="state state-empty start-agent" data-testid="start-agent">
      <h2>No data yet: here is how to start the agent</h2>
      <ol>
        <li>
          Install it in your app from a Headroom checkout (it is not on the npm registry yet):{' '}
          <code>npm install /path/to/headroom/agent</code>
        </li>
        <li>
          Load it first, as the first line of your entry file:
          <pre><code>{"require('@headroom/agent');"}</code></pre>
          or without touching the code: <code>node --require @headroom/agent/register app.js</code> (ESM:{' '}
          <code>node --import @headroom/agent/register app.mjs</code>)
        </li>
        <li>
          Tell it its name and where this collector listens
          {endpoint === null && info.error !== null && ' (this collector did not say its OTLP address; it is printed when it starts)'}:
          <pre>
            <code data-testid="otlp-endpoint">{`OTEL_SERVICE_NAME=${name} \\\nOTEL_EXPORTER_OTLP_ENDPOINT=${endpoint ?? '<the OTLP URL the collector printed at start>'} \\\n${tokenLine}node --require @headroom/agent/register app.js`}</code>
          </pre>
        </li>
      </ol>
      <p>Send a few requests to the app; they show up here within seconds.</p>
    </div>
  );
}

/**
 * A collector bound to every interface (0.0.0.0, ::) reports that address, which an app
 * cannot send to: the host the dashboard was opened on is offered instead.
 */
export function reachableUrl(otlpUrl: string, pageHost: string): string {
  try {
    const url = new URL(otlpUrl);
    if (url.hostname === '0.0.0.0' || url.hostname === '[::]') url.hostname = pageHost;
    return url.origin;
  } catch {
    return otlpUrl;
  }
}

/** Renders the usual three states around a resource, or its content. */
export function Async<T>({ state, what, children }: {
  state: { data: T | null; error: unknown; loading: boolean; reload(): void };
  what: string;
  children: (data: T) => ComponentChildren;
}) {
  if (state.data !== null) return <>{children(state.data)}</>;
  if (state.error !== null) return <ErrorState error={state.error} retry={state.reload} />;
  return <Loading what={what} />;
}
