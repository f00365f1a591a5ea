// Deployments → names, chart markers and before/after rows, without a browser.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Deployment, DeployWindow } from '@headroom/collector/api-types';
import { comparisonRows, deploymentName, deploymentsToMarkers, errorRateNote, rangeAround } from '../../dashboard/src/shape/deployments';

const MINUTE = 60_000;

function side(patch: Partial<DeployWindow> = {}): DeployWindow {
  return { from: 0, to: 30 * MINUTE, processes: 'others', instances: 2, requests: 600, throughputRpm: 20, errorRate: 0.01, errorRateRequests: 600, p50Ms: 10, p95Ms: 40, apdex: 0.95, ...patch };
}

function deployment(patch: Partial<Deployment> = {}): Deployment {
  return { version: '1.2.0', revision: null, firstSeen: 29 * MINUTE + 5_000, lastSeen: 40 * MINUTE, stoppedAt: null, instances: 2, before: side(), after: side({ from: 29 * MINUTE, to: 39 * MINUTE, processes: 'deployed' }), afterAboveBeforeP95: 0.05, ...patch };
}

test('a version is named with its short revision; a revision alone, or nothing, says so', () => {
  assert.equal(deploymentName({ version: '1.2.0', revision: 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678' }), '1.2.0 (a1b2c3d4e5f6)');
  assert.equal(deploymentName({ version: '1.2.0', revision: 'v42' }), '1.2.0 (v42)', 'a revision that is no SHA stays whole');
  assert.equal(deploymentName({ version: null, revision: 'abc1234' }), 'revision abc1234');
  assert.equal(deploymentName({ version: null, revision: null }), 'unknown version');
});

test('a deploy inside the range is a marker at its first sighting, linking to the deployments, oldest first', () => {
  const later = deployment({ version: '1.3.0', firstSeen: 50 * MINUTE });
  const outside = deployment({ version: '1.0.0', firstSeen: -5 * MINUTE });
  assert.deepEqual(deploymentsToMarkers([later, deployment(), outside], 0, 60 * MINUTE), [
    { timeMs: 29 * MINUTE + 5_000, kind: 'deploy', label: 'deployed 1.2.0', link: { page: 'deployments' } },
    { timeMs: 50 * MINUTE, kind: 'deploy', label: 'deployed 1.3.0', link: { page: 'deployments' } },
  ]);
  assert.deepEqual(rangeAround(deployment()), { kind: 'custom', from: 0, to: 39 * MINUTE });
});

test('before/after rows: ratios for latency, points for error rate and Apdex, and whether each is worse', () => {
  const rows = comparisonRows(side(), side({ throughputRpm: 22, errorRate: 0.05, p50Ms: 10.2, p95Ms: 400, apdex: 0.7 }));
  assert.deepEqual(rows, [
    { label: 'Throughput', before: '20 rpm', after: '22 rpm', change: '+10 %', direction: null },
    { label: 'Error rate', before: '1 %', after: '5 %', change: '+4 pts', direction: 'worse', note: 'Error rate: it leaves out the requests no route matched that did not fail (scanner 404s), as error-rate alert rules do.' },
    { label: 'p50', before: '10 ms', after: '10.2 ms', change: '+2.0 %', direction: 'same' },
    { label: 'p95', before: '40 ms', after: '400 ms', change: '×10', direction: 'worse' },
    { label: 'Apdex', before: '0.95', after: '0.70', change: '−0.25', direction: 'worse' },
  ]);
  const better = comparisonRows(side(), side({ p95Ms: 20, errorRate: 0 }));
  assert.deepEqual(better.map((r) => [r.label, r.change, r.direction]).slice(1, 4), [['Error rate', '−1 pt', 'better'], ['p50', 'no change', 'same'], ['p95', '−50 %', 'better']]);
  // One point is 'pt', as a person writes it; 2 and 0.1 are 'pts'.
  assert.equal(comparisonRows(side(), side({ errorRate: 0.02 }))[1]?.change, '+1 pt');
  // A change too small to show is no change, not '−0.00' or '−<0.1 pts': the difference of the
  // figures as shown (1.04 % and 1.06 % read '1 %' and '1.1 %': +0.1 pts).
  const tiny = comparisonRows(side({ errorRate: 0.0004, apdex: 0.951, p50Ms: 10 }), side({ errorRate: 0.0001, apdex: 0.949, p50Ms: 10.004 }));
  assert.deepEqual(tiny.map((r) => [r.label, r.before, r.after, r.change, r.direction]).slice(1), [
    ['Error rate', '<0.1 %', '<0.1 %', 'no change', 'same'],
    ['p50', '10 ms', '10 ms', 'no change', 'same'],
    ['p95', '40 ms', '40 ms', 'no change', 'same'],
    ['Apdex', '0.95', '0.95', 'no change', 'same'],
  ]);
  const shown = comparisonRows(side({ errorRate: 0.0104, apdex: 0.954 }), side({ errorRate: 0.0106, apdex: 0.946 }));
  assert.deepEqual(shown.filter((r) => r.label === 'Error rate' || r.label === 'Apdex').map((r) => [r.before, r.after, r.change]), [['1 %', '1.1 %', '+0.1 pts'], ['0.95', '0.95', 'no change']]);
  // Too few requests for a p95 (20 needed), or none at all: a dash, no change claimed.
  const few = comparisonRows(side({ requests: 0, throughputRpm: 0, errorRate: null, p50Ms: null, p95Ms: null, apdex: null }), side({ requests: 10 }));
  assert.deepEqual(few.map((r) => [r.label, r.before, r.after, r.change, r.direction]), [
    ['Throughput', '0 rpm', '20 rpm', 'new', null],
    ['Error rate', '–', '1 %', '–', null],
    ['p50', '–', '10 ms', '–', null],
    ['p95', '–', '–', '–', null],
    ['Apdex', '–', '0.95', '–', null],
  ]);
});

test("the error rate's note counts, per side, the requests no route matched that did not fail, which the rate leaves out", () => {
  const rule = 'Error rate: it leaves out the requests no route matched that did not fail (scanner 404s), as error-rate alert rules do';
  assert.equal(errorRateNote(side({ requests: 17_112, errorRateRequests: 15_848 }), side({ requests: 2_779, errorRateRequests: 2_541 })), `${rule}: 1,264 of the 17,112 requests before, 238 of the 2,779 requests after.`);
  // A side that left none out is not named; with none on either side the rule alone is said.
  assert.equal(errorRateNote(side(), side({ requests: 50, errorRateRequests: 40 })), `${rule}: 10 of the 50 requests after.`);
  assert.equal(errorRateNote(side(), side()), `${rule}.`);
  // A first version's before side has no requests: nothing to say of it.
  assert.equal(errorRateNote(side({ requests: 0, errorRateRequests: 0 }), side({ requests: 100, errorRateRequests: 40 })), `${rule}: 60 of the 100 requests after.`);
});
