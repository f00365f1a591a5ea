import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { getNodeAutoInstrumentations } from '@opentelemetry/auto-instrumentations-node';
import { INSTRUMENTATIONS, installedFrom, loadInstrumentations, selectInstrumentations } from '../../agent/src/instrumentations';

const PREFIX = '@opentelemetry/instrumentation-';
const names = (sel: ReturnType<typeof selectInstrumentations>): string[] => sel.load.map((l) => l.name);
const everything = (): boolean => true;

test('the table matches auto-instrumentations-node: same instrumentations, classes and target packages', () => {
  const all = getNodeAutoInstrumentations({ [`${PREFIX}fs`]: { enabled: true }, [`${PREFIX}host-metrics`]: { enabled: true } });
  assert.deepEqual(all.map((i) => i.instrumentationName.slice(PREFIX.length)).sort(), Object.keys(INSTRUMENTATIONS).sort());
  const builtins = new Set(['http', 'https', 'fs', 'fs/promises', 'dns', 'dns/promises', 'net']);
  for (const instr of all) {
    const entry = INSTRUMENTATIONS[instr.instrumentationName.slice(PREFIX.length)];
    assert.ok(entry);
    assert.equal(instr.constructor.name, entry.className);
    const defs = (instr as unknown as { getModuleDefinitions(): { name: string }[] }).getModuleDefinitions();
    const targets = [...new Set(defs.map((d) => d.name).filter((n) => !builtins.has(n)))].sort();
    assert.deepEqual([...entry.targets].sort(), targets, instr.instrumentationName);
    instr.disable();
  }
});

test('defaults: everything whose target is installed, but not fs or host-metrics', () => {
  const installed = (pkg: string): boolean => pkg === 'express' || pkg === 'pg-pool';
  const sel = selectInstrumentations({}, {}, installed);
  assert.deepEqual(names(sel).sort(), ['dns', 'express', 'http', 'net', 'pg', 'runtime-node', 'undici']);
  assert.deepEqual(sel.unknown, []);
});

test('OTEL_NODE_DISABLED_INSTRUMENTATIONS wins over the enabled list; the enabled list restricts', () => {
  const sel = selectInstrumentations({}, { OTEL_NODE_ENABLED_INSTRUMENTATIONS: 'http, express,fs', OTEL_NODE_DISABLED_INSTRUMENTATIONS: 'express,nope' }, everything);
  assert.deepEqual(names(sel), ['fs', 'http']);
  assert.deepEqual(sel.unknown, ['nope']);
});

test('a listed instrumentation loads even when its target is not found; programmatic switches come first', () => {
  const nothing = (): boolean => false;
  assert.deepEqual(names(selectInstrumentations({}, { OTEL_NODE_ENABLED_INSTRUMENTATIONS: 'pg,http' }, nothing)), ['http', 'pg']);
  assert.deepEqual(names(selectInstrumentations({ pg: { enabled: false } }, { OTEL_NODE_ENABLED_INSTRUMENTATIONS: 'pg,http' }, nothing)), ['http']);
  assert.deepEqual(names(selectInstrumentations({ fs: { enabled: true } }, { OTEL_NODE_DISABLED_INSTRUMENTATIONS: 'fs' }, nothing)).includes('fs'), true);
  assert.deepEqual(names(selectInstrumentations({}, {}, nothing)).includes('aws-lambda'), false);
  assert.deepEqual(names(selectInstrumentations({}, { _HANDLER: 'index.handler', LAMBDA_TASK_ROOT: '/var/task' }, nothing)).includes('aws-lambda'), true);
});

test('installed packages are found from the app folder, missing ones are not', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'headroom-instr-'));
  try {
    const fromRepo = installedFrom([path.join(__dirname, 'fixtures')]);
    assert.equal(fromRepo('express'), true);
    assert.equal(fromRepo('@opentelemetry/api'), true);
    assert.equal(fromRepo('no-such-package-headroom'), false);
    assert.equal(installedFrom([dir])('no-such-package-headroom'), false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('loading constructs the selected instrumentations; names outside the table are skipped', () => {
  const errors: string[] = [];
  const loaded = loadInstrumentations(
    { load: [{ name: 'express', config: { enabled: false } }, { name: 'no-such', config: {} }], unknown: [] },
    (name) => errors.push(name),
  );
  assert.deepEqual(loaded.map((i) => i.instrumentationName), [`${PREFIX}express`]);
  assert.deepEqual(errors, []);
  for (const i of loaded) i.disable();
});
