// Keyboard for a list of rows that open a panel (the trace waterfall): one tab stop for the whole
// list (a roving tabindex, WAI-ARIA APG "Keyboard Navigation Inside Components"), the arrows,
// Home and End move between rows, Enter and Space open or close the row's panel.

export type RowKeyAction = 'toggle' | 'next' | 'previous' | 'first' | 'last';

export function rowKeyAction(key: string): RowKeyAction | null {
  switch (key) {
    case 'Enter':
    case ' ':
      return 'toggle';
    case 'ArrowDown':
      return 'next';
    case 'ArrowUp':
      return 'previous';
    case 'Home':
      return 'first';
    case 'End':
      return 'last';
    default:
      return null;
  }
}

/** The row index a move lands on, kept inside the list. */
export function movedIndex(action: Exclude<RowKeyAction, 'toggle'>, index: number, count: number): number {
  if (count === 0) return -1;
  if (action === 'first') return 0;
  if (action === 'last') return count - 1;
  return Math.min(count - 1, Math.max(0, index + (action === 'next' ? 1 : -1)));
}
