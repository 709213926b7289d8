// What the .NET certificate model costs per request: parsing the client certificate into X509Certificate2,
// VerifyNoRevocation() with the signature cache warm (same certificates again, the usual case) and cold (every
// signature checked), and Verify() once revocation is prepared and cached.
//
//   node --import tsx bench/x509-certificate2-bench.ts [seconds-per-case=1]
//
// Certificates come from the openssl CLI (root RSA 2048 → intermediate EC P-256 → leaf EC P-256). Revocation uses
// an in-process loopback CRL server, so "prepare (cached)" measures the cache path, not the network.

import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { clearSignatureCache } from '../emulator/certificates/chain-builder';
import { makeOpensslPki } from '../emulator/certificates/fixtures/openssl-pki';
import { RevocationChecker } from '../emulator/certificates/revocation-checker';
import { TrustStore } from '../emulator/certificates/trust-store';
import { X509Certificate2 } from '../emulator/certificates/x509-certificate2';

const seconds = Number(process.argv[2] ?? 1);

async function measure(name: string, fn: () => unknown | Promise<unknown>): Promise<{ name: string; opsPerSec: number }> {
  for (let i = 0; i < 50; i++) await fn(); // warm-up
  let ops = 0;
  const start = process.hrtime.bigint();
  const budget = BigInt(Math.round(seconds * 1e9));
  while (process.hrtime.bigint() - start < budget) {
    for (let i = 0; i < 20; i++) await fn();
    ops += 20;
  }
  const elapsed = Number(process.hrtime.bigint() - start) / 1e9;
  return { name, opsPerSec: ops / elapsed };
}

const crls: Record<string, Buffer> = {};
const server = createServer((req, res) => {
  const der = crls[(req.url ?? '').replace(/^\/|\.crl$/g, '')];
  if (!der) return void res.writeHead(404).end();
  res.writeHead(200, { 'content-type': 'application/pkix-crl' }).end(der);
});
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
const pki = makeOpensslPki({ rootCrl: `${base}/root.crl`, interCrl: `${base}/inter.crl`, interOcsp: `${base}/no-ocsp` });
crls.root = pki.genCrl('root');
crls.inter = pki.genCrl('inter');

const store = TrustStore.fromCaCertificates([{ der: pki.root.der, store: 'Root' }]);
const leaf = pki.leaves.crlOnly.der;
const presented = [pki.inter.der];
const checker = new RevocationChecker();
const prepared = X509Certificate2.fromDer(leaf, presented, { trustStore: store });
await prepared.prepare({ revocation: checker });
if (!prepared.verify()) throw new Error(`fixture does not verify: ${prepared.lastFailure?.detail}`);

const results = [
  await measure('fromDer + Subject + Thumbprint', () => {
    const c = X509Certificate2.fromDer(leaf, presented, { trustStore: store });
    return [c.getMember('Subject'), c.getMember('Thumbprint')];
  }),
  await measure('fromDer + VerifyNoRevocation (signature cache warm)', () => X509Certificate2.fromDer(leaf, presented, { trustStore: store }).verifyNoRevocation()),
  await measure('fromDer + VerifyNoRevocation (cold: 2 signatures)', () => {
    clearSignatureCache();
    return X509Certificate2.fromDer(leaf, presented, { trustStore: store }).verifyNoRevocation();
  }),
  await measure('Verify() on a prepared certificate', () => prepared.verify()),
  await measure('fromDer + prepare (cached CRLs) + Verify', async () => {
    const c = X509Certificate2.fromDer(leaf, presented, { trustStore: store });
    await c.prepare({ revocation: checker });
    return c.verify();
  }),
];

const baseline = results[0]!.opsPerSec;
console.log(`X509Certificate2 model, ${seconds}s per case (measured under load if the machine is shared)\n`);
console.log(`${'case'.padEnd(55)} ${'ops/s'.padStart(12)} ${'vs parse'.padStart(9)}`);
for (const r of results) console.log(`${r.name.padEnd(55)} ${Math.round(r.opsPerSec).toLocaleString('en-US').padStart(12)} ${(r.opsPerSec / baseline).toFixed(2).padStart(8)}×`);

server.close();
pki.cleanup();
