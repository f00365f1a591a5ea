// Delivering the last events when the process is about to die of an uncaught exception.
// Node exits right after 'uncaughtExceptionMonitor'; no timer, socket or promise of ours
// runs again. So the queued log records (the crash event among them) are serialised here
// and sent by a short-lived child process that this thread waits for, bounded by a timeout.
// It runs once per process, on the crash path only.
import { ProtobufLogsSerializer } from '@opentelemetry/otlp-transformer';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { execFileSync } from 'node:child_process';

const SENDER = `
const chunks = [];
process.stdin.on('data', (c) => chunks.push(c));
process.stdin.on('end', () => {
  const body = Buffer.concat(chunks);
  const url = new URL(process.env.HEADROOM_CRASH_URL);
  const req = require(url.protocol === 'https:' ? 'node:https' : 'node:http').request(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-protobuf', 'content-length': body.length },
  }, (res) => { res.resume(); res.on('end', () => process.exit(0)); });
  req.on('error', () => process.exit(1));
  req.end(body);
});`;

export function sendLogsSync(records: ReadableLogRecord[], url: string, timeoutMs: number): boolean {
  if (records.length === 0) return true;
  try {
    const body = ProtobufLogsSerializer.serializeRequest(records);
    if (!body) return false;
    execFileSync(process.execPath, ['-e', SENDER], {
      input: Buffer.from(body),
      timeout: timeoutMs,
      stdio: ['pipe', 'ignore', 'ignore'],
      // The sender must not start an agent of its own (NODE_OPTIONS may --require it).
      env: { PATH: process.env.PATH ?? '', HEADROOM_CRASH_URL: url, HEADROOM_ENABLED: 'false', NODE_OPTIONS: '' },
      windowsHide: true,
    });
    return true;
  } catch {
    return false;
  }
}
