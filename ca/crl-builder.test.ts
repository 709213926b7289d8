// buildCrl checked by openssl: every variant parses, verifies against the CA, and `openssl verify -crl_check`
// reaches the verdicts a real validator must (revoked, good, expired CRL).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCrl, syntheticEntries } from './crl-builder';
import { derToPem } from './der';
import { makeTestPki, openssl, type TestCa, type TestPki } from './revocation-test-pki';

let pki: TestPki;
beforeAll(() => {
  pki = makeTestPki();
});
afterAll(() => pki?.cleanup());

const HOUR = 3_600_000;
const secondsNow = () => Math.floor(Date.now() / 1000) * 1000;

function variants(ca: TestCa) {
  const t = secondsNow();
  return {
    current: buildCrl(ca.authority, { thisUpdate: new Date(t - HOUR), nextUpdate: new Date(t + 24 * HOUR), crlNumber: 7n }),
    expired: buildCrl(ca.authority, { thisUpdate: new Date(t - 48 * HOUR), nextUpdate: new Date(t - 24 * HOUR), crlNumber: 6n }),
    large: buildCrl(ca.authority, { thisUpdate: new Date(t - HOUR), nextUpdate: new Date(t + 24 * HOUR), crlNumber: 8n, extraEntries: syntheticEntries(ca.authority, 3000, new Date(t - 5 * HOUR)) }),
  };
}

function writeCrl(ca: TestCa, name: string, der: Buffer): string {
  writeFileSync(join(ca.dir, `${name}.crl`), der);
  writeFileSync(join(ca.dir, `${name}.crl.pem`), derToPem(der, 'X509 CRL'));
  return name;
}

describe.each(['rsa', 'ec'] as const)('buildCrl with the %s CA', (which) => {
  it('every variant is parsed by `openssl crl -text` and verifies against the CA certificate', () => {
    const ca = pki[which];
    for (const [variant, der] of Object.entries(variants(ca))) {
      const name = writeCrl(ca, `${which}-${variant}`, der);
      const text = openssl(['crl', '-inform', 'DER', '-in', `${name}.crl`, '-text', '-noout'], { cwd: ca.dir });
      expect(text.code, text.out).toBe(0);
      expect(text.out).toContain('Version 2');
      expect(text.out).toMatch(/X509v3 CRL Number:\s*\n\s*[678]\n/);
      expect(text.out).toContain('X509v3 Authority Key Identifier');
      const expectedCount = ca.authority.revoked.length + (variant === 'large' ? 3000 : 0);
      expect(text.out.match(/Serial Number:/g)?.length).toBe(expectedCount);
      // The fixture revoked 1002 for keyCompromise and the high serial as superseded (see revocation-test-pki.ts).
      expect(text.out).toMatch(/Serial Number: 1002\s+Revocation Date: [^\n]+\s+CRL entry extensions:\s+X509v3 CRL Reason Code:\s+Key Compromise/);
      expect(text.out).toMatch(/Serial Number: 9F2233445566778899\s+Revocation Date: [^\n]+\s+CRL entry extensions:\s+X509v3 CRL Reason Code:\s+Superseded/);
      const verify = openssl(['crl', '-inform', 'DER', '-in', `${name}.crl`, '-noout', '-CAfile', 'ca.pem'], { cwd: ca.dir });
      expect(verify.out, `${variant}: ${verify.out}`).toContain('verify OK');
    }
  });

  it('`openssl verify -crl_check` says revoked for listed leaves, OK for a good one, and rejects an expired CRL', () => {
    const ca = pki[which];
    const v = variants(ca);
    writeCrl(ca, 'v-current', v.current);
    writeCrl(ca, 'v-expired', v.expired);
    const check = (crl: string, leaf: string) => openssl(['verify', '-crl_check', '-CAfile', 'ca.pem', '-CRLfile', `${crl}.crl.pem`, `${leaf}.pem`], { cwd: ca.dir });
    const revoked = check('v-current', 'revoked');
    expect(revoked.code).not.toBe(0);
    expect(revoked.out).toContain('certificate revoked');
    // Serial 9F22… is encoded with a leading 00 in the certificate: the CRL must carry the same INTEGER.
    expect(check('v-current', 'revoked-high').out).toContain('certificate revoked');
    const good = check('v-current', 'good');
    expect(good.code, good.out).toBe(0);
    expect(good.out).toContain('good.pem: OK');
    const expired = check('v-expired', 'good');
    expect(expired.code).not.toBe(0);
    expect(expired.out).toContain('CRL has expired');
  });
});

describe('buildCrl details', () => {
  it('a CRL without revoked certificates omits the list (RFC 5280 §5.1.2.6) and openssl accepts it', () => {
    const ca = pki.ec;
    const t = secondsNow();
    const der = buildCrl({ ...ca.authority, revoked: [] }, { thisUpdate: new Date(t), nextUpdate: new Date(t + HOUR), crlNumber: 1n });
    writeCrl(ca, 'empty', der);
    const text = openssl(['crl', '-inform', 'DER', '-in', 'empty.crl', '-text', '-noout', '-CAfile', 'ca.pem'], { cwd: ca.dir });
    expect(text.out).toContain('No Revoked Certificates.');
    expect(text.out).toContain('verify OK');
  });

  it('writes the invalidity date, and omits the reason code for "unspecified"', () => {
    const ca = pki.rsa;
    const t = secondsNow();
    const der = buildCrl(ca.authority, {
      thisUpdate: new Date(t),
      nextUpdate: new Date(t + HOUR),
      crlNumber: 2n,
      extraEntries: [
        { serial: Buffer.from([0x55, 0x01]), revokedAt: new Date(t - HOUR), reason: 'cACompromise', invalidityDate: new Date(Date.UTC(2024, 0, 2, 3, 4, 5)) },
        { serial: Buffer.from([0x55, 0x02]), revokedAt: new Date(t - HOUR), reason: 'unspecified' },
      ],
    });
    writeCrl(ca, 'details', der);
    const text = openssl(['crl', '-inform', 'DER', '-in', 'details.crl', '-text', '-noout'], { cwd: ca.dir }).out;
    expect(text).toMatch(/Serial Number: 5501[\s\S]*?CA Compromise[\s\S]*?Invalidity Date:\s*\n\s*Jan  2 03:04:05 2024 GMT/);
    const entry5502 = text.slice(text.indexOf('Serial Number: 5502'));
    expect(entry5502.split('Serial Number')[1]).not.toContain('Reason Code');
  });

  it('a corrupted signature fails `openssl crl -CAfile` verification', () => {
    const ca = pki.ec;
    const t = secondsNow();
    writeCrl(ca, 'corrupt', buildCrl(ca.authority, { thisUpdate: new Date(t), nextUpdate: new Date(t + HOUR), crlNumber: 3n, corruptSignature: true }));
    const r = openssl(['crl', '-inform', 'DER', '-in', 'corrupt.crl', '-noout', '-CAfile', 'ca.pem'], { cwd: ca.dir });
    expect(r.out).toContain('verify failure');
  });

  it('refuses nextUpdate before thisUpdate, naming both', () => {
    const t = new Date();
    expect(() => buildCrl(pki.rsa.authority, { thisUpdate: t, nextUpdate: new Date(t.getTime() - 1000), crlNumber: 1n })).toThrow(/nextUpdate .* must be after thisUpdate/);
  });
});
