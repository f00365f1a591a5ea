// A table's sideways scroller that shows when there is more to see: a shadow on the side that
// has more (QA: at 800 px the transactions table's Queue wait and Stalls columns, and the
// overview's sparklines, were cut off at the edge with nothing saying the table scrolls).
// While it scrolls it is also a named tab stop, so a keyboard can scroll it (WCAG 2.1.1).

import type { ComponentChildren } from 'preact';
import { useLayoutEffect, useRef, useState } from 'preact/hooks';

interface Edges {
  left: boolean;
  right: boolean;
}

/** Whether content lies beyond each edge of a scroller (a pixel of rounding allowed). */
function edgesOf(el: HTMLElement): Edges {
  const max = el.scrollWidth - el.clientWidth;
  return { left: max > 1 && el.scrollLeft > 1, right: max > 1 && el.scrollLeft < max - 1 };
}

export function TableScroll({ label, children }: { label: string; children: ComponentChildren }) {
  const ref = useRef<HTMLDivElement>(null);
  const [edges, setEdges] = useState<Edges>({ left: false, right: false });

  useLayoutEffect(() => {
    const el = ref.current;
    if (el === null) return undefined;
    const measure = () => {
      const next = edgesOf(el);
      setEdges((prev) => (prev.left === next.left && prev.right === next.right ? prev : next));
    };
    measure();
    el.addEventListener('scroll', measure, { passive: true });
    // The scroller resizes with the window, its content with new rows and live updates.
    const resized = new ResizeObserver(measure);
    resized.observe(el);
    for (const child of Array.from(el.children)) resized.observe(child);
    return () => {
      el.removeEventListener('scroll', measure);
      resized.disconnect();
    };
  }, []);

  const scrolls = edges.left || edges.right;
  return (
    <div class="table-scroll-frame" data-more-left={String(edges.left)} data-more-right={String(edges.right)}>
      <div
        ref={ref}
        class="table-scroll"
        tabIndex={scrolls ? 0 : undefined}
        role={scrolls ? 'region' : undefined}
        aria-label={scrolls ? `${label} (scrolls sideways)` : undefined}
      >
        {children}
      </div>
    </div>
  );
}
