// The collector as a library: start it in-process (tests, benchmarks, embedding) and the types
// of its data and API.
export { startCollector } from './server';
export type { RunningCollector } from './server';
export type { CollectorConfig } from './config/collector-config';
export type * from './api-types';
export type * from './model';
export type { Storage } from './store/storage';
