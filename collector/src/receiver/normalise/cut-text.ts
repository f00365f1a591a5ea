// Cutting an app's text to a limit, for names (name-limits.ts) and attribute values
// (attribute-limits.ts) alike.

/** Ends a cut name, so it is seen as cut and not taken for the app's own. */
export const CUT_MARK = '…';

/**
 * `value` cut to at most `max` characters (UTF-16 code units, as JavaScript counts them), the
 * last being the mark. Never between the halves of a surrogate pair: a lone half is not text.
 */
export function cutName(value: string, max: number): string {
  if (value.length <= max) return value;
  let end = max - CUT_MARK.length;
  const last = value.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end--;
  return value.slice(0, end) + CUT_MARK;
}
