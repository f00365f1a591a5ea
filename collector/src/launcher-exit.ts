// Stopping with the npm that started the collector. `npm start` runs the script through a shell
// (`sh -c "node collector/dist/cli.js start"`; dash, Debian's and Ubuntu's sh, keeps itself as
// the collector's parent), and npm forwards SIGTERM to that child alone (@npmcli/run-script,
// signal-manager.js): the shell dies and the collector would run on as an orphan, holding both
// ports and the database's lock. (Ctrl-C reaches it anyway: the terminal signals the whole
// process group.) So under npm (`npm start`, `npx headroom`: npm_lifecycle_event is set) the
// collector checks its parent: once the process that started it is gone and it was handed to
// init or a subreaper, it stops as on SIGTERM. Outside npm a new parent means nothing:
// `headroom start &` in a script that then ends leaves a collector meant to run on.
/** How often the parent is checked (process.ppid is one getppid() call). */
const CHECK_EVERY_MS = 1000;

/** Calls `onGone` with the first parent's pid once it is gone, when npm started this process. */
export function whenLauncherExits(env: NodeJS.ProcessEnv, onGone: (parentPid: number) => void): void {
  if (env.npm_lifecycle_event === undefined || env.npm_lifecycle_event === '') return;
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(timer);
    onGone(parent);
  }, CHECK_EVERY_MS);
  timer.unref();
}
