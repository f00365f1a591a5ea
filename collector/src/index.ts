export type * from './api-types';
export type * from './model';
export type { Storage } from './store/storage';
