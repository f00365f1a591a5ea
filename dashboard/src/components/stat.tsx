// A headline figure: label above, value (text) below, an optional warning tone.

export function Stat({ label, value, tone = 'normal', testId }: { label: string; value: string; tone?: 'normal' | 'warn' | 'bad'; testId?: string }) {
  return (
    <div class={`stat stat-${tone}`} data-testid={testId}>
      <div class="stat-label">{label}</div>
      <div class="stat-value">{value}</div>
    </div>
  );
}
