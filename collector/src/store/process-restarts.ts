// What counts as a process restart: a start takes the place of a process (store/sqlite/writer.ts
// decides which, docs/collector-store.md "Restarts") and is its restart unless it was replaced on
// purpose (replacedOnPurpose). And one rule for the advisor's restart loop (advisor/restarts.ts,
// which reads the events to group them) and the `restart.count` alert series (which counts them
// in SQL, sqlite/queries/event-counts.ts, so every one of a busy window is counted):
// - a restart event (the writer's: sqlite/writer.ts) of a serving process; a cluster primary
//   only hands out connections, its restart is part of its cluster's;
// - a cluster worker its primary reported dead without asking it to end (workerExitFailed) that
//   no restart event of the window names as the process it replaced: the cluster re-forks it,
//   and the re-fork of a young worker is often no restart event (it is no established peer's
//   replacement, and a worker killed within a second often sent nothing to name).
import type { InstanceStop, JsonValue } from '../api-types';
import { stopIsCrash, workerExitStop } from './instance-stop';

/** The instance a restart replaced, as the writer names it. */
export const RESTART_PREVIOUS_ATTRIBUTE = 'headroom.restart.previous_instance';
/** The restarted process's cluster role, as its start event said it. */
export const RESTART_ROLE_ATTRIBUTE = 'headroom.setting.cluster_role';

/**
 * A worker exit its primary did not ask for: killed by a signal the primary did not send (SIGKILL
 * is also the OOM killer's) or an exit with an error code. In SQL: FAILED_WORKER_EXIT_SQL.
 */
export function workerExitFailed(attributes: Record<string, JsonValue>): boolean {
  const stop = workerExitStop(0, null, attributes);
  return stop.reason === 'killed' || (stop.reason === 'exit' && stopIsCrash(stop));
}

/** The build a process runs (service.version, the VCS revision: sqlite/resource-version.ts); null where its resource names none. */
export interface ProcessBuild {
  version: string | null;
  revision: string | null;
}

/** Both name a version (or both a revision) and they differ. A side that names none tells nothing. */
function otherBuild(a: ProcessBuild, b: ProcessBuild): boolean {
  return (a.version !== null && b.version !== null && a.version !== b.version) || (a.revision !== null && b.revision !== null && a.revision !== b.revision);
}

/**
 * A process a start took the place of was replaced on purpose, not restarted: the new process runs
 * another build (a deploy), or the old one's end says it was asked to end and did so cleanly
 * (SIGTERM/SIGINT from a deploy tool or `pm2 reload`, an exit with code 0, an empty loop; for a
 * cluster worker that sent no stop, its primary's exit for it: disconnected or killed by the
 * primary itself, sqlite/process-end.ts).
 * A restart is a sign of trouble: a crash, an error exit, a kill that leaves no stop event
 * (SIGKILL, the OOM killer), a supervisor re-spawning what failed. So every rolling deploy does not
 * paint its new processes as restarted, nor feed the restart loop and `restart.count`.
 */
export function replacedOnPurpose(previous: { build: ProcessBuild; stop: InstanceStop | null }, next: ProcessBuild): boolean {
  return otherBuild(previous.build, next) || (previous.stop !== null && !stopIsCrash(previous.stop));
}
