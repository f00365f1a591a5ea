// Processes that only start the app: package managers and launchers. With the agent in
// NODE_OPTIONS (the way to instrument an app started by `npm start` or `npx tsx app.ts`) every
// Node process of the chain loads it, and each would report as an instance of the service:
// QA4 saw one app as "3 live" instances — npm (79 MiB), tsx's CLI (72 MiB) and the app. These
// run the app in a child process, so the agent stays out of them. Tools that run the app in
// their own process (ts-node, `node --import tsx`) are not launchers.
import { basename } from 'node:path';

/** Script names (without extension) of launchers, as bin links and as their own files. */
const LAUNCHER_NAMES = new Set(['npm', 'npx', 'npm-cli', 'npx-cli', 'yarn', 'yarnpkg', 'pnpm', 'pnpx', 'corepack', 'nodemon', 'concurrently', 'npm-run-all', 'run-p', 'run-s', 'tsx']);
/** Launchers known by where their script lives (a basename like `cli` says nothing alone). */
const LAUNCHER_PATHS = [/\/tsx\/dist\/cli\.[cm]?js$/, /\/corepack\/dist\/(?:yarn|pnpm|npm|npx|corepack)\.js$/];

/** The launcher that `mainScript` (process.argv[1]) is, or null for an app. */
export function launcherName(mainScript: string | undefined): string | null {
  if (mainScript === undefined || mainScript === '') return null;
  const path = mainScript.replace(/\\/g, '/');
  for (const pattern of LAUNCHER_PATHS) if (pattern.test(path)) return basename(path);
  const name = basename(path).replace(/\.(?:c|m)?js$/, '');
  return LAUNCHER_NAMES.has(name) ? name : null;
}
