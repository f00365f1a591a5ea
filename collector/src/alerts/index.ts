// Alerting in one call for startCollector: the alert store on the collector's database, the
// rules file (when given), the delivery queue, the engine and the /api/alerts router.
import type { Router } from 'express';
import type { AlertTransition } from '../api-types';
import type { DamagedFileReads } from '../store/sqlite/damaged-file';
import type { Storage } from '../store/storage';
import type { AlertStore } from './alert-store';
import { createAlertsRouter } from './api-routes';
import { createAlertEngine, DEFAULT_ENGINE, type AlertEngine, type EngineSettings } from './engine';
import { createDeliveryQueue, DEFAULT_DELIVERY, type DeliverySettings } from './notify/delivery-queue';
import type { DestinationPolicy } from './notify/destination-policy';
import { applyProvisioned, readRulesFile } from './rule-provisioning';
import type { FindingsSource } from './series-reader';
import { openSqliteAlertStore } from './sqlite-alert-store';
import { reportStoredRuleProblems } from './stored-rule-problems';
import { unlessDamaged } from './unless-damaged';

export interface AlertSettings extends Partial<EngineSettings> {
  /** JSON file of destinations and rules (`headroom start --alert-rules FILE`). */
  rulesFile?: string | null;
  /** Base of the dashboard links in notifications; default the collector's own HTTP URL. */
  externalUrl?: string | null;
  delivery?: Partial<DeliverySettings>;
  /** Host names destinations may use (`--alert-hosts`); default any but link-local (notify/destination-policy.ts). */
  allowedHosts?: readonly string[] | null;
}

export interface Alerting {
  router: Router;
  engine: AlertEngine;
  store: AlertStore;
  start(externalUrl: string): void;
  close(): Promise<void>;
}

export function createAlerting(options: {
  storage: Storage;
  dbPath: string;
  /** The store's read guard (SqliteStorage.reads), so a damaged file found by either is one state. */
  reads?: DamagedFileReads;
  settings?: AlertSettings;
  findings?: FindingsSource | null;
  /** How long history and deliveries are kept (the collector's rollup retention). */
  retentionMs?: number;
  onTransition?: (transition: AlertTransition) => void;
}): Alerting {
  const settings = options.settings ?? {};
  // Read and check the file first: a bad file stops the start before anything changes.
  const policy: DestinationPolicy = { allowedHosts: settings.allowedHosts ?? null };
  const provisioned = settings.rulesFile ? readRulesFile(settings.rulesFile, policy) : null;
  const store = openSqliteAlertStore(options.dbPath, options.reads);
  const queue = createDeliveryQueue(store, { ...DEFAULT_DELIVERY, ...settings.delivery }, Date.now, policy);
  const engine = createAlertEngine({
    storage: options.storage,
    store,
    queue,
    findings: options.findings ?? null,
    ...(options.onTransition && { onTransition: options.onTransition }),
    settings: {
      // A floor, so a mistaken 0 cannot turn evaluation into a busy loop.
      intervalMs: Math.max(50, settings.intervalMs ?? DEFAULT_ENGINE.intervalMs),
      groupIntervalMs: settings.groupIntervalMs ?? DEFAULT_ENGINE.groupIntervalMs,
      retentionMs: options.retentionMs ?? DEFAULT_ENGINE.retentionMs,
    },
  });
  try {
    // Through the engine, so that rules the file changes resolve what they leave firing (the
    // resolves are queued at start, when the links' base is known).
    if (provisioned) applyProvisioned(store, engine, provisioned);
  } catch (err) {
    store.close();
    throw err;
  }
  // After the file: its rules have been checked, so what is left to report was stored earlier.
  reportStoredRuleProblems(unlessDamaged(() => store.rules(), []));
  let closing: Promise<void> | null = null;
  return {
    router: createAlertsRouter(store, engine, Date.now, (service) => options.storage.knownService(service), policy),
    engine,
    store,
    start(externalUrl) {
      engine.start(settings.externalUrl || externalUrl);
    },
    close() {
      closing ??= engine.close().then(() => store.close());
      return closing;
    },
  };
}
