// Online revocation through real loopback HTTP: OCSP from the PKI lab's revocation server (ca/revocation-server.ts,
// with its switchable faults) and CRLs that `openssl ca -gencrl` wrote, served by a tiny server in this file. The
// certificates (openssl-made) point at both, so prepare() → Verify() runs exactly as the gateway would run it.

import { createPrivateKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseCertificate, serialHexOf } from '../../ca/certificate-info';
import { parseCrl } from '../../ca/crl-parser';
import { startRevocationServer, type RevocationServer } from '../../ca/revocation-server';
import type { IssuingAuthority } from '../../ca/types';
import type { TimelineEvent } from '../pipeline/contract';
import { makeOpensslPki, type LeafName, type OpensslPki } from './fixtures/openssl-pki';
import { refusalReason } from './http-fetch';
import { RevocationChecker } from './revocation-checker';
import { TrustStore } from './trust-store';
import { X509Certificate2 } from './x509-certificate2';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
type CrlMode = 'ok' | '503' | 'garbage' | 'wrong-issuer' | 'hang';

interface CrlServer {
  readonly url: string;
  mode: CrlMode;
  requests: number;
  crls: Record<string, Buffer>;
  close(): Promise<void>;
}

async function startCrlServer(): Promise<CrlServer> {
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    state.requests++;
    const name = (req.url ?? '').replace(/^\//, '').replace(/\.crl$/, '');
    if (state.mode === 'hang') return; // never answers; closed in afterAll
    if (state.mode === '503') return void res.writeHead(503).end('try later');
    if (state.mode === 'garbage') return void res.writeHead(200, { 'content-type': 'application/pkix-crl' }).end('this is not a CRL');
    const der = state.mode === 'wrong-issuer' ? state.crls.root : state.crls[name];
    if (!der) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'application/pkix-crl', 'content-length': der.length }).end(der);
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const state: CrlServer = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    mode: 'ok',
    requests: 0,
    crls: {},
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
  return state;
}

let pki: OpensslPki;
let ocsp: RevocationServer;
let crl: CrlServer;
// The revocation server needs its authority before the certificates exist (they embed its URL), so the
// authority object is filled in once openssl has made the intermediate; no request reaches it before that.
const interAuthority: Mutable<IssuingAuthority> = {
  name: 'inter',
  certDer: Buffer.alloc(0),
  key: undefined as unknown as KeyObject,
  keyType: 'ec-p256',
  issuedSerials: new Set<string>(),
  revoked: [],
};

beforeAll(async () => {
  ocsp = await startRevocationServer({ authorities: [interAuthority] });
  crl = await startCrlServer();
  pki = makeOpensslPki({ rootCrl: `${crl.url}/root.crl`, interCrl: `${crl.url}/inter.crl`, interOcsp: ocsp.ocspUrl('inter') });
  interAuthority.certDer = pki.inter.der;
  interAuthority.key = createPrivateKey(readFileSync(pki.inter.keyFile));
  // noEku is left out on purpose: the responder answers "unknown" for it, and the checker must fall back to the CRL.
  interAuthority.issuedSerials = new Set(Object.entries(pki.leaves).filter(([name]) => name !== 'noEku').map(([, l]) => serialHexOf(parseCertificate(l.der).serial)));
  interAuthority.revoked = [{ serial: parseCertificate(pki.leaves.revoked.der).serial, revokedAt: new Date(Math.floor(Date.now() / 1000) * 1000 - 86_400_000), reason: 'keyCompromise' }];
  crl.crls.root = pki.genCrl('root');
  crl.crls.inter = pki.genCrl('inter');
});

afterEach(async () => {
  crl.mode = 'ok';
  await ocsp.faults.clear();
});

afterAll(async () => {
  await ocsp?.close();
  await crl?.close();
  pki?.cleanup();
});

const trusted = () => TrustStore.fromCaCertificates([{ der: pki.root.der, store: 'Root' }]);
const client = (name: LeafName, presented = [pki.inter.der]) => X509Certificate2.fromDer(pki.leaves[name].der, presented, { trustStore: trusted() });
const outcomes = (c: X509Certificate2) => c.revocation!.elements.map((e) => `${e.status}/${e.source ?? '-'}`);

