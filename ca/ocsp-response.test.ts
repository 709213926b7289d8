// OCSP response building checked by `openssl ocsp -respin`, and our client-side parser checked on responses that
// openssl's own responder code wrote (`openssl ocsp -index … -reqin … -respout`).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createPrivateKey } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DerError } from './der';
import { buildOcspRequest, certIdFor } from './ocsp-request';
import { buildOcspErrorResponse, buildOcspResponse, parseOcspResponse, type OcspSigningIdentity } from './ocsp-response';
import { makeTestPki, openssl, type TestCa, type TestPki } from './revocation-test-pki';

const SEED = Number(process.env.FC_SEED ?? 20261123);
let pki: TestPki;
beforeAll(() => {
  pki = makeTestPki();
});
afterAll(() => pki?.cleanup());

const MINUTE = 60_000;
const secondsNow = () => Math.floor(Date.now() / 1000) * 1000;
const caSigner = (ca: TestCa): OcspSigningIdentity => ({ certDer: ca.authority.certDer, key: ca.authority.key, includeCert: false });
const delegateSigner = (ca: TestCa): OcspSigningIdentity => ({ certDer: ca.delegated.ocspSigner!.certDer, key: ca.delegated.ocspSigner!.key, includeCert: true });

function respond(ca: TestCa, signer: OcspSigningIdentity, leaf: keyof TestCa['leaves'], status: 'good' | 'revoked' | 'unknown', extra: { corrupt?: boolean } = {}) {
  const t = secondsNow();
  return buildOcspResponse({
    signer,
    producedAt: new Date(t),
    responses: [{ certId: certIdFor(ca.leaves[leaf].der, ca.authority.certDer), status, revokedAt: status === 'revoked' ? new Date(t - 86_400_000) : undefined, reason: status === 'revoked' ? 'keyCompromise' : undefined, thisUpdate: new Date(t - MINUTE), nextUpdate: new Date(t + 60 * MINUTE) }],
    corruptSignature: extra.corrupt,
  });
}

function opensslCheck(ca: TestCa, der: Buffer, leafFile: string, extra: string[] = []) {
  writeFileSync(join(ca.dir, 'resp.der'), der);
  return openssl(['ocsp', '-respin', 'resp.der', '-issuer', 'ca.pem', '-cert', leafFile, '-CAfile', 'ca.pem', '-no_nonce', ...extra], { cwd: ca.dir });
}

describe('buildOcspResponse, read by openssl', () => {
  it.each(['rsa', 'ec'] as const)('%s CA: good / revoked (with reason and time) / unknown, signed by the CA and by its delegate', (which) => {
    const ca = pki[which];
    for (const signer of [caSigner(ca), delegateSigner(ca)]) {
      const good = opensslCheck(ca, respond(ca, signer, 'good', 'good'), 'good.pem');
      expect(good.out).toContain('good.pem: good');
      expect(good.out).toContain('Response verify OK');
      const revoked = opensslCheck(ca, respond(ca, signer, 'revoked', 'revoked'), 'revoked.pem');
      expect(revoked.out).toContain('revoked.pem: revoked');
      expect(revoked.out).toContain('Reason: keyCompromise');
      expect(revoked.out).toContain('Revocation Time:');
      expect(revoked.out).toContain('Response verify OK');
      const unknown = opensslCheck(ca, respond(ca, signer, 'unknown', 'unknown'), 'unknown.pem');
      expect(unknown.out).toContain('unknown.pem: unknown');
    }
  });

  it('a flipped signature byte, or a signer without EKU OCSPSigning, fails openssl’s verification', () => {
    const ca = pki.ec;
    expect(opensslCheck(ca, respond(ca, caSigner(ca), 'good', 'good', { corrupt: true }), 'good.pem').out).toContain('Response Verify Failure');
    // A client certificate (EKU clientAuth) of the same CA pretending to be an OCSP signer.
    const impostor: OcspSigningIdentity = { certDer: ca.leaves.good.der, key: createPrivateKey(readFileSync(join(ca.dir, 'leaf.key'))), includeCert: true };
    expect(opensslCheck(ca, respond(ca, impostor, 'good', 'good'), 'good.pem').out).toContain('Response Verify Failure');
  });

  it('non-successful statuses are what openssl reports', () => {
    const ca = pki.rsa;
    expect(opensslCheck(ca, buildOcspErrorResponse('malformedRequest'), 'good.pem').out).toContain('Responder Error: malformedrequest (1)');
    expect(opensslCheck(ca, buildOcspErrorResponse('tryLater'), 'good.pem').out).toContain('Responder Error: trylater (3)');
    expect(opensslCheck(ca, buildOcspErrorResponse('unauthorized'), 'good.pem').out).toContain('Responder Error: unauthorized (6)');
  });
});

