// ExportMetricsServiceRequest → RequestPoints, RouteSumPoints and GaugePoints.
// Metrics Headroom has no use for are counted and accepted, not stored.
import type { IngestBatch } from '../../model';
import type { ExportMetricsServiceRequest, Metric, NumberDataPoint, ResourceMetrics } from '../decode/otlp-types';
import type { DeltaTransaction } from '../cumulative-to-delta';
import { takeValueCuts } from './attribute-limits';
import { attributes, num, str } from './attributes';
import { GaugeCollector } from './gauges';
import { checkPoint, histogramDeltas, scaleDistribution, TEMPORALITY_CUMULATIVE, type StreamContext } from './histogram-points';
import {
  AGENT_DROPPED,
  AGENT_DROPPED_PREFIX,
  AGENT_DROPPED_SIGNAL_ATTR,
  AGENT_DROPPED_SIGNALS,
  GAUGES,
  GC_PAUSES,
  HEAP_SPACE_ATTR,
  REQUEST_DURATION,
  ROUTE_SUMS,
  toSecondsFactor,
} from './metric-names';
import { Outcome } from './outcome';
import { noteInstance, normaliseResource, resourceKey, type ResourceInfo } from './resource';
import { httpMethod, METHOD_UNKNOWN, transactionName } from './transaction-name';
import { toBigInt, toNumber } from './values';

function pointCount(m: Metric): number {
  switch (m.data) {
    case 'gauge':
      return m.gauge?.dataPoints?.length ?? 0;
    case 'sum':
      return m.sum?.dataPoints?.length ?? 0;
    case 'histogram':
      return m.histogram?.dataPoints?.length ?? 0;
    case 'exponentialHistogram':
      return m.exponentialHistogram?.dataPoints?.length ?? 0;
    case 'summary':
      return m.summary?.dataPoints?.length ?? 0;
    default:
      return 0;
  }
}

function numberPoints(m: Metric): NumberDataPoint[] {
  if (m.data === 'gauge') return m.gauge?.dataPoints ?? [];
  if (m.data === 'sum') return m.sum?.dataPoints ?? [];
  return [];
}

/** A number point's time and value; null when it is not usable (then counted in the outcome). */
function checkedNumber(p: NumberDataPoint, outcome: Outcome): { timeNs: bigint; value: number } | null {
  const timeNs = toBigInt(p.timeUnixNano);
  if (!checkPoint(timeNs, p.flags, outcome)) return null;
  if (!p.value) {
    outcome.reject('number points without a value');
    return null;
  }
  return { timeNs, value: p.value === 'asInt' ? toNumber(p.asInt) : (p.asDouble ?? 0) };
}

/** Validates number points of metrics we do not read, so partial_success counts them too. */
function checkOtherPoints(m: Metric, outcome: Outcome): void {
  for (const p of numberPoints(m)) {
    checkedNumber(p, outcome);
  }
}

function requestAttrs(attrs: ReturnType<typeof attributes>): { route: string; method: string; status: number | null; error: boolean } {
  // The semconv requires a method on request metrics; one without is `_OTHER`, as unknown ones.
  const method = httpMethod(attrs) ?? METHOD_UNKNOWN;
  const route = transactionName(method, str(attrs, 'http.route')) ?? method;
  const status = num(attrs, 'http.response.status_code') ?? num(attrs, 'http.status_code');
  const error = (status !== null && status >= 500) || str(attrs, 'error.type') !== null;
  return { route, method, status, error };
}

function gcKind(v: string | null): string {
  return v && /^[a-z0-9_]{1,32}$/i.test(v) ? v.toLowerCase() : 'other';
}

// With OTEL_SEMCONV_STABILITY_OPT_IN=http/dup an SDK reports every request twice, as the
// stable `http.server.request.duration` and the older `http.server.duration`: when a resource
// sends the stable one, the older one is skipped so no request is counted twice.
const STABLE_DURATION = 'http.server.request.duration';
const OLD_DURATION = 'http.server.duration';

function sendsStableDuration(rm: ResourceMetrics): boolean {
  for (const sm of rm.scopeMetrics ?? []) for (const m of sm.metrics ?? []) if (m.name === STABLE_DURATION) return true;
  return false;
}

/**
 * `headroom.agent.dropped`: the level of each signal's cumulative count, as gauge
 * `agent.dropped.<signal>`. Only a cumulative Sum is a total since the process started (what
 * the store takes differences of); a delta one (not Headroom's agent) is validated and skipped.
 */
function handleDropped(m: Metric, res: ResourceInfo, ctx: StreamContext, gauges: GaugeCollector): bigint {
  let latest = 0n;
  if (m.data !== 'sum' || m.sum?.aggregationTemporality !== TEMPORALITY_CUMULATIVE) {
    checkOtherPoints(m, ctx.outcome);
    return latest;
  }
  for (const p of numberPoints(m)) {
    const checked = checkedNumber(p, ctx.outcome);
    if (checked === null) continue;
    const { timeNs, value } = checked;
    const signal = str(attributes(p.attributes), AGENT_DROPPED_SIGNAL_ATTR);
    // From the app: a signal Headroom does not know, or a count that is not one, is not stored.
    if (signal === null || !AGENT_DROPPED_SIGNALS.has(signal) || !Number.isFinite(value) || value < 0) continue;
    gauges.add(res.service, res.instanceId, `${AGENT_DROPPED_PREFIX}${signal}`, timeNs, 'max', value, false);
    if (timeNs > latest) latest = timeNs;
  }
  return latest;
}

