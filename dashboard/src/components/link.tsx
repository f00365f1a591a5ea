// An in-app link: a real <a href> (open in new tab and copy link work), navigating in place
// on a plain click.

import type { ComponentChildren } from 'preact';
import { useNavigation } from '../state/use-view';
import { viewUrl, type ViewState } from '../state/view-state';

/** `aria-label` names a link whose text alone would not say where it goes ("trace"). */
export function Link({ to, children, class: className, title, 'aria-label': ariaLabel }: { to: ViewState; children: ComponentChildren; class?: string; title?: string; 'aria-label'?: string }) {
  const { navigate } = useNavigation();
  return (
    <a
      href={viewUrl(to)}
      class={className}
      title={title}
      aria-label={ariaLabel}
      onClick={(e: MouseEvent) => {
        if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
        e.preventDefault();
        navigate(to);
      }}
    >
      {children}
    </a>
  );
}
