// Assembles the agent: OTel NodeSDK with the auto-instrumentations, Headroom's sampling and
// export pipeline, and Headroom's signals. Everything the app could feel is guarded: a
// failure to start leaves the app running uninstrumented, with one line on stderr.
import { context, diag, DiagLogLevel, metrics, ROOT_CONTEXT, trace, type Attributes, type Context, type SpanContext, type TextMapPropagator } from '@opentelemetry/api';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { logs } from '@opentelemetry/api-logs';
import type { HttpInstrumentationConfig } from '@opentelemetry/instrumentation-http';
import type { AgentSettings } from './config/settings';
import { exitDeliveryTimeoutMs, postSync } from './export/exit-delivery';
import { createExportPipeline, pendingPosts, type ExportPipeline } from './export/pipeline';
import { esmHookInclude, registerEsmHook } from './esm-hook';
import { propagatorFromEnv, requireSdkNode } from './lazy-sdk-node';
import { appBases, installedFrom, loadInstrumentations, selectInstrumentations } from './instrumentations';
import { describe, report } from './report';
import { buildResource } from './resource';
import { PoolContextInstrumentation } from './db/pool-context';
import { ExpressLayersInstrumentation } from './http-server/express-layers';
import { watchFastifyHandlers } from './http-server/fastify-handler-span';
import { HapiRoutesInstrumentation } from './http-server/hapi-routes';
import { KoaRoutesInstrumentation } from './http-server/koa-routes';
import { NestExceptionsInstrumentation } from './http-server/nest-exceptions';
import { RestifyErrorsInstrumentation } from './http-server/restify-errors';
import { LightRequestPropagator } from './http-server/light-propagation';
import { installServerHook } from './http-server/server-hook';
import { PreciseStartProcessor } from './precise-span-start';
import { PresetIdGenerator } from './sampling/id-generator';
import { HeadroomSampler } from './sampling/sampler';
import { TailSamplingProcessor } from './sampling/tail-processor';
import { describeHeadSampling } from './sampling/head-sampling-setting';
import { ErrorTraceCap } from './sampling/error-trace-cap';
import { RouteSlowness } from './sampling/route-slowness';
import { TraceBudget } from './sampling/trace-budget';
import { registerAgentHealth } from './signals/agent-health';
import { InFlightTracker, registerCapacityMetrics } from './signals/capacity';
import { EventLoopDelay } from './signals/event-loop-delay';
import { watchFrameworkRoutes } from './signals/frameworks';
import { registerGcMetrics } from './signals/gc';
import { watchWorkerExits } from './signals/cluster-exits';
import { watchFirstListen } from './signals/lifecycle';
import { registerMemoryMetrics } from './signals/memory';
import { SCOPE } from './signals/meter';
import { RequestStarts } from './signals/request-starts';
import { startStallDetector } from './signals/stalls';
import { registerThreadPoolProbe } from './signals/threadpool';
import { watchUncaught } from './signals/uncaught';
import { installShutdown } from './shutdown';
import { watchProcessStop } from './signals/process-stop';

export interface RunningAgent {
  settings: AgentSettings;
  /** Exports what is queued now, within the shutdown timeout. */
  flush(): Promise<void>;
  shutdown(): Promise<void>;
}

/** Off by default (noisy, or measured by Headroom itself); OTEL_NODE_ENABLED_INSTRUMENTATIONS can turn them on. */
const OFF_BY_DEFAULT = ['fs', 'dns', 'net', 'runtime-node', 'host-metrics', 'router'];

function instrumentationSwitches(env: Record<string, string | undefined>): Record<string, { enabled: boolean }> {
  const wanted = new Set((env.OTEL_NODE_ENABLED_INSTRUMENTATIONS ?? '').split(',').map((s) => s.trim()));
  const out: Record<string, { enabled: boolean }> = {};
  // `router`: on express 5 it would span the same layers as Headroom's express
  // instrumentation (http-server/express-layers.ts).
  for (const name of OFF_BY_DEFAULT) if (!wanted.has(name)) out[name] = { enabled: false };
  return out;
}

function agentSettingAttributes(settings: AgentSettings): Attributes {
  return {
    'headroom.setting.agent.apdex_t_ms': settings.apdexTMs,
    'headroom.setting.agent.slow_trace_ms': settings.slowTraceMs,
    'headroom.setting.agent.trace_sampling': describeHeadSampling(settings.traceSampling),
    'headroom.setting.agent.recorded_traces_per_second': settings.recordedTracesPerSecond,
    'headroom.setting.agent.route_slow_traces_per_second': settings.routeSlowTracesPerSecond,
    'headroom.setting.agent.error_traces_per_second': settings.errorTracesPerSecond,
    'headroom.setting.agent.db_statement': settings.dbStatement,
    'headroom.setting.agent.stall_threshold_ms': settings.stallThresholdMs,
    'headroom.setting.agent.stall_attribution': settings.stallAttribution,
    'headroom.setting.agent.metric_interval_ms': settings.metricIntervalMs,
  };
}

