// What normalising one request found: items seen, items rejected, and why (for partial_success).
import { errors } from '../../errors';

const MAX_MESSAGES = 5;

export class Outcome {
  received = 0;
  rejected = 0;
  /** Items accepted but not stored (e.g. log records that are not Headroom events). */
  ignored = 0;
  /** Items stored with attribute values, attributes or events cut to the limits (attribute-limits.ts). */
  cut = 0;
  private readonly reasons = new Map<string, number>();
  private readonly warnings = new Set<string>();

  reject(reason: string, n = 1): void {
    this.rejected += n;
    this.reasons.set(reason, (this.reasons.get(reason) ?? 0) + n);
  }

  /** Accepted, but worth telling the sender (partial_success with rejected = 0 is allowed). */
  warn(message: string): void {
    if (this.warnings.size < MAX_MESSAGES) this.warnings.add(message);
  }

  /** The partial_success error_message, or '' when there is nothing to say. */
  message(): string {
    const parts: string[] = [];
    for (const [reason, n] of this.reasons) {
      if (parts.length >= MAX_MESSAGES) break;
      parts.push(`${n} ${reason}`);
    }
    for (const w of this.warnings) parts.push(w);
    if (this.cut > 0) parts.push(`${this.cut} item(s) stored with attributes or events past the collector's limits cut (${errors.otlpAttributeCut.code})`);
    return parts.join('; ');
  }
}
