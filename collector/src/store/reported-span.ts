// The time a process reported within a range: what a throughput is a rate over. Its requests are
// those of its reports, so its last report ends the time, not the end of that report's minute (a
// process 1.8 minutes old averaged over the 3 minutes it touched read 40 % low: QA s14; a deploy's
// new process over the minutes from its deploy's to the current one's read half its rate: s15).
// Its first report is its start when it sent one (Headroom's agent's start event); without one,
// its first export counted requests from before it (an export interval, up to a minute), so its
// first minute counts whole.
import { unionLength } from './interval-union';
import { MINUTE_MS } from './time-buckets';

export interface ReportingProcess {
  /** Epoch ms: its first and latest data. */
  firstSeen: number;
  lastSeen: number;
  /** Whether it sent a start event. */
  started: boolean;
}

/** [from, to) of the process's reported time within [from, to); empty when it ran outside it. */
export function reportedSpan(p: ReportingProcess, from: number, to: number): [number, number] {
  const start = Math.max(from, p.started ? p.firstSeen : Math.floor(p.firstSeen / MINUTE_MS) * MINUTE_MS);
  return [start, Math.min(to, Math.max(p.lastSeen, start))];
}

/**
 * The time within [from, to) any of the processes reported (each counted once where they overlap),
 * at least a minute (of the range): a rate over a few seconds' requests is noise.
 */
export function reportedMs(processes: Iterable<ReportingProcess>, from: number, to: number): number {
  const spans: [number, number][] = [];
  for (const p of processes) spans.push(reportedSpan(p, from, to));
  return Math.max(Math.min(MINUTE_MS, to - from), unionLength(spans));
}
