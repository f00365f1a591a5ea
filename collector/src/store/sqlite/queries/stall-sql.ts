// A stall event's judgements in SQL, for every query that groups or counts stalls (the
// event-loop page's groups, the advisor's and the alerts' tallies), so they cannot disagree.
import { HARDLY_RAN_SHARE, STALL_CPU_ATTRIBUTE } from '../../stall-cpu';
import { STALL_AGENT_ATTRIBUTE } from '../../stall-agent';
import { STALL_GC_ATTRIBUTE } from '../../stall-gc';

/**
 * stall-cpu.ts's hardlyRan: 1 when the CPU time is a number of at least 0 and under a third of
 * the stall's duration (a missing or malformed one is not counted as starved), else 0.
 */
export const HARDLY_RAN_SQL = `CASE WHEN json_type(attributes, '$."${STALL_CPU_ATTRIBUTE}"') IN ('integer', 'real')
    AND json_extract(attributes, '$."${STALL_CPU_ATTRIBUTE}"') >= 0 AND duration_ms > 0
    AND json_extract(attributes, '$."${STALL_CPU_ATTRIBUTE}"') < duration_ms * ${HARDLY_RAN_SHARE} THEN 1 ELSE 0 END`;

/**
 * A stall's CPU time as stall-cpu.ts reads it (a number of at least 0), at most its duration; NULL
 * when the stall has none (agents before the CPU time was sent) or a malformed one.
 */
export const STALL_CPU_MS_SQL = `CASE WHEN json_type(attributes, '$."${STALL_CPU_ATTRIBUTE}"') IN ('integer', 'real')
    AND json_extract(attributes, '$."${STALL_CPU_ATTRIBUTE}"') >= 0
    THEN min(json_extract(attributes, '$."${STALL_CPU_ATTRIBUTE}"'), duration_ms) END`;

/** stall-agent.ts's agentStall: 1 for a JSON true (json_type tells it from the number 1), else 0. */
export const AGENT_STALL_SQL = `CASE WHEN json_type(attributes, '$."${STALL_AGENT_ATTRIBUTE}"') = 'true' THEN 1 ELSE 0 END`;

/** stall-gc.ts's gcStall: 1 for a JSON true, else 0. */
export const GC_STALL_SQL = `CASE WHEN json_type(attributes, '$."${STALL_GC_ATTRIBUTE}"') = 'true' THEN 1 ELSE 0 END`;
