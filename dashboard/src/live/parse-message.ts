// Frames from /ws are checked before use: a malformed one is dropped, never half-applied.

import type { LiveServerMessage } from '@headroom/collector/api-types';

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null;
}

export function parseLiveMessage(text: string): LiveServerMessage | null {
  let msg: unknown;
  try {
    msg = JSON.parse(text);
  } catch {
    return null;
  }
  if (!isObject(msg) || typeof msg.type !== 'string') return null;
  switch (msg.type) {
    case 'hello':
      return typeof msg.serverTime === 'number' ? (msg as LiveServerMessage) : null;
    case 'aggregate':
      return isObject(msg.aggregate) && typeof msg.aggregate.service === 'string' && typeof msg.aggregate.t === 'number'
        ? (msg as LiveServerMessage)
        : null;
    case 'event':
      return isObject(msg.event) && typeof msg.event.service === 'string' ? (msg as LiveServerMessage) : null;
    case 'process':
      return isObject(msg.process) && typeof msg.process.service === 'string' && typeof msg.process.instanceId === 'string' ? (msg as LiveServerMessage) : null;
    case 'trace':
      return isObject(msg.trace) && typeof msg.trace.traceId === 'string' ? (msg as LiveServerMessage) : null;
    case 'alert':
      return isObject(msg.transition) && typeof msg.transition.service === 'string' && typeof msg.transition.to === 'string' ? (msg as LiveServerMessage) : null;
    case 'resync':
      return msg as LiveServerMessage;
    default:
      return null;
  }
}
