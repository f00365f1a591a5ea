// Every failure line the agent writes about an outage is followed by a recovery line when the
// collector answers again, whatever the rate limit (QA4: an app's log ended on "cannot deliver
// telemetry" although the collector was back and nothing more was lost). The real bookkeeping
// and warning writer, with the clock moved by hand. A file of its own: the warning rate limit
// is per process.
import assert from 'node:assert/strict';
import { ExportResultCode } from '@opentelemetry/core';
import { test } from 'node:test';
import { ExportHealth } from '../../agent/src/export/health';
import { setReportSink } from '../../agent/src/report';

test('a second outage a minute after the first still ends on its recovery line', (t) => {
  const lines: string[] = [];
  setReportSink((line) => lines.push(line));
  const realNow = Date.now;
  let now = 1_800_000_000_000;
  Date.now = () => now;
  t.after(() => {
    Date.now = realNow;
    setReportSink((line) => void process.stderr.write(line));
  });
  const health = new ExportHealth('http://127.0.0.1:4318/v1/traces');
  const down = { code: ExportResultCode.FAILED, error: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:4318'), { code: 'ECONNREFUSED' }) };

  health.failed('spans', 0, down); // t = 0: written
  now += 50_000;
  health.delivered('spans', 1); // t = 50 s: written
  now += 15_000;
  health.failed('spans', 0, down); // t = 65 s: a minute after the first failure line, written
  now += 5_000;
  health.delivered('spans', 1); // t = 70 s: 20 s after the last recovery line, yet it must be written

  const kinds = lines.map((l) => /HR_AGENT_EXPORT_(FAILED|RECOVERED)/.exec(l)?.[1]);
  assert.deepEqual(kinds, ['FAILED', 'RECOVERED', 'FAILED', 'RECOVERED']);

  // A failure the limiter kept quiet leaves no line to end: its recovery follows the limit.
  now += 5_000;
  health.failed('spans', 0, down); // t = 75 s: within a minute of the last failure line, quiet
  now += 5_000;
  health.delivered('spans', 1);
  assert.equal(lines.length, 4, lines.join(''));
});
