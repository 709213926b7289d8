// PKI lab benchmark: `node --import tsx bench/ca-bench.ts` (or `npm run bench:ca`). Prints a table and ratios.
//
//  1. EC P-256 client leaves in-process (signed by an EC intermediate), each with its own serial and subject:
//       - fresh key: a new P-256 key pair per leaf (ECDH keygen, SPKI/PKCS#8 from DER templates; see ca/keys.ts);
//       - fresh key + key PEM: the same, also producing the private key's PEM (all a caller needs to write it out);
//       - pooled key: keys from a KeyPool of 16 (what a test that does not care which key it gets would use).
//     The openssl CLI in a shell loop (`req -new | x509 -req`, one leaf key reused: its fastest form) is timed in the
//     same round, so every ratio compares two figures measured side by side.
//  2. RSA-2048 key generation: one after another vs in parallel (thread pool).
//  3. The default spec to disk: cold (empty key cache, empty dir), keys from the key cache (empty dir), and output
//     up to date (same dir again).
// Every figure is the median of BENCH_ROUNDS rounds (default 5); min–max is shown beside it.
// Options (env): BENCH_ROUNDS (5), BENCH_LEAVES per round (4000), BENCH_OPENSSL leaves per round (30).
//
// What is cached (ca/keys.ts, ca/write.ts):
//  - key cache (cacheDir): one PKCS#8 PEM (0600) per (seed, key label, key type), the label being the certificate's
//    name or its sharedKey name; keys only, never certificates (their validity depends on the clock).
//  - output cache: initPki does nothing when <out>/manifest.json carries the same spec hash (SHA-256 of issuer
//    version + parsed spec + clock + responder address) and every file it lists exists.

import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildCertificate, buildExtensions, keyIdentifier, type Signer } from '../ca/certificate-builder';
import { derToPem } from '../ca/der';
import { encodeDn, fromDotnetString } from '../ca/dn';
import { defaultSpec, initPki } from '../ca/index';
import { generateKey, generateKeySync, keyMaterialPem, KeyPool, type KeyMaterial } from '../ca/keys';
import { deterministicSerial } from '../ca/names';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const LEAVES = Number(process.env.BENCH_LEAVES ?? 4000);
const OPENSSL_N = Number(process.env.BENCH_OPENSSL ?? 30);
const fmt = (n: number) => n.toLocaleString('en-US', { maximumFractionDigits: n < 10 ? 2 : 0 });
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

function issueLeaf(signer: Signer, key: KeyMaterial, i: number): Buffer {
  const now = Date.now();
  return buildCertificate(
    {
      serial: deterministicSerial('bench', String(i)),
      subject: encodeDn([[{ type: '2.5.4.6', value: 'US' }], [{ type: '2.5.4.10', value: 'Bench' }], [{ type: '2.5.4.3', value: `client ${i}` }]]),
      notBefore: new Date(now - 86_400_000),
      notAfter: new Date(now + 365 * 86_400_000),
      spki: key.spki,
      extensions: buildExtensions({
        ca: false,
        keyUsage: ['digitalSignature'],
        extendedKeyUsage: ['clientAuth'],
        subjectKeyId: keyIdentifier(key.spki),
        authorityKeyId: signer.keyId,
        crlUrls: ['http://127.0.0.1:8780/crl/intermediate-ca.crl'],
        ocspUrls: ['http://127.0.0.1:8780/ocsp/intermediate-ca'],
      }),
    },
    signer,
  );
}

/** Leaves per second over n leaves (after a short warm-up). */
function rate(n: number, fn: (i: number) => unknown): number {
  for (let i = 0; i < Math.min(200, n); i++) fn(i);
  const t0 = performance.now();
  for (let i = 0; i < n; i++) fn(i);
  return n / ((performance.now() - t0) / 1000);
}

interface Row {
  what: string;
  values: number[];
  unit: string;
  target?: { text: string; met: (median: number) => boolean };
  detail?: string;
}