function routeDiagToStderr(env: Record<string, string | undefined>): void {
  if (env.OTEL_LOG_LEVEL) return; // the user asked for OTel's own console logging
  const toReport = (...args: unknown[]): void => {
    const text = args.map((a) => (typeof a === 'string' ? a : describe(a))).join(' ');
    // Export failures are counted and reported by ExportHealth (HR_AGENT_EXPORT_FAILED).
    if (/export/i.test(text)) return;
    report('otel', text.slice(0, 500));
  };
  diag.setLogger({ error: toReport, warn: () => undefined, info: () => undefined, debug: () => undefined, verbose: () => undefined }, { logLevel: DiagLogLevel.ERROR, suppressOverrideMessage: true });
}

/**
 * The propagators OTEL_PROPAGATORS names (W3C trace context and baggage by default), behind
 * Headroom's for light requests; null when it says `none`.
 */
function lightRequestPropagation(lightSpanContext: (ctx: Context) => SpanContext | null): TextMapPropagator | null | undefined {
  let configured: TextMapPropagator | null | undefined;
  try {
    configured = propagatorFromEnv();
  } catch (err) {
    // NodeSDK reads OTEL_PROPAGATORS itself then; light requests just propagate nothing.
    report('otel', `propagators: ${describe(err)}`);
    return undefined;
  }
  if (configured === null) return null;
  const inner = configured ?? new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] });
  return new LightRequestPropagator(inner, lightSpanContext);
}

