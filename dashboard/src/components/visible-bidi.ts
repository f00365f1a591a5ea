// Every text the dashboard renders shows bidi controls as "⟨U+202E⟩" (format/bidi-controls.ts),
// done once here for all pages instead of in each place that renders a name from an app: a
// Preact vnode hook rewrites text nodes and the `title` and `aria-label` attributes (which
// tooltips and screen readers read) as they are created. Input values are left as they are, so
// what a form sends back is what it was given. Our own texts hold no bidi controls: unchanged.
import { options, type VNode } from 'preact';
import { showBidiControls } from '../format/bidi-controls';

const SHOWN_ATTRIBUTES = ['title', 'aria-label'] as const;

let installed = false;

export function installVisibleBidi(): void {
  if (installed) return;
  installed = true;
  const previous = options.vnode;
  options.vnode = (vnode: VNode) => {
    // A text vnode has no type, and its props are the text itself.
    if (vnode.type === null) {
      const text: unknown = vnode.props;
      if (typeof text === 'string') (vnode as { props: unknown }).props = showBidiControls(text);
    } else if (typeof vnode.type === 'string') {
      const props = vnode.props as Record<string, unknown>;
      for (const name of SHOWN_ATTRIBUTES) {
        const value = props[name];
        if (typeof value === 'string') props[name] = showBidiControls(value);
      }
    }
    previous?.(vnode);
  };
}