function handleMetric(m: Metric, res: ResourceInfo, ctx: StreamContext, batch: IngestBatch, gauges: GaugeCollector, skipOld: boolean): bigint {
  const name = m.name ?? '';
  let latest = 0n;
  if (name === AGENT_DROPPED) return handleDropped(m, res, ctx, gauges);
  if (skipOld && name === OLD_DURATION) {
    checkOtherPoints(m, ctx.outcome);
    return latest;
  }
  const request = REQUEST_DURATION.get(name);
  const routeSum = ROUTE_SUMS.get(name);
  const gcPrefix = GC_PAUSES.get(name);
  if (request || routeSum || gcPrefix !== undefined) {
    const deltas = histogramDeltas(m, ctx);
    const seconds = request ? toSecondsFactor(m.unit, request.defaultToSeconds) : routeSum?.seconds || gcPrefix !== undefined ? toSecondsFactor(m.unit, 1) : 1;
    for (const d of deltas) {
      if (d.timeNs > latest) latest = d.timeNs;
      const min = d.min === null ? null : d.min * seconds;
      const max = d.max === null ? null : d.max * seconds;
      if (request) {
        const a = requestAttrs(d.attrs);
        batch.requests.push({
          service: res.service,
          instanceId: res.instanceId,
          route: a.route,
          method: a.method,
          statusCode: a.status,
          error: a.error,
          timeNs: d.timeNs,
          count: d.count,
          sumSeconds: d.sum * seconds,
          minSeconds: min,
          maxSeconds: max,
          distribution: scaleDistribution(d.distribution, seconds),
          pointId: d.pointId ?? undefined,
        });
      } else if (routeSum) {
        batch.routeSums.push({
          service: res.service,
          instanceId: res.instanceId,
          route: requestAttrs(d.attrs).route,
          metric: routeSum.metric,
          timeNs: d.timeNs,
          count: d.count,
          sum: d.sum * seconds,
          max,
          pointId: d.pointId ?? undefined,
        });
      } else {
        const mean = (d.sum * seconds) / d.count;
        batch.gauges.push({
          service: res.service,
          instanceId: res.instanceId,
          metric: `${gcPrefix ?? 'gc.pause.'}${gcKind(str(d.attrs, 'v8js.gc.type'))}`,
          timeNs: d.timeNs,
          count: d.count,
          sum: d.sum * seconds,
          min: min ?? mean,
          max: max ?? mean,
          last: d.sum * seconds,
          pointId: d.pointId ?? undefined,
        });
      }
    }
    checkOtherPoints(m, ctx.outcome);
    return latest;
  }
  const gauge = GAUGES.get(name);
  if (!gauge) {
    checkOtherPoints(m, ctx.outcome);
    return latest;
  }
  const factor = gauge.seconds ? toSecondsFactor(m.unit, 1) : 1;
  for (const p of numberPoints(m)) {
    const checked = checkedNumber(p, ctx.outcome);
    if (checked === null) continue;
    const timeNs = checked.timeNs;
    // Gauges and up-down counters carry the current level; that is what is stored, whatever
    // the temporality (the OTel SDKs keep up-down counters cumulative even when asked for delta).
    const value = checked.value * factor;
    if (!Number.isFinite(value)) continue;
    const attrs = gauge.combine === 'heap' ? attributes(p.attributes) : null;
    const part = attrs !== null && str(attrs, HEAP_SPACE_ATTR) !== null;
    gauges.add(res.service, res.instanceId, gauge.name, timeNs, gauge.combine, value, part);
    if (timeNs > latest) latest = timeNs;
  }
  return latest;
}

export function normaliseMetrics(req: ExportMetricsServiceRequest, batch: IngestBatch, tx: DeltaTransaction, receivedNs: bigint): Outcome {
  const outcome = new Outcome();
  const gauges = new GaugeCollector();
  for (const rm of req.resourceMetrics ?? []) {
    const res = normaliseResource(rm.resource);
    if (res.cut) outcome.cut++;
    const skipOld = sendsStableDuration(rm);
    let resKey: string | null = null;
    let points = 0;
    let latest = 0n;
    const rejectedBefore = outcome.rejected;
    for (const sm of rm.scopeMetrics ?? []) {
      if (resKey === null) {
        resKey = resourceKey(res);
        tx.resource(resKey, res.service, res.instanceId);
      }
      const ctx: StreamContext = { tx, outcome, prefix: `${resKey}\u0000${sm.scope?.name ?? ''}\u0000${sm.scope?.version ?? ''}` };
      for (const m of sm.metrics ?? []) {
        const n = pointCount(m);
        outcome.received += n;
        points += n;
        const t = handleMetric(m, res, ctx, batch, gauges, skipOld);
        if (t > latest) latest = t;
      }
    }
    if (points > 0) {
      noteInstance(batch, res, latest > 0n ? latest : receivedNs, points - (outcome.rejected - rejectedBefore));
      if (res.serviceMissing) outcome.warn(`resource without service.name stored as ${res.service}`);
    }
  }
  gauges.flush(batch);
  // Point attributes are not stored (only the route and such are read from them, bounded as
  // names): values cut there are nobody's to report.
  takeValueCuts();
  return outcome;
}
