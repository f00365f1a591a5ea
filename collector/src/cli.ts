#!/usr/bin/env node
// `headroom`: the collector's command line. Errors are one line, `headroom: HR_…: message`,
// with exit code 2 for anything the user can fix (flags, ports, database path); a clean stop
// on SIGINT/SIGTERM exits 0 after the pending writes are flushed and the database is closed.
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { DEFAULTS } from './config/collector-config';
import { exposureWarning, reachableUrl } from './config/network-exposure';
import { parseStartCommand, startHelp, tokenFlagWarning } from './config/start-options';
import { errors, HeadroomError, headroomError } from './errors';
import { whenLauncherExits } from './launcher-exit';
import { startCollector, type RunningCollector } from './server';

const EXIT_USAGE = 2;
/** Bound on a clean stop; past it the process exits 1 rather than hang. */
const SHUTDOWN_TIMEOUT_MS = 15_000;

function version(): string {
  // src/cli.ts and dist/cli.js both sit one level below the package root.
  const pkg = JSON.parse(readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

const MAIN_HELP = `Usage: headroom <command> [options]

Headroom collects OpenTelemetry data from Node.js services and shows where their time goes.

Commands:
  start        start the collector (OTLP receiver, store, dashboard, API)

Options:
  -h, --help      show this help (headroom start --help lists the start options)
  -v, --version   print the version`;

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}

function fail(error: unknown): never {
  if (error instanceof HeadroomError) {
    process.stderr.write(`headroom: ${error.code}: ${oneLine(error.message)}\n`);
    process.exit(EXIT_USAGE);
  }
  process.stderr.write(`headroom: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
}

/**
 * The same signal again within this of the first is the same request: a terminal's Ctrl-C
 * reaches every process of its group, and npm forwards it to its child too, so where the
 * collector is npm's own child (bash as sh runs the script's one command in its place, as on
 * macOS) one keypress can arrive twice, milliseconds apart.
 */
const REPEAT_GRACE_MS = 1000;

function handleSignals(running: RunningCollector): void {
  let stopping: { signal: string; at: number } | null = null;
  const stop = (signal: NodeJS.Signals | 'launcher', why: string): void => {
    if (stopping) {
      if (signal === stopping.signal && Date.now() - stopping.at < REPEAT_GRACE_MS) return;
      if (signal === 'launcher') return;
      process.stderr.write(`headroom: ${signal} again: exiting without waiting for the flush\n`);
      process.exit(1);
    }
    stopping = { signal, at: Date.now() };
    process.stderr.write(`headroom: ${why}: stopping, flushing pending writes…\n`);
    const timer = setTimeout(() => {
      process.stderr.write(`headroom: ${errors.cliShutdownTimeout.code}: ${errors.cliShutdownTimeout.message} (${SHUTDOWN_TIMEOUT_MS} ms)\n`);
      process.exit(1);
    }, SHUTDOWN_TIMEOUT_MS);
    running.close().then(
      () => {
        clearTimeout(timer);
        process.stderr.write('headroom: stopped, database closed\n');
        process.exit(0);
      },
      (error: unknown) => {
        clearTimeout(timer);
        process.stderr.write(`headroom: shutdown failed: ${error instanceof Error ? error.message : String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT', 'SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM', 'SIGTERM'));
  whenLauncherExits(process.env, (pid) => stop('launcher', `npm's process that started it (pid ${pid}) ended`));
}

async function start(args: string[]): Promise<void> {
  const command = parseStartCommand(args, process.env);
  if (command.help) {
    process.stdout.write(`${startHelp()}\n`);
    return;
  }
  const running = await startCollector(command.config);
  handleSignals(running);
  const dashboardNote = command.config.dashboardToken ? '  (dashboard token required: the page asks for it, or open it once with ?token=…)' : '';
  const host = command.config.host ?? DEFAULTS.host;
  // Bound to every interface: name this machine, as other machines' apps must.
  const otlpUrl = reachableUrl(running.otlpUrl, hostname());
  const bound = otlpUrl === running.otlpUrl ? '' : `; listening on ${host}`;
  const warning = exposureWarning({ host, ingestToken: command.config.ingestToken ?? null, dashboardToken: command.config.dashboardToken ?? null });
  if (warning !== null) process.stderr.write(`${warning}\n`);
  const tokenWarning = tokenFlagWarning(command.tokenFlags);
  if (tokenWarning !== null) process.stderr.write(`${tokenWarning}\n`);
  process.stdout.write(
    [
      `headroom ${version()} collector started`,
      `  OTLP endpoint:  ${otlpUrl}   (OTEL_EXPORTER_OTLP_ENDPOINT=${otlpUrl}${bound})`,
      `  Dashboard:      ${reachableUrl(running.httpUrl, hostname())}/${dashboardNote}`,
      `  Database:       ${path.resolve(command.config.dbPath)}`,
      '',
    ].join('\n'),
  );
}

export async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  switch (command) {
    case '-h':
    case '--help':
    case 'help':
      process.stdout.write(`${MAIN_HELP}\n`);
      return;
    case '-v':
    case '--version':
      process.stdout.write(`${version()}\n`);
      return;
    case 'start':
      await start(rest);
      return;
    case undefined:
      process.stderr.write(`${MAIN_HELP}\n`);
      process.exit(EXIT_USAGE);
      return;
    default:
      throw headroomError(errors.cliUnknownCommand, JSON.stringify(command));
  }
}

/** Runs the command line of this process (bin/headroom.js, or this file run directly). */
export function run(): void {
  main(process.argv.slice(2)).catch(fail);
}

if (require.main === module) run();
