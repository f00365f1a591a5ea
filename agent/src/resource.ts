// The resource every signal carries: which service, which build of it (`service.version`, the
// VCS revision), which process (`service.instance.id`, unique per process, so each cluster
// worker is its own instance), where and on what it runs, and the Apdex T the collector scores
// this service with. All values are synchronous, so no
// export waits for a detector. OTEL_RESOURCE_ATTRIBUTES and OTEL_SERVICE_NAME win over ours.
import type { Attributes } from '@opentelemetry/api';
import { defaultResource, detectResources, envDetector, resourceFromAttributes, type Resource } from '@opentelemetry/resources';
import cluster from 'node:cluster';
import { randomUUID } from 'node:crypto';
import { arch, hostname } from 'node:os';
import type { AgentSettings } from './config/settings';
import { appPackage, defaultServiceName, UNKNOWN_SERVICE } from './config/service-name';
import { versionAttributes } from './config/service-version';
import { report } from './report';
import { cpuCount } from './signals/lifecycle';

export function headroomAttributes(settings: AgentSettings, env: NodeJS.ProcessEnv = process.env): Attributes {
  const pkg = appPackage();
  const attrs: Attributes = {
    'service.name': settings.serviceName ?? defaultServiceName(pkg),
    ...versionAttributes(pkg, env),
    'service.instance.id': randomUUID(),
    'host.name': hostname(),
    'host.arch': arch(),
    'process.pid': process.pid,
    'process.parent_pid': process.ppid,
    'process.runtime.name': 'nodejs',
    'process.runtime.version': process.versions.node,
    'process.executable.path': process.execPath,
    'headroom.apdex_t_ms': settings.apdexTMs,
    'headroom.host.cpu_count': cpuCount(),
  };
  // Only a worker knows its role at start: whether the main process is a cluster's primary
  // shows when it forks, after the resource is fixed. Its start event carries the role
  // (headroom.setting.cluster_role).
  if (cluster.isWorker) {
    attrs['headroom.cluster.role'] = 'worker';
    if (cluster.worker) attrs['headroom.cluster.worker_id'] = cluster.worker.id;
  }
  return attrs;
}

export function buildResource(settings: AgentSettings): Resource {
  const fromEnv = detectResources({ detectors: [envDetector] });
  let resource = defaultResource().merge(resourceFromAttributes(headroomAttributes(settings))).merge(fromEnv);
  if (settings.serviceName) resource = resource.merge(resourceFromAttributes({ 'service.name': settings.serviceName }));
  // Every nameless app would share one service on the dashboard (QA4): say how to name it.
  if (resource.attributes['service.name'] === UNKNOWN_SERVICE) {
    report('config', `no service name (OTEL_SERVICE_NAME unset, no "name" in the app's package.json): reporting as ${UNKNOWN_SERVICE}; set OTEL_SERVICE_NAME`);
  }
  return resource;
}
