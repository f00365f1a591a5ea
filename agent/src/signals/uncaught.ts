// Uncaught exceptions and unhandled rejections, recorded without changing what the app does
// about them: 'uncaughtExceptionMonitor' observes without handling (an 'uncaughtException'
// or 'unhandledRejection' listener of ours would stop the process from crashing). Rejections
// an app handles with its own 'unhandledRejection' listener never reach the monitor, so
// `process.emit` is wrapped to see those (and only those) as well.
import type { Attributes } from '@opentelemetry/api';
import type { Logger } from '@opentelemetry/api-logs';
import { describe, guard } from '../report';
import { ATTR, EVENTS } from './meter';

const kPatched = Symbol.for('headroom.agent.emitPatched');
const MAX_STACK = 4000;

function errorAttributes(err: unknown): Attributes {
  const attrs: Attributes = { 'exception.message': describe(err).slice(0, 1000) };
  if (err instanceof Error) {
    attrs['exception.type'] = err.name;
    if (err.stack) attrs['exception.stacktrace'] = err.stack.slice(0, MAX_STACK);
  } else {
    attrs['exception.type'] = typeof err;
  }
  return attrs;
}

export function watchUncaught(logger: Logger, onFatal: () => void): void {
  const record = guard('uncaught', (event: string, err: unknown, fatal: boolean) => {
    logger.emit({
      eventName: event,
      severityText: fatal ? 'FATAL' : 'ERROR',
      body: describe(err).slice(0, 1000),
      attributes: { [ATTR.eventName]: event, ...errorAttributes(err), 'headroom.fatal': fatal },
    });
    if (fatal) onFatal();
  });

  process.on('uncaughtExceptionMonitor', (err: Error, origin: string) => {
    // Without an app listener for 'uncaughtException' the process exits right after this —
    // unless a capture callback takes the error instead: a domain's (restify's
    // handleUncaughtExceptions), which answers the request and goes on, so the agent must too.
    const fatal = process.listenerCount('uncaughtException') === 0 && !process.hasUncaughtExceptionCaptureCallback();
    record(origin === 'unhandledRejection' ? EVENTS.unhandledRejection : EVENTS.uncaughtException, err, fatal);
  });

  const proc = process as NodeJS.Process & { [kPatched]?: boolean };
  if (proc[kPatched]) return;
  Object.defineProperty(proc, kPatched, { value: true });
  const originalEmit = process.emit;
  process.emit = function emit(this: NodeJS.Process, event: string | symbol, ...args: unknown[]): boolean {
    const handled = (originalEmit as (e: string | symbol, ...a: unknown[]) => boolean).apply(this, [event, ...args]);
    if (event === 'unhandledRejection' && handled) record(EVENTS.unhandledRejection, args[0], false);
    return handled;
  } as typeof process.emit;
}
