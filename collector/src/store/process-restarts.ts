// What counts as a process restart: one rule for the advisor's restart loop (advisor/restarts.ts,
// which reads the events to group them) and the `restart.count` alert series (which counts them
// in SQL, sqlite/queries/event-counts.ts, so every one of a busy window is counted):
// - a restart event (the writer's: sqlite/writer.ts) of a serving process; a cluster primary
//   only hands out connections, its restart is part of its cluster's;
// - a cluster worker its primary reported dead without asking it to end (workerExitFailed) that
//   no restart event of the window names as the process it replaced: the cluster re-forks it,
//   and the re-fork of a young worker is often no restart event (it is no established peer's
//   replacement, and a worker killed within a second often sent nothing to name).
import type { JsonValue } from '../api-types';
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
