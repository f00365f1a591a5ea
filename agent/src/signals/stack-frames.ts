// Code location of a stall, from a V8 stack trace captured while the loop was blocked.
// Pure: parses the text, skips V8/Node internals and the agent's own frames.
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
        file = fileURLToPath(file);
      } catch {
        // keep the URL as it is
      }
    }
    frames.push({ function: m[1] ?? null, file, line: Number(m[3]), column: Number(m[4]) });
  }
  return frames;
}

function isOwnOrInternal(frame: Frame, agentDir: string): boolean {
  return (
    frame.file.startsWith('node:') ||
    frame.file.startsWith('<anonymous>') ||
    frame.file === 'native' ||
    frame.file.startsWith(agentDir) ||
    !frame.file.includes('/') && !frame.file.includes('\\')
  );
}

/** The app's frames, top first: what was running when the stall was caught. */
export function appFrames(stack: string, agentDir: string): Frame[] {
  return parseStack(stack).filter((f) => !isOwnOrInternal(f, agentDir));
}

export function formatFrames(frames: Frame[]): string {
  return frames.map((f) => `at ${f.function ?? '<anonymous>'} (${f.file}:${f.line}:${f.column})`).join('\n');
}
