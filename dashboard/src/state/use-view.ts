// The current view, read from the address bar and kept in step with back/forward.

import { createContext } from 'preact';
import { useCallback, useContext, useEffect, useState } from 'preact/hooks';
import { parseView, viewUrl, type ViewState } from './view-state';

export interface Navigation {
  view: ViewState;
  navigate(next: ViewState, options?: { replace?: boolean }): void;
}

export function useViewFromLocation(): Navigation {
  const [view, setView] = useState<ViewState>(() => parseView(window.location.pathname, window.location.search));
  useEffect(() => {
    const onPop = () => setView(parseView(window.location.pathname, window.location.search));
    window.addEventListener('popstate', onPop);
    return () => window.removeEventListener('popstate', onPop);
  }, []);
  const navigate = useCallback((next: ViewState, options?: { replace?: boolean }) => {
    const url = viewUrl(next);
    if (options?.replace) window.history.replaceState(null, '', url);
    else if (url !== window.location.pathname + window.location.search) window.history.pushState(null, '', url);
    // Normalise through the URL so the state always equals what a reload would give.
    setView(parseView(window.location.pathname, window.location.search));
    if (!options?.replace) window.scrollTo(0, 0);
  }, []);
  return { view, navigate };
}

export const NavigationContext = createContext<Navigation | null>(null);

export function useNavigation(): Navigation {
  const nav = useContext(NavigationContext);
  if (nav === null) throw new Error('useNavigation outside NavigationContext');
  return nav;
}
