// The whole catalogue against the emulator, as the conformance suite runs it (one profile per gateway family),
// timed. Targets (issue 4, Speed): ≤ 60 s in all on a 2-core machine, every deadlock scenario decided by stall
// detection in ≤ 1.5 s.
//
//   node --import tsx bench/catalogue-bench.ts [--concurrency 4] [--profiles apim-developer,apim-standardv2]

import { runConformance, startRunPki } from '../scenarios/runner';
import type { ScenarioResult } from '../scenarios/result';
import type { ProfileId } from '../scenarios/schema';
import { EmulatorTarget } from '../scenarios/targets/emulator-target';

const arg = (name: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const concurrency = Number(arg('concurrency') ?? 4);
const profiles = (arg('profiles') ?? 'apim-developer,apim-standardv2,apim-consumption,apim-selfhosted').split(',') as ProfileId[];

const TOTAL_TARGET_S = 60;
const DEADLOCK_TARGET_MS = 1500;

const pkiStart = performance.now();
const run = await startRunPki();
const pkiMs = performance.now() - pkiStart;
const all: ScenarioResult[] = [];
const rows: string[][] = [];
const wallStart = performance.now();
try {
  for (const profile of profiles) {
    const t0 = performance.now();
    const target = new EmulatorTarget();
    const report = await runConformance({ target, profile, pki: run.pki, concurrency });
    const ms = performance.now() - t0;
    const ran = report.results.filter((r) => r.verdict !== 'skipped');
    all.push(...ran);
    rows.push([profile, String(ran.length), String(report.totals.pass), String(report.totals.fail + report.totals.error), String(target.started), (ms / 1000).toFixed(2), (ran.length / (ms / 1000)).toFixed(1)]);
  }
} finally {
  await run.close();
}
const wallS = (performance.now() - wallStart) / 1000;

const table = (head: string[], body: string[][]) => {
  const w = head.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]!.length)));
  const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(w[i]!)).join(' | ')} |`;
  return [line(head), `|${w.map((n) => '-'.repeat(n + 2)).join('|')}|`, ...body.map(line)].join('\n');
};

console.log(`catalogue against the emulator — concurrency ${concurrency}, node ${process.version}, PKI issued in ${pkiMs.toFixed(0)} ms (keys cached)\n`);
console.log(table(['profile', 'ran', 'pass', 'fail', 'emulators', 'seconds', 'scenarios/s'], rows));
console.log(`\nwall time ${wallS.toFixed(2)} s for ${all.length} scenario runs = ${(all.length / wallS).toFixed(1)} scenarios/s (target ≤ ${TOTAL_TARGET_S} s: ${wallS <= TOTAL_TARGET_S ? 'met' : 'MISSED'})\n`);

const slowest = [...all].sort((a, b) => b.durationMs - a.durationMs).slice(0, 10);
console.log('slowest ten');
console.log(table(['ms', 'profile', 'scenario', 'outcome'], slowest.map((r) => [String(r.durationMs), r.profile, r.id, `${r.observed?.outcome ?? r.verdict}${r.observed?.status ? ` ${r.observed.status}` : ''}`])));

// Deadlock scenarios: those whose profile allows the documented freeze, and the gateway did freeze or answer late.
const deadlocks = all.filter((r) => r.expected?.alternatives?.some((a) => a.name.endsWith('freeze')) && r.observed && r.observed.outcome !== 'response' || r.observed?.alternativeChosen?.match(/freeze|forbidden-after-timeout/));
const worst = Math.max(0, ...deadlocks.map((r) => r.observed!.durationMs));
console.log(`\ndeadlock scenarios: ${deadlocks.length}, decided in ≤ ${worst.toFixed(0)} ms (target ≤ ${DEADLOCK_TARGET_MS} ms: ${worst <= DEADLOCK_TARGET_MS ? 'met' : 'MISSED'})`);
console.log(table(['decided ms', 'profile', 'scenario', 'outcome'], deadlocks.map((r) => [r.observed!.durationMs.toFixed(0), r.profile, r.id, `${r.observed!.outcome}${r.observed!.alternativeChosen ? ` (${r.observed!.alternativeChosen})` : ''}`])));
