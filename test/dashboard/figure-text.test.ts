// Named figures (start settings, advisor evidence) as text for people, by their names' units:
// the raw numbers QA found on the Instances and Advisor pages.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { figureLabel } from '../../dashboard/src/format/figure-labels';
import { figureText, rawFigure } from '../../dashboard/src/format/figure-text';

test('settings: bytes, durations, a timeout of 0, unlimited connections, booleans, plain counts and strings', () => {
  assert.equal(figureText('heap_limit_bytes', 4345298944), '4.05 GiB');
  assert.equal(figureText('host_memory_bytes', 25276059648), '23.5 GiB');
  assert.equal(figureText('http.keep_alive_timeout_ms', 5000), '5 s');
  assert.equal(figureText('http.timeout_ms', 0), '0 (none)');
  assert.equal(figureText('agent.stall_threshold_ms', 50), '50 ms');
  assert.equal(figureText('http.keep_alive_timeout_ms', 72_000), '72 s', 'whole seconds stay exact');
  assert.equal(figureText('http.headers_timeout_ms', 60_000), '60 s');
  assert.equal(figureText('http.max_connections', -1), 'no limit');
  assert.equal(figureText('http.max_requests_per_socket', 0), 'no limit');
  assert.equal(figureText('heap_limit_explicit', false), 'no');
  assert.equal(figureText('cpu_count', 8), '8');
  assert.equal(figureText('node_version', 'v22.11.0'), 'v22.11.0');
});

test('advisor evidence: sizes, shares as %, durations, rates; names without a unit as sent', () => {
  assert.equal(figureText('meanResponseBytes', 2097152), '2 MiB');
  assert.equal(figureText('shareOfWindow', 0.0181), '1.8 %');
  assert.equal(figureText('shareOfRequests', 0.0007), '0.07 %');
  assert.equal(figureText('queueWaitShare', 0.412), '41 %');
  assert.equal(figureText('share', 0.93), '93 %');
  assert.equal(figureText('peakUtilizationPerProcess', 0.95), '95 %');
  assert.equal(figureText('totalStallMs', 16273), '16.27 s');
  assert.equal(figureText('growthBytesPerHour', 20 * 2 ** 20), '20 MiB/h');
  assert.equal(figureText('suggestedHeapLimitMiB', 1536), '1536 MiB');
  assert.equal(figureText('requests', 1180), '1180');
  assert.equal(figureText('route', 'GET /big'), 'GET /big');
  assert.equal(rawFigure(4345298944), '4345298944');
});

test('advisor figure labels: from the table, and a key the table lacks spelt out in words, not camelCase', () => {
  assert.equal(figureLabel('totalStallMs'), 'Total stall time');
  assert.equal(figureLabel('shareOfWindow'), 'Share of the window');
  assert.equal(figureLabel('worstGcStalls'), "Worst process's GC stalls");
  assert.equal(figureLabel('newQueueDepthMs'), 'New queue depth time');
  assert.equal(figureLabel('peakRssBytes'), 'Peak RSS size');
  assert.equal(figureLabel('cpuSecondsPerGc'), 'CPU seconds per GC');
  assert.equal(figureLabel('p99'), 'P99');
});
