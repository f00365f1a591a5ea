// One trace request decoded and normalised as a worker does it (worker.ts), kept apart from
// the worker's plumbing so it can be called and tested on any thread.
import { emptyBatch } from '../../model';
import { decodeJson } from '../decode/json';
import { DecodeError } from '../decode/otlp-types';
import { decodeProtobuf } from '../decode/protobuf';
import { bodyViolation } from '../field-violation';
import { normaliseTraces } from '../normalise/traces';
import { toRow, type DecodeReply, type DecodeTask } from './messages';

export function decodeTraces(task: DecodeTask): DecodeReply {
  const { id } = task;
  try {
    let decoded;
    try {
      const body = Buffer.from(task.body.buffer, task.body.byteOffset, task.body.byteLength);
      decoded = task.encoding === 'protobuf' ? decodeProtobuf('traces', body) : decodeJson('traces', body);
    } catch (err) {
      // The same errors the receiver answers 400 for when it decodes in its own thread.
      if (err instanceof DecodeError) return { id, ok: false, invalid: true, message: err.message, violations: err.violations };
      if (err instanceof RangeError) return { id, ok: false, invalid: true, message: err.message, violations: [bodyViolation(err.message)] };
      throw err;
    }
    const batch = emptyBatch();
    const outcome = normaliseTraces(decoded, batch, task.receivedNs);
    return {
      id,
      ok: true,
      instances: batch.instances,
      spans: batch.spans.map(toRow),
      received: outcome.received,
      rejected: outcome.rejected,
      cut: outcome.cut,
      message: outcome.message(),
    };
  } catch (err) {
    return { id, ok: false, invalid: false, message: err instanceof Error ? err.message : String(err) };
  }
}
