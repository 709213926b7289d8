// Certificates certgate builds, read by openssl: every extension as openssl names it, and the signature valid for
// both key types.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildCertificate, buildExtensions, keyIdentifier } from './certificate-builder';
import { derToPem } from './der';
import { encodeDn, fromDotnetString } from './dn';
import { keyUsage } from './extensions';
import { generateKeySync } from './keys';

const dir = mkdtempSync(join(tmpdir(), 'certgate-builder-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('buildCertificate', () => {
  for (const keyType of ['rsa2048', 'ec-p256'] as const) {
    it(`${keyType}: openssl verifies the self-signature and reads every extension`, () => {
      const key = generateKeySync(keyType);
      const keyId = keyIdentifier(key.spki);
      const name = encodeDn(fromDotnetString('CN=Builder Test, O="Contoso, Inc.", C=US'));
      const der = buildCertificate(
        {
          serial: Buffer.from('7f0102030405060708090a0b0c0d0e0f', 'hex'),
          subject: name,
          notBefore: new Date('2026-01-01T00:00:00Z'),
          notAfter: new Date('2051-01-01T00:00:00Z'), // after 2049: GeneralizedTime
          spki: key.spki,
          extensions: buildExtensions({
            ca: true,
            pathLength: 1,
            keyUsage: ['digitalSignature', 'keyCertSign', 'cRLSign'],
            extendedKeyUsage: ['clientAuth', 'ocspSigning'],
            subjectAltNames: { dns: ['a.example'], ip: ['10.0.0.1', '2001:db8::1', '::ffff:1.2.3.4'], email: ['x@a.example'], uri: ['https://a.example/x'] },
            subjectKeyId: keyId,
            authorityKeyId: keyId,
            crlUrls: ['http://127.0.0.1:1/crl/t.crl'],
            ocspUrls: ['http://127.0.0.1:1/ocsp/t'],
            ocspNoCheck: true,
          }),
        },
        { name, key: key.privateKey, keyType, keyId },
      );
      const file = join(dir, `${keyType}.pem`);
      writeFileSync(file, derToPem(der, 'CERTIFICATE'));
      expect(execFileSync('openssl', ['verify', '-CAfile', file, '-attime', String(Date.UTC(2026, 5, 1) / 1000), file], { encoding: 'utf8' })).toContain(': OK');
      const text = execFileSync('openssl', ['x509', '-in', file, '-noout', '-text'], { encoding: 'utf8' });
      expect(text).toContain(keyType === 'rsa2048' ? 'Signature Algorithm: sha256WithRSAEncryption' : 'Signature Algorithm: ecdsa-with-SHA256');
      expect(text).toContain('Serial Number:\n            7f:01:02:03:04:05:06:07:08:09:0a:0b:0c:0d:0e:0f');
      expect(text).toContain('Not After : Jan  1 00:00:00 2051 GMT');
      expect(text).toMatch(/Basic Constraints: critical\s+CA:TRUE, pathlen:1/);
      expect(text).toMatch(/Key Usage: critical\s+Digital Signature, Certificate Sign, CRL Sign/);
      expect(text).toMatch(/Extended Key Usage:\s+TLS Web Client Authentication, OCSP Signing/);
      expect(text).toMatch(/DNS:a\.example, IP Address:10\.0\.0\.1, IP Address:2001:DB8:0:0:0:0:0:1, IP Address:0:0:0:0:0:FFFF:102:304, email:x@a\.example, URI:https:\/\/a\.example\/x/);
      expect(text).toMatch(/CRL Distribution Points:\s+Full Name:\s+URI:http:\/\/127\.0\.0\.1:1\/crl\/t\.crl/);
      expect(text).toMatch(/OCSP - URI:http:\/\/127\.0\.0\.1:1\/ocsp\/t/);
      expect(text).toContain('OCSP No Check');
      const ski = keyId.toString('hex').toUpperCase().replace(/(..)(?!$)/g, '$1:');
      expect(text).toMatch(new RegExp(`Subject Key Identifier:\\s+${ski}`));
    });
  }

  it('extensions encoded once and reused still follow each profile (URLs, usages, issuer key id)', () => {
    const profile = (url: string, aki: Buffer, eku: 'clientAuth' | 'serverAuth') =>
      Buffer.concat(buildExtensions({ ca: false, keyUsage: ['digitalSignature'], extendedKeyUsage: [eku], subjectKeyId: Buffer.alloc(20, 1), authorityKeyId: aki, crlUrls: [`${url}/c.crl`], ocspUrls: [`${url}/o`] }));
    const a = profile('http://a.example', Buffer.alloc(20, 0xaa), 'clientAuth');
    const b = profile('http://b.example', Buffer.alloc(20, 0xbb), 'serverAuth');
    const again = profile('http://a.example', Buffer.alloc(20, 0xaa), 'clientAuth');
    expect(again.equals(a)).toBe(true);
    expect(b.includes('http://b.example/c.crl') && b.includes('http://b.example/o') && !b.includes('a.example')).toBe(true);
    expect(b.includes(Buffer.alloc(20, 0xbb)) && !b.includes(Buffer.alloc(20, 0xaa))).toBe(true);
    // id-kp-serverAuth 1.3.6.1.5.5.7.3.1 vs id-kp-clientAuth …3.2 (DER OID bytes).
    expect(b.includes(Buffer.from('06082b06010505070301', 'hex')) && !b.includes(Buffer.from('06082b06010505070302', 'hex'))).toBe(true);
  });

  it('keyUsage encodes a named bit string minimally (X.690 §11.2.2)', () => {
    // digitalSignature only: one octet 0x80, 7 unused bits. decipherOnly (bit 8) needs a second octet.
    expect(keyUsage(['digitalSignature']).toString('hex')).toContain('03020780');
    expect(keyUsage(['keyCertSign', 'cRLSign']).toString('hex')).toContain('03020106');
    expect(keyUsage(['digitalSignature', 'decipherOnly']).toString('hex')).toContain('0303078080');
  });
});
