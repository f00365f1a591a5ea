// Calls `fn` every `ms` while the component is mounted (pages that poll instead of listening).

import { useEffect, useRef } from 'preact/hooks';

export function useInterval(fn: () => void, ms: number): void {
  const saved = useRef(fn);
  saved.current = fn;
  useEffect(() => {
    const id = setInterval(() => saved.current(), ms);
    return () => clearInterval(id);
  }, [ms]);
}
