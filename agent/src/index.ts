// `require('@headroom/agent')` as the first line of an app starts the agent.
import { runningAgent, start } from './start';

start({ esmHook: true });

export type { RunningAgent } from './agent';
export type { AgentSettings } from './config/settings';
export { readSettings } from './config/settings';

/** Flushes and stops the agent (bounded by HEADROOM_SHUTDOWN_TIMEOUT_MS). Never rejects. */
export function shutdown(): Promise<void> {
  return runningAgent()?.shutdown() ?? Promise.resolve();
}
