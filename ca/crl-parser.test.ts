// parseCrl against buildCrl (round trip), against a CRL that `openssl ca -gencrl` wrote, and against garbage.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCrl, syntheticEntries } from './crl-builder';
import { parseCrl } from './crl-parser';
import { DerError } from './der';
import { parseCertificate } from './certificate-info';
import { makeTestPki, openssl, opensslGenCrl, type TestPki } from './revocation-test-pki';

const SEED = Number(process.env.FC_SEED ?? 20261123);
let pki: TestPki;
beforeAll(() => {
  pki = makeTestPki();
});
afterAll(() => pki?.cleanup());

const HOUR = 3_600_000;
const secondsNow = () => Math.floor(Date.now() / 1000) * 1000;

describe('parseCrl', () => {
  it('round-trips buildCrl: issuer, times, number, every entry with its date and reason', () => {
    for (const ca of [pki.rsa, pki.ec]) {
      const t = secondsNow();
      const extra = syntheticEntries(ca.authority, 500, new Date(t - 7 * HOUR));
      const der = buildCrl(ca.authority, { thisUpdate: new Date(t - HOUR), nextUpdate: new Date(t + HOUR), crlNumber: 123456789012345678901234567890n, extraEntries: extra });
      const crl = parseCrl(der);
      const caCert = parseCertificate(ca.authority.certDer);
      expect(crl.version).toBe(2);
      expect(crl.issuerDer.equals(caCert.subjectDer)).toBe(true);
      expect(crl.thisUpdate.getTime()).toBe(t - HOUR);
      expect(crl.nextUpdate?.getTime()).toBe(t + HOUR);
      expect(crl.crlNumber).toBe(123456789012345678901234567890n);
      expect(crl.authorityKeyIdentifier?.equals(caCert.subjectKeyIdentifier!)).toBe(true);
      expect(crl.entries).toBe(ca.authority.revoked.length + extra.length);
      for (const entry of [...ca.authority.revoked, ...extra]) {
        const found = crl.lookup(entry.serial.toString('hex'));
        expect(found?.revokedAt.getTime()).toBe(entry.revokedAt.getTime());
        expect(found?.reason).toBe(entry.reason);
      }
      expect(crl.lookup(ca.leaves.good.serialHex)).toBeUndefined();
      expect(crl.verifySignature(ca.authority.certDer)).toBe(true);
    }
  });

  it('decodes UTCTime and GeneralizedTime (from 2050, RFC 5280 §5.1.2.4) revocation dates', () => {
    const t = secondsNow();
    const dates = [new Date(Date.UTC(1999, 11, 31, 23, 59, 59)), new Date(Date.UTC(2049, 11, 31, 23, 59, 59)), new Date(Date.UTC(2050, 0, 1, 0, 0, 1)), new Date(Date.UTC(2107, 6, 8, 9, 10, 11))];
    const extra = dates.map((revokedAt, i) => ({ serial: Buffer.from([0x70, i]), revokedAt, reason: 'affiliationChanged' as const }));
    const crl = parseCrl(buildCrl(pki.ec.authority, { thisUpdate: new Date(t), nextUpdate: new Date(t + HOUR), crlNumber: 1n, extraEntries: extra }));
    for (const e of extra) expect(crl.lookup(e.serial.toString('hex'))?.revokedAt.toISOString()).toBe(e.revokedAt.toISOString());
  });

  it('lookup accepts the serial with or without the leading 00 of a high-bit INTEGER, in any case', () => {
    const ca = pki.rsa;
    const t = secondsNow();
    const crl = parseCrl(buildCrl(ca.authority, { thisUpdate: new Date(t), nextUpdate: new Date(t + HOUR), crlNumber: 1n }));
    expect(ca.leaves.revokedHigh.serialHex).toBe('009F2233445566778899'); // as openssl encoded it (-set_serial 0x9F22…)
    expect(crl.lookup('009F2233445566778899')?.reason).toBe('superseded');
    expect(crl.lookup('9f2233445566778899')?.reason).toBe('superseded');
    expect(crl.lookup('1002')?.reason).toBe('keyCompromise');
    expect(crl.lookup('001002')?.reason).toBe('keyCompromise');
  });

  it('reads a CRL written by `openssl ca -gencrl` and agrees with `openssl crl -text`', () => {
    for (const ca of [pki.rsa, pki.ec]) {
      const der = opensslGenCrl(ca);
      const crl = parseCrl(der);
      const text = openssl(['crl', '-in', 'openssl.crl.pem', '-text', '-noout'], { cwd: ca.dir }).out;
      expect(crl.entries).toBe(text.match(/Serial Number:/g)?.length);
      expect(crl.crlNumber).toBe(0x1000n); // the crlnumber file holds hex "1000"
      expect(crl.lookup(ca.leaves.revoked.serialHex)?.reason).toBe('keyCompromise');
      expect(crl.lookup(ca.leaves.revokedHigh.serialHex)?.reason).toBe('superseded');
      expect(crl.lookup(ca.leaves.good.serialHex)).toBeUndefined();
      expect(crl.verifySignature(ca.authority.certDer)).toBe(true);
    }
    // Signed by the RSA CA: the EC CA's certificate does not verify it.
    expect(parseCrl(opensslGenCrl(pki.rsa)).verifySignature(pki.ec.authority.certDer)).toBe(false);
  });

  it('verifySignature is false for a flipped signature byte and for a certificate that is not the issuer', () => {
    const ca = pki.ec;
    const t = secondsNow();
    const corrupt = parseCrl(buildCrl(ca.authority, { thisUpdate: new Date(t), nextUpdate: new Date(t + HOUR), crlNumber: 1n, corruptSignature: true }));
    expect(corrupt.verifySignature(ca.authority.certDer)).toBe(false);
    const good = parseCrl(buildCrl(ca.authority, { thisUpdate: new Date(t), nextUpdate: new Date(t + HOUR), crlNumber: 1n }));
    expect(good.verifySignature(ca.leaves.good.der)).toBe(false);
  });

  it('parses and looks up in a 10,000-entry CRL', () => {
    const ca = pki.ec;
    const t = secondsNow();
    const extra = syntheticEntries(ca.authority, 10_000, new Date(t - HOUR));
    const crl = parseCrl(buildCrl(ca.authority, { thisUpdate: new Date(t), nextUpdate: new Date(t + HOUR), crlNumber: 9n, extraEntries: extra }));
    expect(crl.entries).toBe(10_000 + ca.authority.revoked.length);
    expect(crl.lookup(extra[9_999]!.serial.toString('hex'))?.reason).toBe(extra[9_999]!.reason);
    expect(crl.verifySignature(ca.authority.certDer)).toBe(true);
  });

  it('rejects what is not a CRL with a DerError that says what was expected', () => {
    const ca = pki.rsa;
    const t = secondsNow();
    const der = buildCrl(ca.authority, { thisUpdate: new Date(t), nextUpdate: new Date(t + HOUR), crlNumber: 1n });
    expect(() => parseCrl(Buffer.alloc(0))).toThrow(DerError);
    expect(() => parseCrl(der.subarray(0, der.length - 10))).toThrow(/runs past its container/);
    expect(() => parseCrl(ca.leaves.good.der)).toThrow(DerError); // a certificate is not a CRL
    expect(() => parseCrl(Buffer.from('-----BEGIN X509 CRL-----'))).toThrow(/expects DER, this is PEM/);
  });

  it('property: random bytes and mutated CRLs only ever raise DerError', () => {
    const t = secondsNow();
    const valid = buildCrl(pki.ec.authority, { thisUpdate: new Date(t), nextUpdate: new Date(t + HOUR), crlNumber: 1n });
    const onlyDerErrors = (bytes: Buffer) => {
      try {
        const crl = parseCrl(bytes);
        crl.lookup('1002');
        crl.verifySignature(pki.ec.authority.certDer);
      } catch (e) {
        if (!(e instanceof DerError)) throw e;
      }
    };
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (b) => onlyDerErrors(Buffer.from(b))), { seed: SEED, numRuns: 500 });
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(valid.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }), (edits) => {
        const copy = Buffer.from(valid);
        for (const [at, value] of edits) copy[at] = value;
        onlyDerErrors(copy);
      }),
      { seed: SEED, numRuns: 1000 },
    );
  });
});
