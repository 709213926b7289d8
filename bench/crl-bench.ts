// CRL with 10,000 entries: build time, parse time of parseCrl vs the openssl CLI, and lookup cost.
//
//   node --import tsx bench/crl-bench.ts [--entries 10000] [--runs 20]     (or `npm run bench:crl`)
//
// Every figure is the median of --runs runs (min–max beside it). openssl's figure includes its process start (what
// a shell pipeline pays); the `openssl version` row shows that start-up alone. O(1) lookup is shown by timing the
// same lookups in a CRL 10× smaller: a hash lookup costs the same per lookup at both sizes.

import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { buildCrl, syntheticEntries } from '../ca/crl-builder';
import { parseCrl, type ParsedCrl } from '../ca/crl-parser';
import { makeTestPki } from '../ca/revocation-test-pki';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}

const ms = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e6;
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

function timeRuns(runs: number, fn: () => void): number[] {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = process.hrtime.bigint();
    fn();
    times.push(ms(t));
  }
  return times;
}

/** ns per lookup, median of `runs` batches of 200,000 hits. */
function lookupCost(crl: ParsedCrl, probes: readonly string[], runs: number): number[] {
  const n = 200_000;
  return timeRuns(runs, () => {
    let hits = 0;
    for (let i = 0; i < n; i++) if (crl.lookup(probes[i % probes.length]!)) hits++;
    if (hits !== n) throw new Error('a lookup missed');
  }).map((t) => (t * 1e6) / n);
}

function main(): void {
  const entries = Number(arg('entries', '10000'));
  const runs = Number(arg('runs', '20'));
  const load0 = loadavg();
  const pki = makeTestPki();
  const rows: { what: string; values: number[]; unit: string; target?: string; met?: boolean }[] = [];
  try {
    const ca = pki.rsa;
    const now = Math.floor(Date.now() / 1000) * 1000;
    const crlOf = (n: number) => {
      const extra = syntheticEntries(ca.authority, n, new Date(now - 86_400_000));
      return { extra, der: buildCrl(ca.authority, { thisUpdate: new Date(now), nextUpdate: new Date(now + 86_400_000), crlNumber: 1n, extraEntries: extra }) };
    };
    const extra = syntheticEntries(ca.authority, entries, new Date(now - 86_400_000));
    let der: Buffer = Buffer.alloc(0);
    rows.push({
      what: `buildCrl (${entries} entries, RSA-2048 signed)`,
      values: timeRuns(Math.max(3, Math.floor(runs / 4)), () => {
        der = buildCrl(ca.authority, { thisUpdate: new Date(now), nextUpdate: new Date(now + 86_400_000), crlNumber: 1n, extraEntries: extra });
      }),
      unit: 'ms',
    });
    const file = join(ca.dir, 'large.crl');
    writeFileSync(file, der);

    rows.push({ what: 'openssl version (process start only)', values: timeRuns(runs, () => spawnSync('openssl', ['version'])), unit: 'ms' });
    const opensslParse = timeRuns(runs, () => {
      const r = spawnSync('openssl', ['crl', '-inform', 'DER', '-in', file, '-noout']);
      if (r.status !== 0) throw new Error(r.stderr.toString());
    });
    rows.push({ what: 'openssl crl -inform DER -noout', values: opensslParse, unit: 'ms' });
    rows.push({ what: 'openssl crl -inform DER -noout -text', values: timeRuns(Math.max(3, Math.floor(runs / 4)), () => spawnSync('openssl', ['crl', '-inform', 'DER', '-in', file, '-noout', '-text'], { maxBuffer: 1 << 28 })), unit: 'ms' });
    let crl = parseCrl(der);
    const ours = timeRuns(runs, () => {
      crl = parseCrl(der);
    });
    if (crl.entries !== entries + ca.authority.revoked.length) throw new Error(`parsed ${crl.entries} entries`);
    rows.push({ what: `parseCrl (${entries} entries, ${(der.length / 1024).toFixed(0)} KiB)`, values: ours, unit: 'ms', target: 'well under 100 ms (< 50)', met: median(ours) < 50 });

    const probes = extra.map((e) => e.serial.toString('hex').toUpperCase());
    const big = lookupCost(crl, probes, Math.min(runs, 9));
    const small = crlOf(Math.floor(entries / 10));
    const smallCrl = parseCrl(small.der);
    const smallCost = lookupCost(smallCrl, small.extra.map((e) => e.serial.toString('hex').toUpperCase()), Math.min(runs, 9));
    rows.push({ what: `lookup in ${Math.floor(entries / 10)} entries`, values: smallCost, unit: 'ns' });
    const flat = median(big) / median(smallCost);
    rows.push({ what: `lookup in ${entries} entries (10× more)`, values: big, unit: 'ns', target: 'O(1): same ns at 10× size', met: flat < 2 });
    rows.push({
      what: 'parseCrl.verifySignature',
      values: timeRuns(5, () => {
        if (!crl.verifySignature(ca.authority.certDer)) throw new Error('signature did not verify');
      }),
      unit: 'ms',
    });

    const f = (n: number) => (n < 10 ? n.toFixed(2) : n.toFixed(0));
    const table = rows.map((r) => [r.what, `${f(median(r.values))} ${r.unit}`, `${f(Math.min(...r.values))}–${f(Math.max(...r.values))}`, r.target ?? '', r.target ? (r.met ? 'met' : 'MISSED') : '']);
    const header = ['what', `median of ≤${runs}`, 'min–max', 'target', 'met?'];
    const widths = header.map((h, i) => Math.max(h.length, ...table.map((r) => r[i]!.length)));
    const line = (r: string[]) => r.map((v, i) => (i === 1 ? v.padStart(widths[i]!) : v.padEnd(widths[i]!))).join('  ').trimEnd();
    const la = (l: number[]) => l.map((x) => x.toFixed(2)).join(' ');
    console.log(`\nCRL benchmark (node ${process.version}, ${new Date().toISOString()})`);
    console.log(`load average before: ${la(load0)}; after: ${la(loadavg())}\n`);
    console.log(line(header));
    console.log(line(widths.map((w) => '-'.repeat(w))));
    for (const r of table) console.log(line(r));
    const startup = median(rows[1]!.values);
    console.log(`\nratio openssl crl (incl. process start) / parseCrl: ${(median(opensslParse) / median(ours)).toFixed(1)}×; excluding start-up: ${(Math.max(median(opensslParse) - startup, 0) / median(ours)).toFixed(1)}×`);
    console.log(`lookup cost at 10× the entries / at 1×: ${flat.toFixed(2)} (1 = constant time)`);
  } finally {
    pki.cleanup();
  }
}

main();
