// A module.register loader hook that does nothing: what the loader thread's round trip per
// import costs an app by itself on Node 20 (bench/esm-startup's floor for any loader hook).
import { register } from 'node:module';

const hook = 'export async function resolve(s, c, next) { return next(s, c); }\nexport async function load(u, c, next) { return next(u, c); }';
register(`data:text/javascript,${encodeURIComponent(hook)}`, import.meta.url);
