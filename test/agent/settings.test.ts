import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readSettings } from '../../agent/src/config/settings';
import { packageNameFrom } from '../../agent/src/config/service-name';
import { appIsEsm } from '../../agent/src/esm-hook';

test('defaults', () => {
  const { settings, problems } = readSettings({});
  assert.deepEqual(problems, []);
  assert.equal(settings.enabled, true);
  assert.equal(settings.tracesUrl, 'http://127.0.0.1:4318/v1/traces');
  assert.equal(settings.metricsUrl, 'http://127.0.0.1:4318/v1/metrics');
  assert.equal(settings.logsUrl, 'http://127.0.0.1:4318/v1/logs');
  assert.equal(settings.apdexTMs, 500);
  assert.equal(settings.slowTraceMs, 2000);
  assert.deepEqual(settings.traceSampling, { kind: 'rate', perSecond: 10 });
  assert.equal(settings.stallThresholdMs, 100);
  assert.equal(settings.stallAttribution, true);
  assert.equal(settings.routeSlowTracesPerSecond, 1);
  assert.ok(settings.metricIntervalMs >= 2000 && settings.metricIntervalMs <= 5000);
});

test('OTel endpoints: base gets /v1/<signal>, per-signal ones are used as given', () => {
  const { settings } = readSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/prefix', OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: 'http://other:1234/logs' });
  assert.equal(settings.tracesUrl, 'http://collector:4318/prefix/v1/traces');
  assert.equal(settings.logsUrl, 'http://other:1234/logs');
});

test("a base endpoint given as a signal's full URL is used without the signal's path, and said so", () => {
  // The spec appends /v1/<signal> to the base: http://c:4318/v1/traces would send to
  // /v1/traces/v1/traces, and every export would be refused with a 404.
  const { settings, problems } = readSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/v1/traces' });
  assert.equal(settings.tracesUrl, 'http://collector:4318/v1/traces');
  assert.equal(settings.metricsUrl, 'http://collector:4318/v1/metrics');
  assert.equal(settings.logsUrl, 'http://collector:4318/v1/logs');
  assert.equal(problems.length, 1, problems.join('; '));
  assert.match(problems[0]!, /OTEL_EXPORTER_OTLP_ENDPOINT="http:\/\/collector:4318\/v1\/traces" \(the base URL, to which \/v1\/traces, \/v1\/metrics and \/v1\/logs are appended; .*OTEL_EXPORTER_OTLP_TRACES_ENDPOINT.*; using http:\/\/collector:4318\/\)/);
  // Under a prefix, with a trailing slash: the prefix stays.
  const prefixed = readSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: 'https://gw.example/otlp/v1/logs/' });
  assert.equal(prefixed.settings.metricsUrl, 'https://gw.example/otlp/v1/metrics');
  assert.equal(prefixed.problems.length, 1);
});

test('slow threshold follows Apdex T unless set', () => {
  assert.equal(readSettings({ HEADROOM_APDEX_T: '100' }).settings.slowTraceMs, 400);
  assert.equal(readSettings({ HEADROOM_APDEX_T: '100', HEADROOM_SLOW_TRACE_MS: '250' }).settings.slowTraceMs, 250);
});

test('off switches', () => {
  assert.equal(readSettings({ HEADROOM_ENABLED: 'false' }).settings.enabled, false);
  assert.equal(readSettings({ HEADROOM_ENABLED: '0' }).settings.enabled, false);
  assert.equal(readSettings({ OTEL_SDK_DISABLED: 'true' }).settings.enabled, false);
});

test('bad values become problems and defaults, never exceptions', () => {
  const { settings, problems } = readSettings({
    HEADROOM_APDEX_T: 'fast',
    HEADROOM_TRACES_PER_SECOND: '-1',
    OTEL_EXPORTER_OTLP_ENDPOINT: 'ftp://x',
    HEADROOM_ENABLED: 'perhaps',
    HEADROOM_STALL_ATTRIBUTION: 'sometimes',
  });
  assert.equal(problems.length, 5);
  assert.equal(settings.stallAttribution, true);
  assert.match(problems.join(' '), /HEADROOM_STALL_ATTRIBUTION="sometimes" \(want true or false\)/);
  assert.equal(settings.apdexTMs, 500);
  assert.deepEqual(settings.traceSampling, { kind: 'rate', perSecond: 10 });
  assert.equal(settings.tracesUrl, 'http://127.0.0.1:4318/v1/traces');
  assert.equal(settings.enabled, true);
  assert.match(problems.join(' '), /HEADROOM_APDEX_T="fast"/);
});

