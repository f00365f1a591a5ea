// Reads a V8 .cpuprofile (node --cpu-prof) and prints where the time went: self time by
// function, and inclusive time of the functions named with --fn. Used to explain a benchmark
// figure; the profile is taken with e.g.
//   node --cpu-prof --cpu-prof-dir=bench/results/prof --import tsx bench/ingest/main.ts --only traces
//   node --import tsx bench/common/cpu-profile-top.ts bench/results/prof/<file>.cpuprofile --fn writeAll --fn decodeProtobuf
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

function label(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const file = url.split('/').slice(-3).join('/');
  return `${functionName || '(anonymous)'} ${file}${file ? `:${lineNumber + 1}` : ''}`;
}

function main(): void {
  const args = process.argv.slice(2);
  const file = args.find((a) => a.endsWith('.cpuprofile'));
  if (!file) throw new Error('usage: cpu-profile-top.ts <file.cpuprofile> [--top N] [--fn name]...');
  const top = Number(args[args.indexOf('--top') + 1] ?? 25) || 25;
  const names = args.flatMap((a, i) => (args[i - 1] === '--fn' ? [a] : []));
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));

  let total = 0;
  let idle = 0;
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>(names.map((n) => [n, 0]));
  for (const [id, us] of selfUs) {
    const node = byId.get(id) as ProfileNode;
    total += us;
    if (node.callFrame.functionName === '(idle)') idle += us;
    self.set(label(node), (self.get(label(node)) ?? 0) + us);
    // Inclusive: count each named function once per stack.
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const name = (byId.get(at) as ProfileNode).callFrame.functionName;
      if (inclusive.has(name) && !seen.has(name)) {
        seen.add(name);
        inclusive.set(name, (inclusive.get(name) ?? 0) + us);
      }
    }
  }
  const busy = total - idle;
  const pct = (us: number): string => `${((100 * us) / busy).toFixed(1).padStart(5)} %`;
  console.log(`${file}: ${(total / 1e6).toFixed(2)} s sampled, ${(busy / 1e6).toFixed(2)} s not idle (percentages of that)`);
  console.log('self time:');
  for (const [name, us] of [...self].filter(([n]) => !n.startsWith('(idle)')).sort((a, b) => b[1] - a[1]).slice(0, top)) {
    console.log(`  ${(us / 1000).toFixed(0).padStart(6)} ms ${pct(us)}  ${name}`);
  }
  if (names.length > 0) {
    console.log('inclusive time:');
    for (const [name, us] of inclusive) console.log(`  ${(us / 1000).toFixed(0).padStart(6)} ms ${pct(us)}  ${name}`);
  }
}

main();