async function main(): Promise<void> {
  const load0 = loadavg();
  const work = await mkdtemp(join(tmpdir(), 'certgate-bench-'));
  const rows: Row[] = [];
  try {
    // An EC intermediate to sign with, shared by both sides.
    const caKey = generateKeySync('ec-p256');
    const caName = encodeDn(fromDotnetString('CN=Bench Issuing CA, O=Bench, C=US'));
    const signer: Signer = { name: caName, key: caKey.privateKey, keyType: 'ec-p256', keyId: keyIdentifier(caKey.spki) };
    const caDer = buildCertificate(
      {
        serial: Buffer.from([1]),
        subject: caName,
        notBefore: new Date(Date.now() - 86_400_000),
        notAfter: new Date(Date.now() + 3650 * 86_400_000),
        spki: caKey.spki,
        extensions: buildExtensions({ ca: true, keyUsage: ['keyCertSign', 'cRLSign'], extendedKeyUsage: [], subjectKeyId: signer.keyId, crlUrls: [], ocspUrls: [] }),
      },
      signer,
    );
    await writeFile(join(work, 'ca.pem'), derToPem(caDer, 'CERTIFICATE'));
    await writeFile(join(work, 'ca.key'), keyMaterialPem(caKey), { mode: 0o600 });
    await writeFile(join(work, 'ext.cnf'), 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n');
    // The CLI reuses one leaf key: its fastest loop (a key per leaf would add a process per leaf), the strict baseline.
    const script = `cd ${work}; openssl ecparam -name prime256v1 -genkey -noout -out leaf.key
    for i in $(seq 1 ${OPENSSL_N}); do
      openssl req -new -key leaf.key -subj "/C=US/O=Bench/CN=client $i" | openssl x509 -req -CA ca.pem -CAkey ca.key -set_serial $i -days 365 -sha256 -extfile ext.cnf -out leaf.pem 2>/dev/null
    done`;
    const pool = await KeyPool.create({ 'ec-p256': 16 });

    const fresh: number[] = [];
    const freshPem: number[] = [];
    const pooled: number[] = [];
    const cli: number[] = [];
    const ratio: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      fresh.push(rate(LEAVES, (i) => issueLeaf(signer, generateKeySync('ec-p256'), i)));
      freshPem.push(
        rate(LEAVES, (i) => {
          const key = generateKeySync('ec-p256');
          return [issueLeaf(signer, key, i), keyMaterialPem(key)];
        }),
      );
      pooled.push(rate(LEAVES, (i) => issueLeaf(signer, pool.take('ec-p256'), i)));
      const t0 = performance.now();
      const res = spawnSync('bash', ['-c', script], { stdio: 'ignore' });
      if (res.status !== 0) throw new Error('openssl loop failed');
      cli.push(OPENSSL_N / ((performance.now() - t0) / 1000));
      ratio.push(fresh.at(-1)! / cli.at(-1)!);
    }
    const leafTarget = { text: '≥ 2,000/s', met: (m: number) => m >= 2000 };
    rows.push({ what: 'EC P-256 leaf, fresh key each (in-process)', values: fresh, unit: '/s', target: leafTarget, detail: `${LEAVES} leaves/round` });
    rows.push({ what: 'EC P-256 leaf, fresh key each + key PEM', values: freshPem, unit: '/s', target: leafTarget, detail: `${LEAVES} leaves/round` });
    rows.push({ what: 'EC P-256 leaf, pooled key (16 keys)', values: pooled, unit: '/s', target: leafTarget, detail: `${LEAVES} leaves/round` });
    rows.push({ what: 'EC P-256 leaf, openssl CLI loop, one key reused', values: cli, unit: '/s', detail: `${OPENSSL_N} leaves/round (req | x509 -req)` });
    rows.push({ what: 'ratio fresh key / openssl CLI (per round)', values: ratio, unit: '×', target: { text: '≥ 40×', met: (m) => m >= 40 } });

    // RSA keys: sequential vs parallel.
    const K = 4;
    const seqMs: number[] = [];
    const parMs: number[] = [];
    for (let r = 0; r < Math.min(ROUNDS, 3); r++) {
      let t = performance.now();
      for (let i = 0; i < K; i++) await generateKey('rsa2048');
      seqMs.push(performance.now() - t);
      t = performance.now();
      await Promise.all(Array.from({ length: K }, () => generateKey('rsa2048')));
      parMs.push(performance.now() - t);
    }
    rows.push({ what: `RSA-2048 keys ×${K}, one after another`, values: seqMs, unit: 'ms' });
    rows.push({ what: `RSA-2048 keys ×${K}, in parallel (thread pool)`, values: parMs, unit: 'ms' });

    // The default spec to disk.
    const cold: number[] = [];
    const fromKeyCache: number[] = [];
    const upToDate: number[] = [];
    let detail = '';
    for (let r = 0; r < ROUNDS; r++) {
      const cache = join(work, `cache${r}`);
      const time = async (out: string) => {
        const s = performance.now();
        const res = await initPki(defaultSpec(), out, { cacheDir: cache });
        return { ms: performance.now() - s, res };
      };
      const c = await time(join(work, `cold${r}`));
      cold.push(c.ms);
      detail = `${c.res.files.length} files, ${c.res.stats.keysGenerated} keys`;
      const k = await time(join(work, `warm${r}`));
      if (k.res.stats.keysGenerated !== 0) throw new Error('key cache missed');
      fromKeyCache.push(k.ms);
      const u = await time(join(work, `warm${r}`));
      if (!u.res.upToDate) throw new Error('output cache missed');
      upToDate.push(u.ms);
    }
    rows.push({ what: 'default spec → disk, cold (no caches)', values: cold, unit: 'ms', target: { text: '< 2,000 ms', met: (m) => m < 2000 }, detail });
    rows.push({ what: 'default spec → disk, keys from key cache, empty dir', values: fromKeyCache, unit: 'ms', target: { text: '< 200 ms', met: (m) => m < 200 }, detail: 'issues + writes everything' });
    rows.push({ what: 'default spec → disk, output up to date', values: upToDate, unit: 'ms', target: { text: '< 200 ms', met: (m) => m < 200 }, detail: 'same dir, same spec hash' });
  } finally {
    await rm(work, { recursive: true, force: true });
  }

  const la = (l: number[]) => l.map((x) => x.toFixed(2)).join(' ');
  const table = rows.map((r) => {
    const m = median(r.values);
    return [r.what, `${fmt(m)} ${r.unit}`, `${fmt(Math.min(...r.values))}–${fmt(Math.max(...r.values))}`, r.target?.text ?? '', r.target ? (r.target.met(m) ? 'met' : 'MISSED') : '', r.detail ?? ''];
  });
  const header = ['what', `median of ${ROUNDS}`, 'min–max', 'target', 'met?', 'detail'];
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((v, i) => (i === 1 ? v.padStart(widths[i]!) : v.padEnd(widths[i]!))).join('  ').trimEnd();
  console.log(`\ncertgate PKI lab benchmark (node ${process.version}, ${new Date().toISOString()})`);
  console.log(`load average before: ${la(load0)}; after: ${la(loadavg())} (2 cores; figures under load are lower)\n`);
  console.log(line(header));
  console.log(line(widths.map((w) => '-'.repeat(w))));
  for (const r of table) console.log(line(r));
  console.log('\nThe leaf target is read as "a fresh P-256 key per leaf, one core": the fresh-key row is the figure held to it.');
  console.log('Cached: keys by (seed, certificate or sharedKey name, key type) in the key cache dir; whole outputs by spec hash (manifest.json).');
}

await main();
