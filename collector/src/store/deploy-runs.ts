// A service's deploys from its processes: every change of running version, rollbacks included.
// A deploy is the first process of a version that starts after a process of another version did
// (processes taken in the order they were first seen), while none of its own version runs:
// 1.0 → 2.0 → 1.0 is three deploys, while an old worker re-forked in the middle of a rolling
// deploy, beside old ones still serving, joins the deploy its version is already running under.
// Processes that sent no version are in no deploy. Backend-independent.

/** One process as the deploys need it. */
export interface DeployProcess {
  instanceId: string;
  version: string | null;
  revision: string | null;
  /** Epoch ms: its first and latest data. */
  firstSeen: number;
  lastSeen: number;
  /** It said it ended (its stop event, or its primary's exit for it): it ran until lastSeen, no grace. */
  ended?: boolean;
}

export interface DeployRun {
  version: string | null;
  revision: string | null;
  /** Its first process's first data: the deploy. */
  firstSeen: number;
  /** Its processes' latest data. */
  lastSeen: number;
  /** Its processes, first seen first. */
  processes: DeployProcess[];
  /** The latest data of its processes that did not say they ended (null: none): they may run on a while (RUNNING_GRACE_MS). */
  silentLastSeen: number | null;
  /**
   * When it stopped: its processes' latest data, once none of them may still run at the `now`
   * deployRuns was given (runsAt); null while one may. Its after side ends there.
   */
  stoppedAt: number | null;
}

/**
 * How long after its latest data a process counts as still running, unless it said it ended: a
 * process reports at least every metric export interval, 60 s by OpenTelemetry's default
 * (Headroom's agent: 3 s). A process stopped in a deploy says so, so a rollback soon after is
 * still one.
 */
export const RUNNING_GRACE_MS = 2 * 60_000;

/**
 * Whether one of the run's processes may still run at `at`, given when a process of another
 * version last started before then (`otherStart`). Data up to `at` says so; a process that went
 * silent without saying it ended may run on within the grace (its next export not due yet),
 * unless a process of another version started after its last data: that one replaced it (a
 * stop-then-start deploy, then a rollback a minute later, is three deploys, not one run). When
 * the other version started while it still reported (a rolling deploy), the grace holds: an old
 * worker re-forked then, or an SDK that exports every minute, cannot be told from a rollback.
 */
function runsAt(run: DeployRun, at: number, otherStart: number): boolean {
  if (run.lastSeen >= at) return true;
  const silent = run.silentLastSeen;
  return silent !== null && silent + RUNNING_GRACE_MS >= at && otherStart <= silent;
}

const versionKey = (p: { version: string | null; revision: string | null }): string => JSON.stringify([p.version, p.revision]);

/**
 * The latest start of a process of each version but one, as processes are taken in order: the
 * latest start of all, and the latest of the versions other than that one's.
 */
class LatestStarts {
  private latest: { key: string; at: number } | null = null;
  private otherThanLatest = -Infinity;

  add(key: string, at: number): void {
    if (this.latest !== null && this.latest.key !== key) this.otherThanLatest = this.latest.at;
    this.latest = { key, at };
  }

  /** The latest start of a process of another version than `key`; -Infinity when none. */
  otherThan(key: string): number {
    if (this.latest === null) return -Infinity;
    return this.latest.key !== key ? this.latest.at : this.otherThanLatest;
  }
}

/** The deploys of `processes` (any order), oldest first, each stopped or not at `now` (epoch ms). */
export function deployRuns(processes: readonly DeployProcess[], now: number): DeployRun[] {
  const versioned = processes
    .filter((p) => p.version !== null || p.revision !== null)
    .sort((a, b) => a.firstSeen - b.firstSeen || (a.instanceId < b.instanceId ? -1 : a.instanceId > b.instanceId ? 1 : 0));
  const runs: DeployRun[] = [];
  // Each version's latest deploy, with its first process's place in the order. A process of the
  // version joins it while one of its processes runs, or when no other version's process started
  // since it began (a version stopped and started again is no change). Every process of the
  // version after that place is in the deploy, so the others in between are other versions'.
  const latest = new Map<string, { run: DeployRun; firstIndex: number }>();
  const starts = new LatestStarts();
  for (const [i, p] of versioned.entries()) {
    const key = versionKey(p);
    const current = latest.get(key);
    const running = current !== undefined && runsAt(current.run, p.firstSeen, starts.otherThan(key));
    const replaced = current !== undefined && i - current.firstIndex > current.run.processes.length;
    const silentLastSeen = p.ended === true ? null : p.lastSeen;
    if (current && (running || !replaced)) {
      const run = current.run;
      run.processes.push(p);
      run.lastSeen = Math.max(run.lastSeen, p.lastSeen);
      if (silentLastSeen !== null) run.silentLastSeen = Math.max(run.silentLastSeen ?? silentLastSeen, silentLastSeen);
    } else {
      const run: DeployRun = { version: p.version, revision: p.revision, firstSeen: p.firstSeen, lastSeen: p.lastSeen, processes: [p], silentLastSeen, stoppedAt: null };
      runs.push(run);
      latest.set(key, { run, firstIndex: i });
    }
    starts.add(key, p.firstSeen);
  }
  for (const run of runs) if (!runsAt(run, now, starts.otherThan(versionKey(run)))) run.stoppedAt = run.lastSeen;
  return runs;
}
