// The responder core without HTTP: which CA answers, good/revoked/unknown, caching of nonce-less answers, faults,
// and malformedRequest for anything that is not a request.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildOcspRequest, decodeOcspRequest } from './ocsp-request';
import { OcspResponder, answerOcsp } from './ocsp-responder';
import { parseOcspResponse } from './ocsp-response';
import { makeTestPki, type TestPki } from './revocation-test-pki';
import type { IssuingAuthority } from './types';

const SEED = Number(process.env.FC_SEED ?? 20261123);
let pki: TestPki;
let both: IssuingAuthority[];
beforeAll(() => {
  pki = makeTestPki();
  both = [pki.rsa.authority, pki.ec.delegated];
});
afterAll(() => pki?.cleanup());

const req = (which: 'rsa' | 'ec', leaf: 'good' | 'revoked' | 'revokedHigh' | 'unknown', opts: Parameters<typeof buildOcspRequest>[2] = {}) =>
  buildOcspRequest(pki[which].leaves[leaf].der, pki[which].authority.certDer, opts);

describe('OcspResponder', () => {
  it('finds the CA by issuer hashes (SHA-1 and SHA-256) and answers good / revoked / unknown', () => {
    const responder = new OcspResponder();
    const now = new Date();
    for (const which of ['rsa', 'ec'] as const) {
      for (const hash of ['sha1', 'sha256'] as const) {
        const status = (leaf: 'good' | 'revoked' | 'revokedHigh' | 'unknown') => {
          const answer = parseOcspResponse(responder.answer(req(which, leaf, { hash }), both, now).der);
          expect(answer.verifySignature(pki[which].authority.certDer)).toBe(true);
          return answer.responses[0]!;
        };
        expect(status('good').certStatus).toBe('good');
        expect(status('unknown').certStatus).toBe('unknown');
        const revoked = status('revoked');
        expect(revoked.certStatus).toBe('revoked');
        expect(revoked.reason).toBe('keyCompromise');
        expect(revoked.revokedAt?.getTime()).toBe(pki[which].authority.revoked[0]!.revokedAt.getTime());
        expect(status('revokedHigh').reason).toBe('superseded');
      }
    }
  });

  it('signs with the delegated signer when the CA has one, and includes its certificate', () => {
    const answer = parseOcspResponse(answerOcsp(req('ec', 'good'), both));
    expect(answer.signerCertDer?.equals(pki.ec.delegated.ocspSigner!.certDer)).toBe(true);
    expect(parseOcspResponse(answerOcsp(req('rsa', 'good'), both)).signerCertDer).toBeUndefined();
  });

  it('answers unauthorized when asked about a CA it does not serve', () => {
    expect(parseOcspResponse(answerOcsp(req('ec', 'good'), [pki.rsa.authority])).status).toBe('unauthorized');
  });

  it('reuses one signed answer per minute for nonce-less requests, signs per request with a nonce, echoing it', () => {
    const responder = new OcspResponder({ refreshMs: 60_000 });
    const t0 = new Date(Date.UTC(2026, 0, 1, 12, 0, 10));
    const a = responder.answer(req('rsa', 'good'), both, t0);
    const b = responder.answer(req('rsa', 'good'), both, new Date(t0.getTime() + 30_000));
    expect(a.cached).toBe(false);
    expect(b.cached).toBe(true);
    expect(b.der.equals(a.der)).toBe(true);
    const parsed = parseOcspResponse(a.der).responses[0]!;
    expect(parsed.thisUpdate.toISOString()).toBe('2026-01-01T12:00:00.000Z'); // start of the minute window
    const nextWindow = responder.answer(req('rsa', 'good'), both, new Date(t0.getTime() + 60_000));
    expect(nextWindow.cached).toBe(false);
    expect(parseOcspResponse(nextWindow.der).responses[0]!.thisUpdate.toISOString()).toBe('2026-01-01T12:01:00.000Z');

    const nonce = Buffer.from('0102030405060708', 'hex');
    const n1 = responder.answer(req('rsa', 'good', { nonce }), both, t0);
    const n2 = responder.answer(req('rsa', 'good', { nonce: true }), both, t0);
    expect(n1.cached || n2.cached).toBe(false);
    expect(parseOcspResponse(n1.der).nonce?.equals(nonce)).toBe(true);
    const n2Nonce = decodeOcspRequest(req('rsa', 'good', { nonce: Buffer.from('ff', 'hex') })).nonce;
    expect(parseOcspResponse(responder.answer(req('rsa', 'good', { nonce: n2Nonce }), both, t0).der).nonce?.equals(n2Nonce!)).toBe(true);
  });

  it('a revocation made after an answer was cached is reported at once (status is part of the cache key)', () => {
    const responder = new OcspResponder();
    const now = new Date();
    const ca = { ...pki.rsa.authority };
    expect(parseOcspResponse(responder.answer(req('rsa', 'good'), [ca], now).der).responses[0]!.certStatus).toBe('good');
    const goodSerial = decodeOcspRequest(req('rsa', 'good')).certIds[0]!.serial;
    (ca as { revoked: IssuingAuthority['revoked'] }).revoked = [...ca.revoked, { serial: goodSerial, revokedAt: new Date(Math.floor(now.getTime() / 1000) * 1000), reason: 'cessationOfOperation' }];
    const after = parseOcspResponse(responder.answer(req('rsa', 'good'), [ca], now).der).responses[0]!;
    expect(after.certStatus).toBe('revoked');
    expect(after.reason).toBe('cessationOfOperation');
  });

  it('faults: tryLater, badSignature, staleNextUpdate', () => {
    const responder = new OcspResponder();
    const now = new Date();
    expect(parseOcspResponse(responder.answer(req('ec', 'good'), both, now, () => 'tryLater').der).status).toBe('tryLater');
    const bad = parseOcspResponse(responder.answer(req('ec', 'good'), both, now, () => 'badSignature').der);
    expect(bad.responses[0]!.certStatus).toBe('good');
    expect(bad.verifySignature(pki.ec.authority.certDer)).toBe(false);
    const stale = parseOcspResponse(responder.answer(req('ec', 'good'), both, now, () => 'staleNextUpdate').der);
    expect(stale.responses[0]!.nextUpdate!.getTime()).toBeLessThan(now.getTime());
    expect(stale.verifySignature(pki.ec.authority.certDer)).toBe(true);
    // Faults do not leak into the cache: the healthy answer afterwards verifies.
    expect(parseOcspResponse(responder.answer(req('ec', 'good'), both, now).der).verifySignature(pki.ec.authority.certDer)).toBe(true);
  });

  it('property: random bodies get malformedRequest (or unauthorized if they happen to decode as a request)', () => {
    const responder = new OcspResponder();
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const body = Buffer.from(bytes);
        let decodes = true;
        try {
          decodeOcspRequest(body);
        } catch {
          decodes = false;
        }
        const status = parseOcspResponse(responder.answer(body, both, new Date()).der).status;
        expect(status).toBe(decodes ? 'unauthorized' : 'malformedRequest');
      }),
      { seed: SEED, numRuns: 300 },
    );
  });
});
