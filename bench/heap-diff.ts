// Compares V8 heap snapshots by constructor: object count and self size per constructor name in each snapshot,
// and the growth from the first to the last, largest first. For telling "the timeline store filled to its cap"
// from "something keeps every closed socket".
//
//   node --import tsx bench/heap-diff.ts <a.heapsnapshot> <b.heapsnapshot> [<c.heapsnapshot> …] [--top 30]
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

export interface ConstructorTally { count: number; selfSize: number }

/** count and self size per "type:name" (objects by constructor name, closures, strings, native, …). */
export function tally(path: string): Map<string, ConstructorTally> {
  const s = JSON.parse(readFileSync(path, 'utf8')) as Snapshot;
  const fields = s.snapshot.meta.node_fields;
  const types = s.snapshot.meta.node_types[0];
  const [typeAt, nameAt, sizeAt, width] = [fields.indexOf('type'), fields.indexOf('name'), fields.indexOf('self_size'), fields.length];
  const out = new Map<string, ConstructorTally>();
  for (let i = 0; i < s.nodes.length; i += width) {
    const type = types[s.nodes[i + typeAt]!]!;
    // Strings and code are counted as one bucket each: their "names" are their contents.
    const name = type === 'object' || type === 'closure' || type === 'native' ? s.strings[s.nodes[i + nameAt]!]! : '';
    const key = `${type}:${name}`;
    const t = out.get(key) ?? { count: 0, selfSize: 0 };
    t.count++;
    t.selfSize += s.nodes[i + sizeAt]!;
    out.set(key, t);
  }
  return out;
}

function main(): void {
  const topAt = process.argv.indexOf('--top');
  const top = topAt > 0 ? Number(process.argv[topAt + 1]) : 30;
  const files = process.argv.slice(2).filter((a, i, all) => !a.startsWith('--') && all[i - 1] !== '--top');
  if (files.length < 2) {
    console.error('usage: node --import tsx bench/heap-diff.ts <a.heapsnapshot> <b.heapsnapshot> [...] [--top 30]');
    process.exit(2);
  }
  const tallies = files.map(tally);
  const first = tallies[0]!;
  const last = tallies[tallies.length - 1]!;
  const keys = new Set([...first.keys(), ...last.keys()]);
  const growth = [...keys].map((k) => ({ k, bytes: (last.get(k)?.selfSize ?? 0) - (first.get(k)?.selfSize ?? 0) })).sort((a, b) => b.bytes - a.bytes).slice(0, top);
  const total = (t: Map<string, ConstructorTally>) => [...t.values()].reduce((a, v) => a + v.selfSize, 0);
  console.log(`total self size: ${tallies.map((t, i) => `${basename(files[i]!)} ${(total(t) / 2 ** 20).toFixed(1)} MiB`).join(' · ')}\n`);
  const head = ['type:constructor', ...files.map((f) => `${basename(f, '.heapsnapshot')} count / KiB`), 'growth KiB'];
  const rows = growth.map(({ k, bytes }) => [k.slice(0, 60), ...tallies.map((t) => `${t.get(k)?.count ?? 0} / ${((t.get(k)?.selfSize ?? 0) / 1024).toFixed(0)}`), (bytes / 1024).toFixed(0)]);
  const widths = head.map((_, i) => Math.max(...[head, ...rows].map((r) => r[i]!.length)));
  for (const r of [head, ...rows]) console.log(r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  '));
}

if (process.argv[1] && import.meta.url.endsWith(basename(process.argv[1]))) main();
