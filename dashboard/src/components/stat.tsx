// A headline figure: label above, value (text) below, an optional warning tone and an
// optional note under the value saying whom the figure covers.

export function Stat({ label, value, tone = 'normal', testId, note }: { label: string; value: string; tone?: 'normal' | 'warn' | 'bad'; testId?: string; note?: string | null }) {
  return (
    <div class={`stat stat-${tone}`} data-testid={testId}>
      <div class="stat-label">{label}</div>
      <div class="stat-value">{value}</div>
      {note && <div class="stat-note">{note}</div>}
    </div>
  );
}
