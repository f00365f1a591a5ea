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
}

/**
 * How long after its latest data a process counts as still running: a process reports at least
 * every metric export interval, 60 s by OpenTelemetry's default (Headroom's agent: 3 s).
 */
export const RUNNING_GRACE_MS = 2 * 60_000;

const versionKey = (p: { version: string | null; revision: string | null }): string => JSON.stringify([p.version, p.revision]);

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
    const running = current !== undefined && current.run.lastSeen + RUNNING_GRACE_MS >= p.firstSeen;
    const replaced = current !== undefined && i - current.firstIndex > current.run.processes.length;
    if (current && (running || !replaced)) {
      current.run.processes.push(p);
      current.run.lastSeen = Math.max(current.run.lastSeen, p.lastSeen);
    } else {
      const run: DeployRun = { version: p.version, revision: p.revision, firstSeen: p.firstSeen, lastSeen: p.lastSeen, processes: [p] };
      runs.push(run);
      latest.set(key, { run, firstIndex: i });
    }
  }
  return runs;
}