describe('parseOcspResponse', () => {
  it('reads responses openssl’s responder wrote, with the delegated signer, and verifies them', () => {
    for (const ca of [pki.rsa, pki.ec]) {
      for (const [leaf, status] of [['good', 'good'], ['revoked', 'revoked'], ['revokedHigh', 'revoked'], ['unknown', 'unknown']] as const) {
        writeFileSync(join(ca.dir, 'q.der'), buildOcspRequest(ca.leaves[leaf].der, ca.authority.certDer, { nonce: Buffer.from('cafe', 'hex') }));
        const r = openssl(['ocsp', '-index', 'index.txt', '-CA', 'ca.pem', '-rsigner', 'signer.pem', '-rkey', 'signer.key', '-reqin', 'q.der', '-respout', 'a.der', '-ndays', '1'], { cwd: ca.dir });
        expect(r.code, r.out).toBe(0);
        const parsed = parseOcspResponse(readFileSync(join(ca.dir, 'a.der')));
        expect(parsed.status).toBe('successful');
        expect(parsed.responses[0]!.certStatus).toBe(status);
        expect(parsed.responses[0]!.certId.serialHex).toBe(ca.leaves[leaf].serialHex);
        expect(parsed.nonce?.toString('hex')).toBe('cafe');
        expect(parsed.signerCertDer?.equals(ca.delegated.ocspSigner!.certDer)).toBe(true);
        expect(parsed.verifySignature(ca.authority.certDer)).toBe(true);
        // The other CA did not issue this signer.
        expect(parsed.verifySignature((ca === pki.rsa ? pki.ec : pki.rsa).authority.certDer)).toBe(false);
        if (leaf === 'revoked') expect(parsed.responses[0]!.reason).toBe('keyCompromise'); // from index.txt
        if (leaf === 'revokedHigh') expect(parsed.responses[0]!.reason).toBe('superseded');
        expect(parsed.responses[0]!.nextUpdate).toBeDefined();
      }
    }
  });

  it('round-trips our own responses; rejects a corrupted signature, an impostor signer and an expired delegate', () => {
    const ca = pki.rsa;
    const t = secondsNow();
    const parsed = parseOcspResponse(respond(ca, caSigner(ca), 'revoked', 'revoked'));
    expect(parsed.responses[0]).toMatchObject({ certStatus: 'revoked', reason: 'keyCompromise', reasonCode: 1 });
    expect(parsed.responses[0]!.revokedAt?.getTime()).toBe(t - 86_400_000);
    expect(parsed.signerCertDer).toBeUndefined();
    expect(parsed.verifySignature(ca.authority.certDer)).toBe(true);
    expect(parseOcspResponse(respond(ca, caSigner(ca), 'good', 'good', { corrupt: true })).verifySignature(ca.authority.certDer)).toBe(false);
    const impostor: OcspSigningIdentity = { certDer: ca.leaves.good.der, key: createPrivateKey(readFileSync(join(ca.dir, 'leaf.key'))), includeCert: true };
    expect(parseOcspResponse(respond(ca, impostor, 'good', 'good')).verifySignature(ca.authority.certDer)).toBe(false);
    const delegated = parseOcspResponse(respond(ca, delegateSigner(ca), 'good', 'good'));
    expect(delegated.verifySignature(ca.authority.certDer)).toBe(true);
    expect(delegated.verifySignature(ca.authority.certDer, new Date(Date.now() + 2 * 365 * 86_400_000))).toBe(false); // signer expired by then
  });

  it('error statuses parse without responses and never verify', () => {
    const parsed = parseOcspResponse(buildOcspErrorResponse('tryLater'));
    expect(parsed.status).toBe('tryLater');
    expect(parsed.responses).toEqual([]);
    expect(parsed.verifySignature(pki.rsa.authority.certDer)).toBe(false);
  });

  it('property: random bytes and mutated responses only ever raise DerError', () => {
    const valid = respond(pki.ec, delegateSigner(pki.ec), 'revoked', 'revoked');
    const check = (b: Buffer) => {
      try {
        parseOcspResponse(b).verifySignature(pki.ec.authority.certDer);
      } catch (e) {
        if (!(e instanceof DerError)) throw e;
      }
    };
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), (b) => check(Buffer.from(b))), { seed: SEED, numRuns: 500 });
    fc.assert(
      fc.property(fc.nat(valid.length - 1), fc.integer({ min: 0, max: 255 }), (at, v) => {
        const copy = Buffer.from(valid);
        copy[at] = v;
        check(copy);
      }),
      { seed: SEED, numRuns: 1000 },
    );
  });
});