test('a bad endpoint names what is used instead; another OTLP protocol is said to be ignored (QA4)', () => {
  const { settings, problems } = readSettings({
    OTEL_EXPORTER_OTLP_ENDPOINT: '127.0.0.1:4318',
    OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: 'collector/v1/logs',
    OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc',
    OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/protobuf',
  });
  assert.equal(problems.length, 3, problems.join('; '));
  assert.match(problems[0]!, /OTEL_EXPORTER_OTLP_ENDPOINT="127.0.0.1:4318" \(want an http\(s\) URL .*; using http:\/\/127.0.0.1:4318\)/);
  assert.ok(problems.some((p) => /OTEL_EXPORTER_OTLP_LOGS_ENDPOINT=.*using http:\/\/127.0.0.1:4318\/v1\/logs\)/.test(p)), problems.join('; '));
  assert.ok(problems.some((p) => /OTEL_EXPORTER_OTLP_PROTOCOL="grpc" \(Headroom's agent sends http\/protobuf only; ignored\)/.test(p)), problems.join('; '));
  assert.equal(settings.logsUrl, 'http://127.0.0.1:4318/v1/logs');
});

test("service name from the nearest package.json, never the agent's own", () => {
  const files: Record<string, string> = {
    '/srv/app/package.json': JSON.stringify({ name: 'shop-api' }),
    '/srv/app/node_modules/@headroom/agent/package.json': JSON.stringify({ name: '@headroom/agent' }),
  };
  const read = (p: string): string => {
    const text = files[p];
    if (text === undefined) throw new Error('ENOENT');
    return text;
  };
  assert.equal(packageNameFrom('/srv/app/src/routes', read), 'shop-api');
  assert.equal(packageNameFrom('/srv/app/node_modules/@headroom/agent/dist', read), 'shop-api');
  assert.equal(packageNameFrom('/elsewhere', read), null);
});

test('HEADROOM_DB_STATEMENT: sanitized by default, raw on request, anything else a problem', () => {
  assert.equal(readSettings({}).settings.dbStatement, 'sanitized');
  assert.equal(readSettings({ HEADROOM_DB_STATEMENT: ' RAW ' }).settings.dbStatement, 'raw');
  const bad = readSettings({ HEADROOM_DB_STATEMENT: 'off' });
  assert.equal(bad.settings.dbStatement, 'sanitized');
  assert.match(bad.problems.join('\n'), /HEADROOM_DB_STATEMENT="off"/);
});

test('HEADROOM_ESM forces the loader hook with the words of the other switches, and a bad value is said', () => {
  // It was read apart from the other settings: "yes" or "on" was silently auto, and a typo no warning (QA of docs/agent.md).
  assert.equal(readSettings({}).settings.esm, null);
  assert.equal(readSettings({ HEADROOM_ESM: 'yes' }).settings.esm, true);
  assert.equal(readSettings({ HEADROOM_ESM: 'OFF' }).settings.esm, false);
  const { settings, problems } = readSettings({ HEADROOM_ESM: 'module' });
  assert.equal(settings.esm, null);
  assert.deepEqual(problems, ['HEADROOM_ESM="module" (want true or false)']);
  assert.equal(appIsEsm('/srv/app.mjs', false), false);
  assert.equal(appIsEsm('/srv/app.cjs', true), true);
  assert.equal(appIsEsm('/srv/app.mjs', null), true);
});

test('OTEL_SERVICE_VERSION, which OpenTelemetry does not have, is said to be ignored unless the resource attributes set the version', () => {
  const { problems } = readSettings({ OTEL_SERVICE_VERSION: '1.4.2' });
  assert.equal(problems.length, 1);
  assert.match(problems[0]!, /^OTEL_SERVICE_VERSION="1\.4\.2" \(not an OpenTelemetry variable, so ignored; set the version as OTEL_RESOURCE_ATTRIBUTES=service\.version=1\.4\.2\)$/);
  assert.deepEqual(readSettings({ OTEL_SERVICE_VERSION: '1.4.2', OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment=prod, service.version=1.4.2' }).problems, []);
  assert.deepEqual(readSettings({ OTEL_SERVICE_VERSION: ' ' }).problems, []);
});
