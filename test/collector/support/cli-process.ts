// `headroom start` as a real child process, for tests that need the collector's own process:
// its stderr log, its exit code, or two collectors side by side.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const CLI = path.join(ROOT, 'collector', 'src', 'cli.ts');

export interface CliCollector {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  exit: Promise<number | null>;
  /** Set once the banner printed both URLs. */
  otlpUrl: string;
  httpUrl: string;
  /** SIGTERM, then the exit. */
  stop(): Promise<number | null>;
}

/**
 * Runs `headroom start` on free ports (`env` over this process's); resolves once its banner is
 * out, rejects if it exits first. `exit` resolves when the process ended and its output is all
 * read ('close', not 'exit': stderr and stdout are pipes of their own).
 */
export function startCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliCollector> {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'start', '--otlp-port', '0', '--http-port', '0', ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const exit = new Promise<number | null>((resolve) => child.once('close', resolve));
  return new Promise((resolve, reject) => {
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout?.on('data', (d: Buffer) => {
      stdout += d.toString();
      const otlp = /OTLP endpoint:\s+(http:\/\/\S+)/.exec(stdout);
      const http = /Dashboard:\s+(http:\/\/\S+?)\/?(\s|$)/.exec(stdout);
      if (!otlp || !http || !/Database:/.test(stdout)) return;
      resolve({
        child,
        stdout: () => stdout,
        stderr: () => stderr,
        exit,
        otlpUrl: otlp[1] as string,
        httpUrl: http[1] as string,
        stop() {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
          return exit;
        },
      });
    });
    void exit.then((code) => reject(Object.assign(new Error(`exited ${code} before starting: ${stderr}`), { code, stderr })));
  });
}
