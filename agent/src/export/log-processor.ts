// Log records (Headroom's events) into the bounded export queue, in place of the SDK's
// BatchLogRecordProcessor, so drops are counted like the spans'.
import type { LogRecordProcessor, ReadableLogRecord, SdkLogRecord } from '@opentelemetry/sdk-logs';
import type { ExportQueue } from './export-queue';

export class QueueLogRecordProcessor implements LogRecordProcessor {
  constructor(readonly queue: ExportQueue<ReadableLogRecord>) {}

  onEmit(logRecord: SdkLogRecord): void {
    this.queue.push(logRecord);
  }

  forceFlush(): Promise<void> {
    return this.queue.flush();
  }

  shutdown(): Promise<void> {
    return this.queue.shutdown();
  }
}
