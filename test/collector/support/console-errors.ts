// The collector's log lines (console.error) captured for a test to read, and the console put
// back afterwards.
export interface ConsoleErrors {
  /** Every line written since capture began, its arguments joined by spaces. */
  lines: string[];
  restore(): void;
}

export function captureConsoleErrors(): ConsoleErrors {
  const original = console.error;
  const lines: string[] = [];
  console.error = (...args: unknown[]) => {
    lines.push(args.map(String).join(' '));
  };
  return {
    lines,
    restore: () => {
      console.error = original;
    },
  };
}