describe('the openssl CRLs themselves', () => {
  it('list exactly the certificates openssl ca revoked, with their reason', () => {
    const inter = parseCrl(crl.crls.inter!);
    expect(inter.verifySignature(pki.inter.der)).toBe(true);
    expect(inter.lookup(serialHexOf(parseCertificate(pki.leaves.crlOnlyRevoked.der).serial))?.reason).toBe('keyCompromise');
    expect(inter.lookup(serialHexOf(parseCertificate(pki.leaves.crlOnly.der).serial))).toBeUndefined();
    expect(inter.entries).toBe(2);
  });
});

describe('prepare() then Verify()', () => {
  it('valid leaf: OCSP good for the leaf, the root CRL for the intermediate, the root excluded → Verify() true', async () => {
    const c = client('valid');
    const report = await c.prepare({ revocation: new RevocationChecker() });
    expect(report.status).toBe('good');
    expect(outcomes(c)).toEqual(['good/ocsp', 'good/crl']);
    expect(c.invoke('Verify', [])).toBe(true);
  });

  it('revoked leaf (OCSP): Verify() false, VerifyNoRevocation() true, reason ClientCertificateRevoked', async () => {
    const c = client('revoked');
    await c.prepare({ revocation: new RevocationChecker() });
    expect(outcomes(c)).toEqual(['revoked/ocsp', 'good/crl']);
    expect(c.revocation!.elements[0]!.reason).toBe('keyCompromise');
    expect(c.invoke('Verify', [])).toBe(false);
    expect(c.invoke('VerifyNoRevocation', [])).toBe(true);
    const r = c.validate({ checkTrust: true, checkNotBefore: true, checkNotAfter: true, checkRevocation: true });
    expect(r).toMatchObject({ ok: false, reason: 'ClientCertificateRevoked' });
    expect(r.ok === false && r.revocationDetail).toMatch(/revoked/);
  });

  it('CRL-only leaves: the openssl CRL decides (not listed → good, listed → revoked with its reason)', async () => {
    const checker = new RevocationChecker();
    const good = client('crlOnly');
    await good.prepare({ revocation: checker });
    expect(outcomes(good)).toEqual(['good/crl', 'good/crl']);
    expect(good.verify()).toBe(true);
    const bad = client('crlOnlyRevoked');
    await bad.prepare({ revocation: checker });
    expect(outcomes(bad)).toEqual(['revoked/crl', 'good/crl']);
    expect(bad.revocation!.elements[0]!.reason).toBe('keyCompromise');
    expect(bad.verify()).toBe(false);
  });

  it('OCSP responder down → falls back to the CRL, for good and revoked leaves alike', async () => {
    await ocsp.faults.set({ mode: 'down', ca: 'inter' });
    const checker = new RevocationChecker();
    const good = client('valid');
    await good.prepare({ revocation: checker });
    expect(outcomes(good)).toEqual(['good/crl', 'good/crl']);
    expect(good.revocation!.elements[0]!.attempts.map((a) => `${a.method}:${a.outcome}`)).toEqual(['ocsp:error', 'crl:good']);
    const revoked = client('revoked');
    await revoked.prepare({ revocation: checker });
    expect(outcomes(revoked)[0]).toBe('revoked/crl');
  });

  it('OCSP tryLater and CRL 503 → unknown, fails closed with both reasons recorded', async () => {
    await ocsp.faults.set({ mode: 'tryLater', ca: 'inter' });
    crl.mode = '503';
    const c = client('valid');
    const report = await c.prepare({ revocation: new RevocationChecker() });
    expect(report.status).toBe('unknown');
    const leaf = report.elements[0]!;
    expect(leaf.flags).toEqual(['RevocationStatusUnknown', 'OfflineRevocation']);
    expect(leaf.detail).toMatch(/tryLater/);
    expect(leaf.detail).toMatch(/HTTP 503/);
    expect(c.verify()).toBe(false);
    expect(c.verifyNoRevocation()).toBe(true);
  });

  it('a bad OCSP signature and a CRL from the wrong CA are both refused', async () => {
    await ocsp.faults.set({ mode: 'badSignature', ca: 'inter' });
    crl.mode = 'wrong-issuer';
    const c = client('valid');
    await c.prepare({ revocation: new RevocationChecker() });
    const [ocspTry, crlTry] = c.revocation!.elements[0]!.attempts;
    expect(ocspTry).toMatchObject({ outcome: 'error', detail: expect.stringMatching(/signature/) });
    expect(crlTry).toMatchObject({ outcome: 'error', detail: expect.stringMatching(/not signed by the certificate's issuer/) });
    expect(c.verify()).toBe(false);
  });

  it('a stale OCSP answer and an expired CRL are refused', async () => {
    await ocsp.faults.set({ mode: 'staleNextUpdate', ca: 'inter' });
    crl.mode = '503';
    const stale = client('valid');
    await stale.prepare({ revocation: new RevocationChecker() });
    expect(stale.revocation!.elements[0]!.attempts[0]!.detail).toMatch(/stale/);
    expect(stale.verify()).toBe(false);
    crl.mode = 'ok';
    // openssl's CRLs are valid for 7 days; a checker whose clock is 8 days on sees them expired.
    const later = new RevocationChecker({ clock: () => new Date(Date.now() + 8 * 86_400_000) });
    const c = client('crlOnly');
    await c.prepare({ revocation: later });
    expect(c.revocation!.elements[0]!.detail).toMatch(/CRL expired/);
    expect(c.revocation!.status).toBe('unknown');
  });

  it('OCSP "unknown" is not an answer: the CRL is asked next (and EKU is not Verify()\'s business)', async () => {
    const c = client('noEku');
    await c.prepare({ revocation: new RevocationChecker() });
    expect(c.revocation!.elements[0]!.attempts.map((a) => `${a.method}:${a.outcome}`)).toEqual(['ocsp:unknown', 'crl:good']);
    expect(c.verify()).toBe(true);
  });

  it('a response larger than the limit is refused', async () => {
    const c = client('crlOnly');
    await c.prepare({ revocation: new RevocationChecker({ maxResponseBytes: 64 }) });
    expect(c.revocation!.elements[0]!.detail).toMatch(/larger than 64 bytes/);
    expect(c.verify()).toBe(false);
  });

  it('a response that is not a CRL is an error, not a pass', async () => {
    crl.mode = 'garbage';
    const c = client('crlOnly');
    await c.prepare({ revocation: new RevocationChecker() });
    expect(c.revocation!.elements[0]!.detail).toMatch(/not a CRL/);
    expect(c.verify()).toBe(false);
  });

  it('no revocation pointers → RevocationStatusUnknown without any network request; Verify() false', async () => {
    const before = { ocsp: ocsp.stats.requests, crl: crl.requests };
    const c = client('bare');
    await c.prepare({ revocation: new RevocationChecker() });
    const leaf = c.revocation!.elements[0]!;
    expect(leaf).toMatchObject({ status: 'unknown', flags: ['RevocationStatusUnknown'] });
    expect(leaf.detail).toMatch(/no CRL distribution point and no OCSP URL/);
    expect({ ocsp: ocsp.stats.requests, crl: crl.requests - 1 }).toEqual(before); // only the intermediate's root CRL
    expect(c.verify()).toBe(false);
    expect(c.verifyNoRevocation()).toBe(true);
  });

  it('non-loopback revocation URLs are refused before any connection', async () => {
    expect(refusalReason('http://192.0.2.10/inter.crl', false)).toMatch(/not a loopback address/);
    expect(refusalReason('ldap://127.0.0.1/cn=x', false)).toMatch(/only http/);
    expect(refusalReason('http://[::1]:8080/x.crl', false)).toBeUndefined();
    const c = client('remote');
    await c.prepare({ revocation: new RevocationChecker() });
    expect(c.revocation!.elements[0]!.attempts.map((a) => a.outcome)).toEqual(['refused', 'refused']);
    expect(c.verify()).toBe(false);
  });

  it('is bounded in time: silent responders cost the budget, not more', async () => {
    await ocsp.faults.set({ mode: 'slow', delayMs: 5000, ca: 'inter' });
    crl.mode = 'hang';
    const c = client('valid');
    const t0 = Date.now();
    const report = await c.prepare({ revocation: new RevocationChecker({ totalTimeoutMs: 400, requestTimeoutMs: 300 }) });
    const elapsed = Date.now() - t0;
    expect(elapsed).toBeLessThan(2000);
    expect(report.status).toBe('unknown');
    expect(report.elements[0]!.detail).toMatch(/no answer within|no time left/);
  });

  it('caches answers until their nextUpdate, and shares concurrent look-ups', async () => {
    const checker = new RevocationChecker();
    const before = { ocsp: ocsp.stats.requests, crl: crl.requests };
    await Promise.all([client('valid').prepare({ revocation: checker }), client('valid').prepare({ revocation: checker }), client('valid').prepare({ revocation: checker })]);
    // The leaf asks OCSP and its CRL together (a CRL "revoked" must not be hidden by OCSP "good"), the intermediate
    // its root CRL: one OCSP request and two CRL downloads for three concurrent chains.
    expect({ ocsp: ocsp.stats.requests - before.ocsp, crl: crl.requests - before.crl }).toEqual({ ocsp: 1, crl: 2 });
    const again = client('valid');
    await again.prepare({ revocation: checker });
    expect(again.revocation!.elements.flatMap((e) => e.attempts.map((a) => `${a.method}:${a.cached}`))).toEqual(['ocsp:true', 'crl:true', 'crl:true']);
    expect({ ocsp: ocsp.stats.requests - before.ocsp, crl: crl.requests - before.crl }).toEqual({ ocsp: 1, crl: 2 });
    checker.clearCache();
    await client('valid').prepare({ revocation: checker });
    expect(ocsp.stats.requests - before.ocsp).toBe(2);
  });

  it('without the intermediate the leaf has no issuer to ask about: unknown', async () => {
    const c = client('valid', []);
    await c.prepare({ revocation: new RevocationChecker() });
    expect(c.revocation!.elements.map((e) => e.status)).toEqual(['unknown']);
    const r = c.validate({ checkTrust: false, checkNotBefore: true, checkNotAfter: true, checkRevocation: true });
    expect(r).toMatchObject({ ok: false, reason: 'ClientCertificateRevoked', revocationDetail: expect.stringMatching(/issuer is not available/) });
  });

  it('records one revocation-check event on the timeline', async () => {
    const events: TimelineEvent[] = [];
    const c = client('revoked');
    await c.prepare({ revocation: new RevocationChecker(), record: (e) => events.push(e) });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ kind: 'revocation-check', detail: { status: 'revoked', thumbprint: c.thumbprint } });
    expect(JSON.parse(JSON.stringify(events[0]!.detail))).toMatchObject({ status: 'revoked' });
  });
});

describe('a chain re-checked from the caches', () => {
  // The cached path is computed without the per-step promises (performance); it must say exactly what the first,
  // fetching check said, apart from the attempts being marked cached.
  const shape = (c: X509Certificate2) => {
    const r = c.revocation!;
    return { status: r.status, detail: r.detail, elements: r.elements.map((e) => ({ ...e, attempts: e.attempts.map((a) => ({ ...a, cached: undefined, ms: undefined })) })) };
  };
  // (The OCSP-revoked leaf is left out: its first check decides "at once" on OCSP's answer, before the CRL download
  // ends, so its first report lists fewer attempts by design; a cached re-check never takes the quick path for it.)
  it.each(['valid', 'crlOnly', 'crlOnlyRevoked', 'noEku'] as const)('%s: the same report the second time, every attempt cached', async (name) => {
    const checker = new RevocationChecker();
    const first = client(name);
    await first.prepare({ revocation: checker });
    const fetches = crl.requests;
    const again = client(name);
    await again.prepare({ revocation: checker });
    expect(shape(again)).toEqual(shape(first));
    expect(crl.requests).toBe(fetches);
    expect(again.revocation!.elements.every((e) => e.attempts.every((a) => a.cached))).toBe(true);
  });
});
