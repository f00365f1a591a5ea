// Whether a stall was Headroom's agent's own work (serialising an export, collecting metrics)
// rather than the app's code: the agent marks those `headroom.stall.agent = true` and names no
// route (docs/event-loop-stalls.md). The advisor does not blame a route for them and the
// event-loop page says whose they were (the dashboard imports this file).

export const STALL_AGENT_ATTRIBUTE = 'headroom.stall.agent';

export function agentStall(attributes: Record<string, unknown>): boolean {
  return attributes[STALL_AGENT_ATTRIBUTE] === true;
}
