// `headroom.agent.dropped` as the agent sends it (a cumulative Sum per signal), in OTLP/JSON with
// chosen times, for the store and advisor tests of dropped telemetry.

export interface Levels {
  spans?: number;
  metrics?: number;
  logs?: number;
}

/** One metrics request (OTLP/JSON) carrying an instance's dropped counts at `atMs`, as the agent's cumulative Sum. */
export function droppedBody(service: string, instanceId: string, startMs: number, atMs: number, levels: Levels, extra: object[] = []): string {
  const ns = (ms: number): string => `${BigInt(ms) * 1_000_000n}`;
  const point = (signal: string, value: number) => ({
    attributes: [{ key: 'headroom.signal', value: { stringValue: signal } }],
    startTimeUnixNano: ns(startMs),
    timeUnixNano: ns(atMs),
    asInt: String(value),
  });
  return JSON.stringify({
    resourceMetrics: [
      {
        resource: {
          attributes: [
            { key: 'service.name', value: { stringValue: service } },
            { key: 'service.instance.id', value: { stringValue: instanceId } },
          ],
        },
        scopeMetrics: [
          {
            scope: { name: '@headroom/agent' },
            metrics: [
              {
                name: 'headroom.agent.dropped',
                unit: '{item}',
                sum: {
                  aggregationTemporality: 2,
                  isMonotonic: false,
                  dataPoints: Object.entries(levels).map(([signal, value]) => point(signal, value as number)),
                },
              },
              ...extra,
            ],
          },
        ],
      },
    ],
  });
}
