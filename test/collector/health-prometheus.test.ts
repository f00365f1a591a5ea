import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderPrometheus } from '../../collector/src/health/prometheus-text';

describe('Prometheus text exposition', () => {
  it('writes counters and gauges with escaped labels and help', () => {
    const text = renderPrometheus([
      {
        name: 'x_total',
        help: 'A counter\nwith a newline and a \\ backslash.',
        type: 'counter',
        samples: [
          { labels: { signal: 'traces' }, value: 3 },
          { labels: { signal: 'we"ird\\\n' }, value: 0 },
        ],
      },
      { name: 'g', help: 'gauge', type: 'gauge', samples: [{ value: 1.5 }, { labels: {}, value: Infinity }] },
    ]);
    assert.equal(
      text,
      [
        '# HELP x_total A counter\\nwith a newline and a \\\\ backslash.',
        '# TYPE x_total counter',
        'x_total{signal="traces"} 3',
        'x_total{signal="we\\"ird\\\\\\n"} 0',
        '# HELP g gauge',
        '# TYPE g gauge',
        'g 1.5',
        'g +Inf',
        '',
      ].join('\n'),
    );
  });

  it('writes histograms with cumulative buckets, +Inf, sum and count', () => {
    const text = renderPrometheus([
      {
        name: 'h_seconds',
        help: 'h',
        type: 'histogram',
        samples: [{ labels: { a: 'b' }, histogram: { bounds: [0.01, 0.1, 1], counts: [2, 3, 0, 1], sum: 1.75, count: 6 } }],
      },
    ]);
    assert.deepEqual(text.trim().split('\n').slice(2), [
      'h_seconds_bucket{a="b",le="0.01"} 2',
      'h_seconds_bucket{a="b",le="0.1"} 5',
      'h_seconds_bucket{a="b",le="1"} 5',
      'h_seconds_bucket{a="b",le="+Inf"} 6',
      'h_seconds_sum{a="b"} 1.75',
      'h_seconds_count{a="b"} 6',
    ]);
  });
});
