// Rendering cost of each report format (and the private-key guard inside it) for catalogue-sized runs.
// Run: node --import tsx bench/reports-bench.ts   — prints median ms and output size per format and size.
import { diffRuns } from '../reports/diff';
import { renderHtml } from '../reports/html/page';
import { serializeRunReport } from '../reports/json';
import { renderJunit } from '../reports/junit';
import { renderMarkdown } from '../reports/markdown';
import { findPrivateKeyMaterial } from '../reports/redact';
import { largeReport } from '../reports/test-fixtures';

function median(fn: () => unknown, runs = 7): { ms: number; size: number } {
  let size = 0;
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    const out = fn();
    times.push(performance.now() - t);
    size = typeof out === 'string' ? out.length : 0;
  }
  times.sort((a, b) => a - b);
  return { ms: times[Math.floor(runs / 2)]!, size };
}

const rows: string[][] = [];
for (const n of [200, 1000]) {
  const report = largeReport(n);
  const json = serializeRunReport(report);
  const cases: [string, () => unknown][] = [
    ['json', () => serializeRunReport(report)],
    ['junit', () => renderJunit(report)],
    ['md', () => renderMarkdown(report)],
    ['html', () => renderHtml(report)],
    ['diff', () => diffRuns(report, report)],
    ['key scan (json text)', () => findPrivateKeyMaterial(json)],
  ];
  const base = median(cases[0]![1]).ms;
  for (const [name, fn] of cases) {
    const r = median(fn);
    rows.push([String(n), name, r.ms.toFixed(1), (r.ms / base).toFixed(1), r.size ? `${(r.size / 1024).toFixed(0)} KiB` : '']);
  }
}
const head = ['scenarios', 'format', 'median ms', '× json', 'output'];
const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
const line = (r: string[]) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ');
console.log(line(head));
for (const r of rows) console.log(line(r));
