// The shell: header (service, page tabs, time range), the live banner, and the page the URL names.

import type { LiveServerMessage } from '@headroom/collector/api-types';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { currentToken } from './api/token';
import { Link } from './components/link';
import { LiveBanner } from './components/live-banner';
import { RangeNotice, RangeTooLong } from './components/range-notice';
import { RangePicker } from './components/range-picker';
import { TokenControl } from './components/token-control';
import { LiveContext, type LiveContextValue, type LiveListener } from './live/live-context';
import { openLiveConnection, type LiveConnection, type LiveStatus } from './live/live-connection';
import { liveUrl } from './live/live-url';
import { AlertsPage } from './pages/alerts-page';
import { DeploymentsPage } from './pages/deployments-page';
import { ErrorsPage } from './pages/errors-page';
import { EventLoopPage } from './pages/event-loop-page';
import { AdvisorPage } from './pages/advisor-page';
import { InstancesPage } from './pages/instances-page';
import { NotFoundPage } from './pages/not-found-page';
import { OverviewPage } from './pages/overview-page';
import { ServicePage } from './pages/service-page';
import { TracePage } from './pages/trace-page';
import { TracesPage } from './pages/traces-page';
import { TransactionsPage } from './pages/transactions-page';
import { NavigationContext, useViewFromLocation } from './state/use-view';
import { isLive, tooLong } from './state/time-range';
import { defaultView, withPage, type PageName, type ViewState } from './state/view-state';

const TABS: { page: PageName; label: string }[] = [
  { page: 'service', label: 'Overview' },
  { page: 'transactions', label: 'Transactions' },
  { page: 'traces', label: 'Traces' },
  { page: 'errors', label: 'Errors' },
  { page: 'event-loop', label: 'Event loop' },
  { page: 'instances', label: 'Instances' },
  { page: 'deployments', label: 'Deployments' },
  { page: 'advisor', label: 'Advisor' },
];

/** How long pages wait for the live stream's first subscription before they read without it. */
const FIRST_SUBSCRIPTION_WAIT_MS = 1500;

function useLiveStream(service: string | null): LiveContextValue {
  const [status, setStatus] = useState<LiveStatus>({ state: 'connecting' });
  const [resyncVersion, setResync] = useState(0);
  const [ready, setReady] = useState(false);
  const [clockOffsetMs, setOffset] = useState(0);
  const listeners = useRef(new Set<LiveListener>());
  const conn = useRef<LiveConnection | null>(null);
  const subscribed = useRef(service);
  subscribed.current = service;

  useEffect(() => {
    // Pages read once the stream is subscribed; if it is slow to come, they read without it and
    // refetch when it does come (what they read may predate the subscription).
    let waiting = true;
    const stopWaiting = () => {
      waiting = false;
      setReady(true);
    };
    const timer = setTimeout(stopWaiting, FIRST_SUBSCRIPTION_WAIT_MS);
    const c = openLiveConnection(liveUrl(window.location, currentToken()), {
      onStatus: (s) => {
        setStatus(s);
        if (s.state === 'reconnecting' && waiting) stopWaiting();
      },
      onResync: () => setResync((n) => n + 1),
      onFirstSubscription: () => {
        clearTimeout(timer);
        if (waiting) stopWaiting();
        else setResync((n) => n + 1);
      },
      onMessage: (msg: LiveServerMessage) => {
        if (msg.type === 'hello') setOffset(msg.serverTime - Date.now());
        for (const l of listeners.current) l(msg);
      },
    });
    c.subscribe(subscribed.current);
    conn.current = c;
    return () => {
      clearTimeout(timer);
      c.close();
    };
  }, []);

  useEffect(() => {
    conn.current?.subscribe(service);
  }, [service]);

  // The stream's state on the root element: for styling, and for tests to wait on.
  useEffect(() => {
    document.documentElement.dataset.live = status.state;
    document.documentElement.dataset.resync = String(resyncVersion);
  }, [status, resyncVersion]);

  const listen = useMemo(() => (l: LiveListener) => {
    listeners.current.add(l);
    return () => {
      listeners.current.delete(l);
    };
  }, []);
  return useMemo(() => ({ status, resyncVersion, ready, clockOffsetMs, listen }), [status, resyncVersion, ready, clockOffsetMs, listen]);
}

