// A framework's method replaced by Headroom's hook, once. The hook carries the original under
// a symbol: a second patch (a module loaded twice, a second agent) sees it is already hooked,
// and unpatching puts the original back. Shared by the express, koa and hapi hooks.
const kOriginal = Symbol('headroom.hook.original');

type AnyFunction = (this: never, ...args: never[]) => unknown;

/** Marks `hook` as standing in for `original`; returns the hook. */
export function markHook<F extends object>(hook: F, original: unknown): F {
  Object.defineProperty(hook, kOriginal, { value: original });
  return hook;
}

export function isHook(value: unknown): boolean {
  return typeof value === 'function' && kOriginal in value;
}

/** The function a hook stands in for; undefined for anything else. */
export function originalOf(value: unknown): unknown {
  return isHook(value) ? (value as unknown as Record<symbol, unknown>)[kOriginal] : undefined;
}

/** Replaces `target[name]` by `wrap(original)`, unless it is no function or already a hook. */
export function hookMethod<F extends AnyFunction>(target: object | null | undefined, name: string, wrap: (original: F) => F): void {
  const holder = target as Record<string, unknown> | null | undefined;
  const original = holder?.[name];
  if (!holder || typeof original !== 'function' || isHook(original)) return;
  holder[name] = markHook(wrap(original as F), original);
}

/** Puts back what `hookMethod` replaced. */
export function unhookMethod(target: object | null | undefined, name: string): void {
  const holder = target as Record<string, unknown> | null | undefined;
  const original = originalOf(holder?.[name]);
  if (holder && typeof original === 'function') holder[name] = original;
}
