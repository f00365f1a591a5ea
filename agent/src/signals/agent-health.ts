// The agent's own delivery figures as metrics: items dropped per signal since start. An
// up-down counter, which stays cumulative under the delta preference, so the totals survive
// the failed exports they describe and arrive once the collector is back.
import type { Meter } from '@opentelemetry/api';
import type { ExportHealth, Signal } from '../export/health';

export function registerAgentHealth(meter: Meter, health: ExportHealth): void {
  const dropped = meter.createObservableUpDownCounter('headroom.agent.dropped', { unit: '{item}', description: 'Telemetry dropped by the agent since start (queue full or collector unreachable)' });
  dropped.addCallback((result) => {
    for (const signal of Object.keys(health.dropped) as Signal[]) result.observe(health.dropped[signal], { 'headroom.signal': signal });
  });
}