/**
 * Whether what the view shows takes frames from the live stream, so its first reads wait for the
 * stream's first subscription: a live range, and Alerts (it always listens). A fixed range or a
 * trace takes none: its REST data is drawn at once, without waiting on the WebSocket.
 */
function takesLiveFrames(view: ViewState): boolean {
  if (view.page === 'alerts') return true;
  if (view.page === 'trace' || view.page === 'not-found') return false;
  return isLive(view.range);
}

function Page({ view }: { view: ViewState }) {
  const s = view.service;
  if (view.page === 'alerts') return <AlertsPage />;
  if (view.page === 'not-found') return <NotFoundPage />;
  if (view.page === 'trace' && view.traceId !== null) return <TracePage key={view.traceId} traceId={view.traceId} />;
  if (s === null) return <OverviewPage />;
  switch (view.page) {
    case 'overview': return <OverviewPage />;
    case 'service': return <ServicePage key={s} service={s} />;
    case 'transactions': return <TransactionsPage key={s} service={s} />;
    case 'traces': return <TracesPage key={s} service={s} />;
    case 'trace': return view.traceId !== null ? <TracePage key={view.traceId} traceId={view.traceId} /> : <TracesPage service={s} />;
    case 'errors': return <ErrorsPage key={s} service={s} />;
    case 'event-loop': return <EventLoopPage key={s} service={s} />;
    case 'instances': return <InstancesPage key={s} service={s} />;
    case 'deployments': return <DeploymentsPage key={s} service={s} />;
    case 'advisor': return <AdvisorPage key={s} service={s} />;
  }
}

/**
 * "Skip to content" (WCAG 2.4.1): the first tab stop of every page, shown when focused. It moves
 * the focus itself rather than following href="#main": a fragment navigation is a popstate the
 * router would read.
 */
function SkipLink() {
  return (
    <a
      href="#main"
      class="skip-link"
      onClick={(e: MouseEvent) => {
        e.preventDefault();
        const main = document.getElementById('main');
        main?.focus();
        main?.scrollIntoView();
      }}
    >
      Skip to content
    </a>
  );
}

export function App() {
  const nav = useViewFromLocation();
  const { view } = nav;
  const stream = useLiveStream(view.page === 'overview' ? null : view.service);
  const waits = takesLiveFrames(view);
  const live = useMemo(() => (waits || stream.ready ? stream : { ...stream, ready: true }), [stream, waits]);
  const home: ViewState = { ...defaultView(), range: view.range };
  const activeTab = view.page === 'trace' ? 'traces' : view.page;

  return (
    <NavigationContext.Provider value={nav}>
      <LiveContext.Provider value={live}>
        <SkipLink />
        <header class="topbar">
          <div class="brand-row">
            <Link to={home} class="brand">Headroom</Link>
            {view.service !== null && view.page !== 'overview' && (
              <span class="crumb">
                <span aria-hidden="true">/</span>
                <Link to={withPage(view, 'service')} class="crumb-service">{view.service}</Link>
              </span>
            )}
            <Link to={{ ...home, page: 'alerts' }} class={view.page === 'alerts' ? 'nav-alerts active' : 'nav-alerts'}>Alerts</Link>
            <RangePicker />
            <TokenControl />
          </div>
          {view.service !== null && view.page !== 'overview' && (
            <nav class="tabs" aria-label="Service pages">
              {TABS.map((t) => (
                <Link key={t.page} to={withPage(view, t.page)} class={activeTab === t.page ? 'tab active' : 'tab'}>{t.label}</Link>
              ))}
            </nav>
          )}
        </header>
        <LiveBanner />
        <RangeNotice />
        {/* tabIndex -1: the skip link's target takes the focus, Tab then goes on from it. */}
        <main id="main" tabIndex={-1}>
          {/* A trace is read by id alone: no range to refuse. */}
          {view.range.kind === 'custom' && tooLong(view.range) && view.page !== 'trace' && view.page !== 'not-found' ? <RangeTooLong range={view.range} /> : <Page view={view} />}
        </main>
      </LiveContext.Provider>
    </NavigationContext.Provider>
  );
}
