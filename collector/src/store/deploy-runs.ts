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
  /** Until when one of its processes may still run: the latest lastSeen, plus the grace for a process that did not say it ended. */
  runningUntil: number;
}

/**
 * How long after its latest data a process counts as still running, unless it said it ended: a
 * process reports at least every metric export interval, 60 s by OpenTelemetry's default
 * (Headroom's agent: 3 s). A process stopped in a deploy says so, so a rollback soon after is
 * still one.
 */
export const RUNNING_GRACE_MS = 2 * 60_000;

/** Until when a process may still be running. */
const runsUntil = (p: DeployProcess): number => (p.ended === true ? p.lastSeen : p.lastSeen + RUNNING_GRACE_MS);

const versionKey = (p: { version: string | null; revision: string | null }): string => JSON.stringify([p.version, p.revision]);

/**
 * When the run stopped: its processes' latest data, once none of them may still run at `now` (the
 * rule above for ends); null while one may. Its after side ends there, not at the window's end.
 */
export const stoppedAt = (run: DeployRun, now: number): number | null => (run.runningUntil < now ? run.lastSeen : null);

/** The deploys of `processes` (any order), oldest first. */
export function deployRuns(processes: readonly DeployProcess[]): DeployRun[] {
  const versioned = processes
    .filter((p) => p.version !== null || p.revision !== null)
    .sort((a, b) => a.firstSeen - b.firstSeen || (a.instanceId < b.instanceId ? -1 : a.instanceId > b.instanceId ? 1 : 0));
  const runs: DeployRun[] = [];
  // Each version's latest deploy, with its first process's place in the order. A process of the
  // version joins it while one of its processes runs, or when no other version's process started
  // since it began (a version stopped and started again is no change). Every process of the
  // version after that place is in the deploy, so the others in between are other versions'.
  const latest = new Map<string, { run: DeployRun; firstIndex: number }>();
  for (const [i, p] of versioned.entries()) {
    const key = versionKey(p);
    const current = latest.get(key);
    const running = current !== undefined && current.run.runningUntil >= p.firstSeen;
    const replaced = current !== undefined && i - current.firstIndex > current.run.processes.length;
    if (current && (running || !replaced)) {
      current.run.processes.push(p);
      current.run.lastSeen = Math.max(current.run.lastSeen, p.lastSeen);
      current.run.runningUntil = Math.max(current.run.runningUntil, runsUntil(p));
    } else {
      const run: DeployRun = { version: p.version, revision: p.revision, firstSeen: p.firstSeen, lastSeen: p.lastSeen, processes: [p], runningUntil: runsUntil(p) };
      runs.push(run);
      latest.set(key, { run, firstIndex: i });
    }
  }
  return runs;
}
