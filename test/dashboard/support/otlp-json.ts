// OTLP/JSON bodies posted to the collector's receiver, for browser tests that need data at known
// times and ids (a cross-service trace, stalls of a given process) rather than an app's.
import assert from 'node:assert/strict';

export type OtlpAttribute = { key: string; value: { stringValue: string } | { intValue: number } | { doubleValue: number } | { boolValue: boolean } };

export function attr(key: string, value: string | number | boolean): OtlpAttribute {
  if (typeof value === 'boolean') return { key, value: { boolValue: value } };
  if (typeof value === 'number') return { key, value: Number.isInteger(value) ? { intValue: value } : { doubleValue: value } };
  return { key, value: { stringValue: value } };
}

export function resource(service: string, instanceId: string): { attributes: OtlpAttribute[] } {
  return { attributes: [attr('service.name', service), attr('service.instance.id', instanceId)] };
}

/** Epoch ms as OTLP's decimal nanoseconds. */
export function nanos(ms: number): string {
  return String(BigInt(Math.round(ms * 1000)) * 1000n);
}

export async function postOtlpJson(otlpUrl: string, signal: 'traces' | 'logs' | 'metrics', body: unknown): Promise<void> {
  const res = await fetch(`${otlpUrl}/v1/${signal}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  assert.equal(res.status, 200, `${signal}: ${await res.text()}`);
}

export interface StallSpec {
  service: string;
  instanceId: string;
  /** The process's `process.pid`, which names it on the pages ("pid 4242"). */
  pid?: number;
  startMs: number;
  durationMs: number;
  cpuMs: number;
  route?: string;
  method?: string;
  traceId?: string;
  spanId?: string;
  /** The agent's own work (`headroom.stall.agent`), with the code location it names. */
  agent?: { function: string; filepath: string };
  /** The GC pause time inside it (`headroom.stall.gc_ms`); `gc`: the agent marked it the collector's (`headroom.stall.gc`). */
  gcMs?: number;
  gc?: boolean;
}

/** Stall events as the agent sends them (a `headroom.eventloop.stall` log record stamped at the stall's start). */
export async function postStalls(otlpUrl: string, stalls: StallSpec[]): Promise<void> {
  const resourceLogs = stalls.map((s) => ({
    resource: s.pid === undefined ? resource(s.service, s.instanceId) : { attributes: [...resource(s.service, s.instanceId).attributes, attr('process.pid', s.pid)] },
    scopeLogs: [{
      scope: { name: '@headroom/agent' },
      logRecords: [{
        timeUnixNano: nanos(s.startMs),
        ...(s.traceId && { traceId: s.traceId }),
        ...(s.spanId && { spanId: s.spanId }),
        body: { stringValue: `event loop blocked ${Math.round(s.durationMs)} ms` },
        attributes: [
          attr('event.name', 'headroom.eventloop.stall'),
          attr('headroom.stall.duration_ms', s.durationMs),
          attr('headroom.stall.cpu_ms', s.cpuMs),
          ...(s.route ? [attr('http.route', s.route)] : []),
          ...(s.method ? [attr('http.request.method', s.method)] : []),
          ...(s.agent ? [attr('headroom.stall.agent', true), attr('code.function', s.agent.function), attr('code.filepath', s.agent.filepath), attr('code.lineno', 1)] : []),
          ...(s.gcMs !== undefined ? [attr('headroom.stall.gc_ms', s.gcMs)] : []),
          ...(s.gc ? [attr('headroom.stall.gc', true)] : []),
        ],
      }],
    }],
  }));
  await postOtlpJson(otlpUrl, 'logs', { resourceLogs });
}
