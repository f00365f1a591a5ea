// CPU time of the thread that runs this event loop, for telling a stall of running code from
// one where the thread hardly ran (descheduled, or in a blocking system call). The process's
// CPU counts every thread — GC helpers, libuv's pool hashing for other requests, the watchdog
// — so a starved loop could read as busy and a busy one could not be told from a crowded
// pool (QA3: a starved busy loop and a route hashing on the pool both read ~31 %).
import { closeSync, openSync, readSync } from 'node:fs';

export interface CpuClock {
  /** CPU time in ms, monotonic; differences between two reads are what counts. NaN if unreadable. */
  readMs: () => number;
  /** `thread`: the loop's own thread; `process`: all threads (no per-thread clock here). */
  scope: 'thread' | 'process';
  close: () => void;
}

const processClock: CpuClock = {
  readMs: () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  },
  scope: 'process',
  close: () => undefined,
};

/**
 * The calling thread's CPU clock. Node 20 has no per-thread CPU call (`process.threadCpuUsage`
 * came in 23.9), so on Linux it reads the scheduler's own account of the thread,
 * `/proc/thread-self/schedstat` (first field: ns on CPU, exact where `stat` counts 10 ms
 * ticks), through one descriptor opened here — it stays bound to this thread — read from
 * offset 0 each time (one pread, a few µs; the stall ticker reads it 50 times a second).
 * Elsewhere, or if that file cannot be read, the process's CPU.
 */
export function threadCpuClock(): CpuClock {
  const native = (process as { threadCpuUsage?: () => { user: number; system: number } }).threadCpuUsage;
  if (typeof native === 'function') {
    return {
      readMs: () => {
        const u = native.call(process);
        return (u.user + u.system) / 1000;
      },
      scope: 'thread',
      close: () => undefined,
    };
  }
  let fd: number;
  try {
    fd = openSync('/proc/thread-self/schedstat', 'r');
  } catch {
    return processClock;
  }
  const buf = Buffer.alloc(128);
  const read = (): number => {
    const n = readSync(fd, buf, 0, buf.length, 0);
    const space = buf.indexOf(0x20);
    return Number(buf.toString('latin1', 0, space > 0 && space < n ? space : n)) / 1e6;
  };
  let first: number;
  try {
    first = read();
  } catch {
    closeSync(fd);
    return processClock;
  }
  if (!Number.isFinite(first)) {
    closeSync(fd);
    return processClock;
  }
  return {
    readMs: () => {
      try {
        return read();
      } catch {
        return Number.NaN; // the descriptor stopped answering (it should not): no figure, not 0
      }
    },
    scope: 'thread',
    close: () => {
      try {
        closeSync(fd);
      } catch {
        // already closed
      }
    },
  };
}
