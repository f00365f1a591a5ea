// Thread-pool queue wait: libuv runs fs, dns.lookup, crypto (pbkdf2, scrypt, randomFill…) and
// zlib work on a pool of UV_THREADPOOL_SIZE threads (default 4), and Node exposes no queue
// length for it. So a probe: every PROBE_MS one trivial pool job (a 1-byte crypto.randomFill)
// is queued and the time until its callback runs is measured. On an idle pool that is well
// under a millisecond; when the pool is busy the probe waits behind the queued work, so the
// figure is the wait any fs/dns/crypto/zlib call sees. At most one probe is out at a time;
// one still waiting at export time counts with its wait so far, so a wedged pool shows too.
// (Event-loop delay adds to the figure; the advisor reads it next to the loop delay.)
import type { Meter } from '@opentelemetry/api';
import { randomFill } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { guard } from '../report';

const PROBE_MS = 250;

export function registerThreadPoolProbe(meter: Meter): () => void {
  const gauge = meter.createObservableGauge('headroom.nodejs.threadpool.queue_wait', {
    unit: 's',
    description: 'Mean time a trivial libuv thread-pool job waited for its callback, over the interval',
  });
  const buffer = Buffer.alloc(1);
  let outstandingSince: number | null = null;
  let sum = 0;
  let count = 0;
  const probe = guard('thread-pool probe', () => {
    if (outstandingSince !== null) return;
    const started = performance.now();
    outstandingSince = started;
    randomFill(buffer, () => {
      sum += performance.now() - started;
      count++;
      outstandingSince = null;
    });
  });
  const timer = setInterval(probe, PROBE_MS);
  timer.unref();
  gauge.addCallback((result) => {
    let s = sum;
    let c = count;
    if (outstandingSince !== null) {
      s += performance.now() - outstandingSince;
      c++;
    }
    sum = 0;
    count = 0;
    if (c > 0) result.observe(s / c / 1000);
  });
  return () => clearInterval(timer);
}
