// PKI lab benchmark: `node --import tsx bench/ca-bench.ts` (or `npm run bench:ca`). Prints a table and ratios.
//
//  1. EC P-256 client leaves in-process (signed by an EC intermediate): with a pooled key, and with a fresh key each;
//     the openssl CLI in a shell loop (`openssl req -new -key … | openssl x509 -req …`) in the same run.
//  2. RSA-2048 key generation: one after another vs in parallel (thread pool).
//  3. The default spec to disk: cold (no key cache), from the key cache (fresh output dir), and up to date (no-op).
// Options: BENCH_LEAVES (default 5000), BENCH_OPENSSL (default 40).

import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildCertificate, buildExtensions, keyIdentifier, type Signer } from '../ca/certificate-builder';
import { derToPem } from '../ca/der';
import { encodeDn, fromDotnetString } from '../ca/dn';
import { defaultSpec, initPki } from '../ca/index';
import { generateKey, generateKeySync, KeyPool, privateKeyPem, type KeyMaterial } from '../ca/keys';
import { deterministicSerial } from '../ca/names';

const LEAVES = Number(process.env.BENCH_LEAVES ?? 5000);
const OPENSSL_N = Number(process.env.BENCH_OPENSSL ?? 40);
const rows: [string, string, string][] = [];
const fmt = (n: number) => n.toLocaleString('en-US', { maximumFractionDigits: n < 10 ? 2 : 0 });

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

function rate(label: string, n: number, fn: (i: number) => void): number {
  for (let i = 0; i < Math.min(200, n); i++) fn(i); // warm up
  const t0 = performance.now();
  for (let i = 0; i < n; i++) fn(i);
  const perSec = n / ((performance.now() - t0) / 1000);
  rows.push([label, `${fmt(perSec)} /s`, `${n} certificates`]);
  return perSec;
}

async function main(): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), 'certgate-bench-'));
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

    const pool = await KeyPool.create({ 'ec-p256': 16 });
    const pooled = rate('EC P-256 leaf, in-process, pooled key', LEAVES, (i) => issueLeaf(signer, pool.take('ec-p256'), i));
    const fresh = rate('EC P-256 leaf, in-process, fresh key', LEAVES, (i) => issueLeaf(signer, generateKeySync('ec-p256'), i));

    // openssl CLI loop, same CA, same kind of leaf, one leaf key reused (the fair match for the pooled-key figure).
    await writeFile(join(work, 'ca.pem'), derToPem(caDer, 'CERTIFICATE'));
    await writeFile(join(work, 'ca.key'), privateKeyPem(caKey.privateKey), { mode: 0o600 });
    await writeFile(join(work, 'ext.cnf'), 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n');
    const script = `cd ${work}; openssl ecparam -name prime256v1 -genkey -noout -out leaf.key 2>/dev/null
    for i in $(seq 1 ${OPENSSL_N}); do
      openssl req -new -key leaf.key -subj "/C=US/O=Bench/CN=client $i" | openssl x509 -req -CA ca.pem -CAkey ca.key -set_serial $i -days 365 -sha256 -extfile ext.cnf -out leaf.pem 2>/dev/null
    done`;
    const t0 = performance.now();
    const r = spawnSync('bash', ['-c', script], { stdio: 'ignore' });
    if (r.status !== 0) throw new Error('openssl loop failed');
    const cli = OPENSSL_N / ((performance.now() - t0) / 1000);
    rows.push(['EC P-256 leaf, openssl CLI loop (req | x509 -req)', `${fmt(cli)} /s`, `${OPENSSL_N} certificates`]);

    // RSA keys: sequential vs parallel.
    const K = 4;
    let t = performance.now();
    for (let i = 0; i < K; i++) await generateKey('rsa2048');
    const seqMs = performance.now() - t;
    t = performance.now();
    await Promise.all(Array.from({ length: K }, () => generateKey('rsa2048')));
    const parMs = performance.now() - t;
    rows.push([`RSA-2048 keys ×${K}, one after another`, `${fmt(seqMs)} ms`, `${fmt(seqMs / K)} ms/key`]);
    rows.push([`RSA-2048 keys ×${K}, in parallel`, `${fmt(parMs)} ms`, `${fmt(parMs / K)} ms/key`]);

    // The default spec to disk.
    const cache = join(work, 'cache');
    const timeInit = async (label: string, out: string, note: string) => {
      const s = performance.now();
      const res = await initPki(defaultSpec(), out, { cacheDir: cache });
      const ms = performance.now() - s;
      rows.push([label, `${fmt(ms)} ms`, `${note}; ${res.upToDate ? 'up to date' : `${res.files.length} files, keys ${res.stats.keysGenerated} new / ${res.stats.keysFromCache} cached`}`]);
      return ms;
    };
    const cold = await timeInit('default spec → disk, cold', join(work, 'out1'), 'empty key cache');
    const cachedKeys = await timeInit('default spec → disk, keys from cache', join(work, 'out2'), 'fresh output dir');
    const upToDate = await timeInit('default spec → disk, output up to date', join(work, 'out2'), 'same dir, same spec hash');

    const w = [Math.max(...rows.map((x) => x[0].length)), Math.max(...rows.map((x) => x[1].length))];
    console.log(`\ncertgate PKI lab benchmark (node ${process.version}, ${new Date().toISOString()})\n`);
    console.log(`${'what'.padEnd(w[0]!)}  ${'result'.padStart(w[1]!)}  detail`);
    console.log(`${'-'.repeat(w[0]!)}  ${'-'.repeat(w[1]!)}  ------`);
    for (const [a, b, c] of rows) console.log(`${a.padEnd(w[0]!)}  ${b.padStart(w[1]!)}  ${c}`);
    console.log('\nratios and targets');
    console.log(`  pooled key / openssl CLI: ${fmt(pooled / cli)}×   (target ≥ 40×; rate target ≥ 2,000/s: ${pooled >= 2000 ? 'met' : 'MISSED'})`);
    console.log(`  fresh key  / openssl CLI: ${fmt(fresh / cli)}×   (rate ≥ 2,000/s: ${fresh >= 2000 ? 'met' : 'MISSED'})`);
    console.log(`  RSA keys sequential / parallel: ${fmt(seqMs / parMs)}×`);
    console.log(`  default spec cold: ${fmt(cold)} ms (target < 2,000: ${cold < 2000 ? 'met' : 'MISSED'}); from key cache: ${fmt(cachedKeys)} ms (target < 200: ${cachedKeys < 200 ? 'met' : 'MISSED'}); up to date: ${fmt(upToDate)} ms`);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

await main();
