// CRL with 10,000 entries: build time, parse time of parseCrl vs the openssl CLI, and lookup cost.
//
//   node --import tsx bench/crl-bench.ts [--entries 10000] [--runs 20]
//
// openssl's figure includes its process start (that is what a shell pipeline pays); the `openssl version` row shows
// that start-up alone, so the difference is openssl's own parse.

import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildCrl, syntheticEntries } from '../ca/crl-builder';
import { parseCrl } from '../ca/crl-parser';
import { makeTestPki } from '../ca/revocation-test-pki';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}

const ms = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e6;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function timeRuns(runs: number, fn: () => void): number {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = process.hrtime.bigint();
    fn();
    times.push(ms(t));
  }
  return median(times);
}

function main(): void {
  const entries = Number(arg('entries', '10000'));
  const runs = Number(arg('runs', '20'));
  const pki = makeTestPki();
  try {
    const ca = pki.rsa;
    const now = Math.floor(Date.now() / 1000) * 1000;
    const extra = syntheticEntries(ca.authority, entries, new Date(now - 86_400_000));
    let der: Buffer = Buffer.alloc(0);
    const build = timeRuns(Math.max(3, Math.floor(runs / 4)), () => {
      der = buildCrl(ca.authority, { thisUpdate: new Date(now), nextUpdate: new Date(now + 86_400_000), crlNumber: 1n, extraEntries: extra });
    });
    const file = join(ca.dir, 'large.crl');
    writeFileSync(file, der);

    const opensslStart = timeRuns(runs, () => spawnSync('openssl', ['version']));
    const opensslParse = timeRuns(runs, () => {
      const r = spawnSync('openssl', ['crl', '-inform', 'DER', '-in', file, '-noout']);
      if (r.status !== 0) throw new Error(r.stderr.toString());
    });
    const opensslText = timeRuns(Math.max(3, Math.floor(runs / 4)), () => spawnSync('openssl', ['crl', '-inform', 'DER', '-in', file, '-noout', '-text'], { maxBuffer: 1 << 28 }));
    let crl = parseCrl(der);
    const ours = timeRuns(runs, () => {
      crl = parseCrl(der);
    });
    if (crl.entries !== entries + ca.authority.revoked.length) throw new Error(`parsed ${crl.entries} entries`);

    const probes = extra.map((e) => e.serial.toString('hex').toUpperCase());
    const lookups = 1_000_000;
    const t = process.hrtime.bigint();
    let hits = 0;
    for (let i = 0; i < lookups; i++) if (crl.lookup(probes[i % probes.length]!)) hits++;
    const perLookupNs = (ms(t) * 1e6) / lookups;
    if (hits !== lookups) throw new Error('a lookup missed');
    const verify = timeRuns(5, () => {
      if (!crl.verifySignature(ca.authority.certDer)) throw new Error('signature did not verify');
    });

    const rows: [string, string][] = [
      [`buildCrl (${entries} entries, ${(der.length / 1024).toFixed(0)} KiB, RSA-2048 signed)`, `${build.toFixed(1)} ms`],
      ['openssl version (process start only)', `${opensslStart.toFixed(1)} ms`],
      ['openssl crl -inform DER -noout', `${opensslParse.toFixed(1)} ms`],
      ['openssl crl -inform DER -noout -text', `${opensslText.toFixed(1)} ms`],
      ['parseCrl', `${ours.toFixed(2)} ms`],
      ['parseCrl.lookup (Map, 1e6 lookups)', `${perLookupNs.toFixed(0)} ns/lookup`],
      ['parseCrl.verifySignature', `${verify.toFixed(2)} ms`],
    ];
    const width = Math.max(...rows.map((r) => r[0].length));
    console.log(`CRL benchmark: median of ${runs} runs (target: parse well under 100 ms, lookup O(1))`);
    for (const [k, v] of rows) console.log(`${k.padEnd(width)}  ${v}`);
    console.log(`ratio openssl crl (parse, incl. process start) / parseCrl: ${(opensslParse / ours).toFixed(1)}×; excluding start-up: ${(Math.max(opensslParse - opensslStart, 0) / ours).toFixed(1)}×`);
  } finally {
    pki.cleanup();
  }
}

main();