/** `esmHook`: the app is an ES module, whose imports only a loader hook lets the instrumentations see. */
export function startAgent(settings: AgentSettings, env: Record<string, string | undefined>, options: { esmHook: boolean } = { esmHook: false }): RunningAgent {
  routeDiagToStderr(env);
  const pipeline: ExportPipeline = createExportPipeline(settings);
  const errorCap = new ErrorTraceCap(settings.errorTracesPerSecond);
  const tail = new TailSamplingProcessor((span) => pipeline.spans.push(span), pipeline.health, {
    slowTraceMs: settings.slowTraceMs,
    maxTraces: 4096,
    maxSpansPerTrace: 1000,
    maxAgeMs: 120_000,
    errorCap,
  });
  const inFlight = new InFlightTracker(performance.now());
  // Noted by the request path, read by the stall detector: a blocked stretch is cut at each start.
  const requestStarts = new RequestStarts(settings.stallThresholdMs);
  const budget = new TraceBudget(settings.traceSampling, settings.recordedTracesPerSecond);
  const ids = new PresetIdGenerator();
  const switches = instrumentationSwitches(env);
  const selection = selectInstrumentations(
    {
      ...switches,
      // Incoming requests are Headroom's own (http-server/server-hook.ts); OTel's keeps the
      // outgoing side (client spans, traceparent injection).
      http: { ...switches.http, disableIncomingRequestInstrumentation: true } as HttpInstrumentationConfig,
    },
    env,
    installedFrom(appBases(process.argv[1])),
  );
  if (selection.unknown.length > 0) report('config', `unknown instrumentations in OTEL_NODE_*_INSTRUMENTATIONS: ${selection.unknown.join(', ')}`);
  // Headroom's request path (the server hook below, express's layers, koa's and hapi's routes)
  // is switched with OTel's http instrumentation (OTEL_NODE_DISABLED_INSTRUMENTATIONS=http: none of it).
  // While it is on, express is Headroom's too (http-server/express-layers.ts): OTel's express
  // instrumentation is not loaded, and its switch decides whether layers get spans.
  const ownRequestPath = selection.load.some((entry) => entry.name === 'http');
  const expressSpans = selection.load.some((entry) => entry.name === 'express');
  const toLoad = ownRequestPath ? { ...selection, load: selection.load.filter((entry) => entry.name !== 'express') } : selection;
  const instrumentations = loadInstrumentations(toLoad, (name, err) => report('otel', `instrumentation ${name}: ${describe(err)}`));
  if (ownRequestPath) {
    instrumentations.push(
      new ExpressLayersInstrumentation({ layerSpans: expressSpans }),
      new KoaRoutesInstrumentation(),
      new HapiRoutesInstrumentation(),
      new NestExceptionsInstrumentation(),
      new RestifyErrorsInstrumentation(),
    );
  }
  // Pool callbacks in their caller's context (db/pool-context.ts), with or without Headroom's request path.
  instrumentations.push(new PoolContextInstrumentation());
  // Before the app's modules load (they load after this --require / first import returns).
  if (options.esmHook) registerEsmHook(esmHookInclude(instrumentations));
  const { NodeSDK } = requireSdkNode();
  const resource = buildResource(settings);
  // The server hook is installed after the SDK starts: the propagator asks it through this.
  let lightSpanContext: (ctx: Context) => SpanContext | null = () => null;
  const sdk = new NodeSDK({
    resource,
    textMapPropagator: lightRequestPropagation((ctx) => lightSpanContext(ctx)),
    autoDetectResources: false,
    instrumentations,
    sampler: new HeadroomSampler(budget),
    idGenerator: ids,
    // First: the others see each span's start on the precise clock.
    spanProcessors: [new PreciseStartProcessor(), tail],
    metricReaders: [pipeline.metricReader],
    views: pipeline.views,
    logRecordProcessors: [pipeline.logProcessor],
  });
  sdk.start();

  const meter = metrics.getMeter(SCOPE);
  const logger = logs.getLogger(SCOPE);
  const stops: (() => void)[] = [];
  const tracer = trace.getTracer(SCOPE);
  const serverHook = ownRequestPath
    ? installServerHook({
        tracer,
        budget,
        ids,
        metrics: pipeline.requestMetrics,
        inFlight,
        requestStarts,
        slowTraceMs: settings.slowTraceMs,
        errorCap,
        // In all, no more than the recorded budget: HEADROOM_RECORDED_TRACES_PER_SECOND=0 keeps only errors, slow traces and stalls.
        routeSlowness: new RouteSlowness(settings.routeSlowTracesPerSecond, settings.recordedTracesPerSecond, settings.apdexTMs / 10),
      })
    : null;
  if (serverHook) {
    stops.push(() => serverHook.uninstall());
    stops.push(watchFastifyHandlers(tracer));
    lightSpanContext = (ctx) => serverHook.lightSpanContext(ctx);
  }
  registerCapacityMetrics(meter, inFlight);
  registerMemoryMetrics(meter);
  const loopDelay = new EventLoopDelay();
  loopDelay.register(meter);
  const gc = registerGcMetrics(meter);
  stops.push(gc.stop);
  stops.push(registerThreadPoolProbe(meter));
  registerAgentHealth(meter, pipeline.health);
  watchFrameworkRoutes();
  watchFirstListen(logger, agentSettingAttributes(settings));
  stops.push(watchWorkerExits(logger));
  stops.push(
    startStallDetector({
      thresholdMs: settings.stallThresholdMs,
      attribution: settings.stallAttribution,
      tracer,
      logger,
      onTick: (lateMs) => {
        loopDelay.record(lateMs);
        gc.tick();
      },
      lightParent: (ctx) => serverHook?.stallParent(ctx) ?? null,
      gcPausedMs: (fromMs, toMs) => gc.pausedMs(fromMs, toMs),
      requestStarts,
      stallPending: (traceId) => tail.stallPending(traceId),
      stallResolved: (traceId, isStall) => tail.stallResolved(traceId, isStall),
    }),
  );

  const withTimeout = async (work: Promise<unknown>): Promise<void> => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), settings.shutdownTimeoutMs);
      timer.unref();
    });
    const outcome = await Promise.race([work.then(() => 'done' as const, () => 'done' as const), timeout]);
    if (timer) clearTimeout(timer);
    if (outcome === 'timeout') report('shutdownTimeout', `after ${settings.shutdownTimeoutMs} ms`);
  };

  // In the ROOT context: an app may flush from inside a request, whose context must not leak
  // into the collection and export (a stall there would be blamed on that request).
  const flushAll = (): Promise<unknown> =>
    context.with(ROOT_CONTEXT, () => Promise.allSettled([pipeline.metricReader.forceFlush(), pipeline.spans.flush(), pipeline.logProcessor.forceFlush()]));

  let stopped: Promise<void> | null = null;
  const agent: RunningAgent = {
    settings,
    flush: () => withTimeout(flushAll()),
    shutdown: () => {
      stopped ??= (async () => {
        for (const stop of stops) {
          try {
            stop();
          } catch {
            // stopping is best effort
          }
        }
        await withTimeout(flushAll().then(() => sdk.shutdown()));
      })();
      return stopped;
    },
  };
  // The process ends now, without our flush (an uncaught exception, or process.exit()): nothing
  // asynchronous will run again. What a completed shutdown flushed is not queued any more.
  let delivered = false;
  const deliverAtExit = (): void => {
    if (delivered) return;
    delivered = true;
    for (const stop of stops) {
      try {
        stop();
      } catch {
        // best effort
      }
    }
    try {
      postSync(pendingPosts(pipeline, settings, resource, env), exitDeliveryTimeoutMs(pipeline.health.answering, settings.shutdownTimeoutMs));
    } catch (err) {
      report('internal', `delivery at exit: ${describe(err)}`);
    }
  };
  const stop = watchProcessStop(logger);
  watchUncaught(logger, () => {
    stop.stopping('uncaught_exception');
    deliverAtExit();
  });
  process.once('exit', (code) => {
    stop.stopping('exit', code);
    deliverAtExit();
  });
  installShutdown(agent, stop);
  return agent;
}
