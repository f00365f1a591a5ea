// An OTLP resource → the service and instance Headroom files its data under.
import { createHash } from 'node:crypto';
import type { Attributes, EpochNanos, IngestBatch } from '../../model';
import type { Resource } from '../decode/otlp-types';
import { ATTRIBUTE_LIMITS, reportAttributeCut, reportValueCuts } from './attribute-limits';
import { attributes, droppedAttributes, num, str } from './attributes';
import { boundName, NAME_LIMITS } from './name-limits';

export interface ResourceInfo {
  service: string;
  instanceId: string;
  host: string | null;
  pid: number | null;
  attributes: Attributes;
  /** True when the sender set no service.name and the OTel fallback name was used. */
  serviceMissing: boolean;
  /** True when attribute values or attributes were cut to the limits (attribute-limits.ts). */
  cut: boolean;
  /** Attributes dropped past the count limit, plus those the sender dropped (OTLP). */
  droppedAttributes: number;
}

export function normaliseResource(resource: Resource | null | undefined): ResourceInfo {
  const attrs = attributes(resource?.attributes);
  const name = str(attrs, 'service.name');
  // OTel SDKs default to `unknown_service:<process.executable.name>` (resource semconv).
  const executable = str(attrs, 'process.executable.name');
  const service = boundName('service', name && name.trim() !== '' ? name : executable ? `unknown_service:${executable}` : 'unknown_service');
  const host = str(attrs, 'host.name');
  const pidNum = num(attrs, 'process.pid');
  const pid = pidNum !== null && Number.isInteger(pidNum) ? pidNum : null;
  const instanceId = boundName('instance', str(attrs, 'service.instance.id') || `${host ?? 'unknown-host'}:${pid ?? 'unknown-pid'}`);
  // The attributes say what the columns say (an instance's resource is shown beside its name).
  if (typeof attrs['service.name'] === 'string' && attrs['service.name'].length > NAME_LIMITS.service) attrs['service.name'] = service;
  if (typeof attrs['service.instance.id'] === 'string' && attrs['service.instance.id'].length > NAME_LIMITS.instance) attrs['service.instance.id'] = instanceId;
  const count = resource?.attributes ? resource.attributes.length : 0;
  if (count > ATTRIBUTE_LIMITS.count) reportAttributeCut('resource attributes', service, `a resource with ${count} attributes, the first ${ATTRIBUTE_LIMITS.count} kept`);
  const cut = reportValueCuts(service) > 0 || count > ATTRIBUTE_LIMITS.count;
  const dropped = droppedAttributes(resource?.attributes, resource?.droppedAttributesCount);
  return { service, instanceId, host, pid, attributes: attrs, serviceMissing: !name || name.trim() === '', cut, droppedAttributes: dropped };
}

/** A short stable key for a resource's identity, for per-stream state (cumulative → delta). */
export function resourceKey(info: ResourceInfo): string {
  const entries = Object.keys(info.attributes)
    .sort()
    .map((k) => [k, info.attributes[k]]);
  return createHash('sha1').update(JSON.stringify(entries)).digest('base64');
}

/**
 * Records the instance once per batch, at the latest time any of its items carried, with the
 * number of its items the normaliser accepted (summed over resources of the same identity).
 */
export function noteInstance(batch: IngestBatch, info: ResourceInfo, timeNs: EpochNanos, items: number): void {
  for (const seen of batch.instances) {
    if (seen.service === info.service && seen.instanceId === info.instanceId) {
      if (timeNs > seen.timeNs) seen.timeNs = timeNs;
      seen.items = (seen.items ?? 0) + items;
      return;
    }
  }
  batch.instances.push({
    service: info.service,
    instanceId: info.instanceId,
    host: info.host,
    pid: info.pid,
    timeNs,
    resource: info.attributes,
    ...(info.droppedAttributes > 0 && { droppedAttributes: info.droppedAttributes }),
    items,
  });
}
