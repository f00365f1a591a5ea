// A trace worker: decodes and normalises trace requests off the receiver's thread (pool.ts).
import { parentPort } from 'node:worker_threads';
import { otlpTypes } from '../decode/proto-root';
import { decodeTraces } from './decode-traces';
import type { DecodeTask } from './messages';

const port = parentPort;
if (port) {
  otlpTypes(); // load the .proto files now, not on the first request
  port.on('message', (task: DecodeTask) => port.postMessage(decodeTraces(task)));
}
