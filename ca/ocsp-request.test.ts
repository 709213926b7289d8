// OCSPRequest decoding checked against requests openssl writes, and encoding checked by openssl reading ours.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DerError } from './der';
import { buildOcspRequest, decodeOcspRequest, OcspRequestError } from './ocsp-request';
import { makeTestPki, openssl, type TestPki } from './revocation-test-pki';

const SEED = Number(process.env.FC_SEED ?? 20261123);
let pki: TestPki;
beforeAll(() => {
  pki = makeTestPki();
});
afterAll(() => pki?.cleanup());

/** Fields openssl prints with -req_text, read independently of our decoder. */
function reqText(text: string) {
  return {
    hash: /Hash Algorithm: (\S+)/.exec(text)?.[1],
    nameHash: /Issuer Name Hash: ([0-9A-F]+)/.exec(text)?.[1],
    keyHash: /Issuer Key Hash: ([0-9A-F]+)/.exec(text)?.[1],
    serials: [...text.matchAll(/Serial Number: ([0-9A-F]+)/g)].map((m) => m[1]),
    nonce: /OCSP Nonce:\s*\n\s*([0-9A-F]+)/.exec(text)?.[1],
  };
}

/** `openssl ocsp -issuer ca.pem <args> -reqout`; a digest option must come before the -cert it applies to. */
function opensslRequest(dir: string, args: string[]): { der: Buffer; text: ReturnType<typeof reqText> } {
  const r = openssl(['ocsp', '-issuer', 'ca.pem', ...args, '-reqout', 'req.der', '-req_text'], { cwd: dir });
  expect(r.code, r.out).toBe(0);
  return { der: readFileSync(join(dir, 'req.der')), text: reqText(r.out) };
}

describe('decodeOcspRequest', () => {
  it('reads openssl’s default request: SHA-1 CertID and the nonce (RFC 8954 OCTET STRING in extnValue)', () => {
    const ca = pki.rsa;
    const { der, text } = opensslRequest(ca.dir, ['-cert', 'good.pem']);
    const req = decodeOcspRequest(der);
    expect(req.certIds).toHaveLength(1);
    const id = req.certIds[0]!;
    expect(text.hash).toBe('sha1');
    expect(id.hash).toBe('sha1');
    expect(id.issuerNameHash.toString('hex').toUpperCase()).toBe(text.nameHash);
    expect(id.issuerKeyHash.toString('hex').toUpperCase()).toBe(text.keyHash);
    expect(id.serialHex).toBe(ca.leaves.good.serialHex);
    // openssl prints the extnValue: 04 10 <16 nonce bytes>
    expect(text.nonce).toMatch(/^0410/);
    expect(req.nonce?.toString('hex').toUpperCase()).toBe(text.nonce!.slice(4));
    expect(req.nonceExtension).toBeDefined();
  });

  it('reads -no_nonce, -sha256 and several certificates in one request', () => {
    const ca = pki.ec;
    const plain = decodeOcspRequest(opensslRequest(ca.dir, ['-no_nonce', '-cert', 'good.pem']).der);
    expect(plain.nonce).toBeUndefined();
    const { der, text } = opensslRequest(ca.dir, ['-sha256', '-cert', 'good.pem', '-cert', 'revoked.pem']);
    const req = decodeOcspRequest(der);
    expect(req.certIds.map((c) => c.hash)).toEqual(['sha256', 'sha256']);
    expect(req.certIds[0]!.issuerKeyHash.toString('hex').toUpperCase()).toBe(text.keyHash);
    expect(req.certIds.map((c) => c.serialHex)).toEqual(text.serials);
  });

  it('rejects garbage with DerError and an empty request list with OcspRequestError', () => {
    expect(() => decodeOcspRequest(Buffer.from('hello'))).toThrow(DerError);
    expect(() => decodeOcspRequest(pki.rsa.leaves.good.der)).toThrow(DerError);
    expect(() => decodeOcspRequest(Buffer.from('30043002' + '3000', 'hex'))).toThrow(OcspRequestError);
  });

  it('property: random bytes only ever raise DerError or OcspRequestError', () => {
    const valid = buildOcspRequest(pki.rsa.leaves.good.der, pki.rsa.authority.certDer, { nonce: true });
    const check = (b: Buffer) => {
      try {
        decodeOcspRequest(b);
      } catch (e) {
        if (!(e instanceof DerError || e instanceof OcspRequestError)) throw e;
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

describe('buildOcspRequest', () => {
  it('writes the same CertID bytes as openssl, for SHA-1 and SHA-256', () => {
    const ca = pki.ec;
    for (const hash of ['sha1', 'sha256'] as const) {
      const theirs = decodeOcspRequest(opensslRequest(ca.dir, ['-no_nonce', ...(hash === 'sha256' ? ['-sha256'] : []), '-cert', 'good.pem']).der).certIds[0]!;
      const ours = decodeOcspRequest(buildOcspRequest(ca.leaves.good.der, ca.authority.certDer, { hash })).certIds[0]!;
      expect(ours.der.equals(theirs.der)).toBe(true);
    }
  });

  it('is read by `openssl ocsp -reqin -req_text`, nonce included', () => {
    const ca = pki.rsa;
    const nonce = Buffer.from('00112233445566778899aabbccddeeff', 'hex');
    writeFileSync(join(ca.dir, 'ours.der'), buildOcspRequest(ca.leaves.revokedHigh.der, ca.authority.certDer, { nonce }));
    const r = openssl(['ocsp', '-reqin', 'ours.der', '-req_text'], { cwd: ca.dir });
    expect(r.code, r.out).toBe(0);
    const text = reqText(r.out);
    expect(text.serials).toEqual(['9F2233445566778899']);
    expect(text.nonce).toBe(`0410${nonce.toString('hex').toUpperCase()}`);
    expect(decodeOcspRequest(buildOcspRequest(ca.leaves.good.der, ca.authority.certDer, { nonce: true })).nonce).toHaveLength(16);
  });
});
