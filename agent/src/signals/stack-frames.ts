// Code location of a stall, from a V8 stack trace captured while the loop was blocked.
// Pure: parses the text, skips V8/Node internals, the module loaders' hooks and the agent's own
// frames, and tells the agent's own work (its export, metric collection, span creation) from the app's.
import { fileURLToPath } from 'node:url';

export interface Frame {
  function: string | null;
  file: string;
  line: number;
  column: number;
}

// "    at fn (file:1:2)", "    at file:1:2", "    at async fn (file:1:2)", "    at new X (file:1:2)"
const FRAME = /^\s*at (?:(?:async )?(.+?) \()?(.+?):(\d+):(\d+)\)?$/;

export function parseStack(stack: string): Frame[] {
  const frames: Frame[] = [];
  for (const line of stack.split('\n')) {
    const m = FRAME.exec(line);
    if (!m) continue;
    let file = m[2] ?? '';
    if (file.startsWith('file://')) {
      try {
        // The query stays: it is part of an ES module's identity (import-in-the-middle's
        // wrapper of a module is the module's URL with `?iitm=true`).
        const url = new URL(file);
        file = fileURLToPath(url) + url.search;
      } catch {
        // keep the URL as it is
      }
    }
    frames.push({ function: m[1] ?? null, file, line: Number(m[3]), column: Number(m[4]) });
  }
  return frames;
}

function isInternal(frame: Frame): boolean {
  return (
    frame.file.startsWith('node:') ||
    frame.file.startsWith('<anonymous>') ||
    frame.file === 'native' ||
    !frame.file.includes('/') && !frame.file.includes('\\')
  );
}

// The module loader hooks the instrumentations install: require-in-the-middle's wrapper of
// `Module.prototype.require` (`Module.patchedRequire`), import-in-the-middle's runtime and the
// wrapper modules it generates (`?iitm=` URLs). A stall while modules load is in Node's loader
// under them, and the frame that says where is the app's that required or imported (QA s14: such
// stalls read "at Module.patchedRequire"): they are passed over as Node's own frames are, with
// what they call directly (their debug logging, path parsing, OTel's dispatch of each require
// to the instrumentations). Not the loaded module's own code: Node's loader runs it, below them.
const MODULE_HOOK = /[\\/]node_modules[\\/](?:require|import)-in-the-middle[\\/]|[?&]iitm=/;

function isModuleHook(frame: Frame): boolean {
  return MODULE_HOOK.test(frame.file);
}

/** The frames (top first) without the module hooks' and their direct callees' (a chain that Node's frames do not break). */
function withoutModuleHooks(frames: Frame[]): Frame[] {
  const kept: Frame[] = [];
  let hook = false;
  for (let i = frames.length - 1; i >= 0; i--) {
    const frame = frames[i]!;
    hook = isModuleHook(frame) || (hook && !isInternal(frame));
    if (!hook) kept.push(frame);
  }
  return kept.reverse();
}

function isOwnOrInternal(frame: Frame, agentDir: string): boolean {
  return isInternal(frame) || frame.file.startsWith(agentDir);
}

// The OTel packages the agent drives (SDK, exporters, OTLP serialisers, context manager) — not
// the API an app may call itself, nor the instrumentations, whose wrappers run app code.
const AGENT_DRIVEN = /[\\/]node_modules[\\/]@opentelemetry[\\/](?!api(?:-logs|-events)?[\\/]|instrumentation)[^\\/]+[\\/]/;

/** A frame of the agent's own work: its dist folder, or a package it drives. */
export function isAgentFrame(frame: Frame, agentDir: string): boolean {
  return frame.file.startsWith(agentDir) || AGENT_DRIVEN.test(frame.file);
}

// The agent's modules that stand in for a function of Node's or a framework's and call it —
// `res.end`, `server.listen`, `process.emit`, the request emit, route layers, pool methods —
// as the instrumentation packages' wrappers do. A stall caught below one of them is in what the
// app called (QA: a POST's `res.json()` caught inside Node's `end` under the agent's wrapper
// read "156 ms in Headroom's agent", with no route), so they do not make a stall the agent's.
const PASS_THROUGH = /[\\/](?:signals[\\/](?:slow-clients|lifecycle|uncaught)|db[\\/]pool-context|http-server[\\/](?:server-hook|method-hooks|express-layers|koa-routes|hapi-routes|restify-errors|nest-exceptions))\.js$/;

function isPassThrough(frame: Frame, agentDir: string): boolean {
  return frame.file.startsWith(agentDir) && PASS_THROUGH.test(frame.file.slice(agentDir.length));
}

/** What was blocking the loop: the stack's frames below the snapshot's own (the probe and the inspector's evaluated expression). */
export function blockingFrames(stack: string): Frame[] {
  const frames = parseStack(stack);
  // The probe is the top frame, called from the expression (an <anonymous> frame) right below.
  const evaluated = frames.slice(0, 3).findIndex((f) => f.file.startsWith('<anonymous>'));
  return evaluated >= 0 ? frames.slice(evaluated + 1) : frames;
}

export interface StallCode {
  /** The blocking code was the agent's own (the top frame outside Node and the agent's wrappers is the agent's or a package it drives). */
  agent: boolean;
  /** Top first: for the app's, its frames (the agent's wrappers skipped); for the agent's, every frame outside Node. */
  frames: Frame[];
}

/** Whose code blocked the loop, and where. Runs only for a stall, never per request. */
export function stallCode(stack: string, agentDir: string): StallCode {
  const frames = withoutModuleHooks(blockingFrames(stack)).filter((f) => !isInternal(f));
  const top = frames.find((f) => !isPassThrough(f, agentDir));
  if (top && isAgentFrame(top, agentDir)) return { agent: true, frames };
  return { agent: false, frames: frames.filter((f) => !f.file.startsWith(agentDir)) };
}

/** The app's frames, top first: what was running when the stall was caught. */
export function appFrames(stack: string, agentDir: string): Frame[] {
  return withoutModuleHooks(parseStack(stack)).filter((f) => !isOwnOrInternal(f, agentDir));
}

export function formatFrames(frames: Frame[]): string {
  return frames.map((f) => `at ${f.function ?? '<anonymous>'} (${f.file}:${f.line}:${f.column})`).join('\n');
}

/**
 * Whether the stack is the app's main module running its top-level code: start-up, not a
 * stall. An ES module's runs after the loop has turned (ES modules load asynchronously, so the
 * stall detector is already timing): its frames end in the module job run, synchronously, for
 * the entry point (a later dynamic import() runs a module job too, but not for the entry point;
 * code after a top-level await resumes in a callback of its own, and counts). A CommonJS main
 * imported through --import runs the same way.
 */
export function isMainModuleRun(stack: string): boolean {
  const lines = stack.split('\n');
  const firstAsync = lines.findIndex((l) => /^\s*at async /.test(l));
  const sync = (firstAsync < 0 ? lines : lines.slice(0, firstAsync)).join('\n');
  return /\bat ModuleJob\.run \(node:internal\/modules\/esm\/module_job/.test(sync) && /RunEntryPointWithESMLoader \(node:internal\/modules\/run_main/.test(stack);
}
