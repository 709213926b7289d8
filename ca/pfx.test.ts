// PKCS#12: the Appendix B KDF against node-forge's independent implementation, and whole files against openssl,
// which must open them with the password and hand back the very key and certificate we put in (RSA and EC).

import { execFileSync, spawnSync } from 'node:child_process';
import { createPublicKey } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import forge from 'node-forge';
import { afterAll, describe, expect, it } from 'vitest';
import { buildCertificate, buildExtensions, keyIdentifier } from './certificate-builder';
import { pemToDer } from './der';
import { encodeDn, fromDotnetString } from './dn';
import { generateKeySync } from './keys';
import { bmpPassword, buildPfx, buildPfxAsync, pkcs12Kdf } from './pfx';
import type { KeyType } from './types';

const dir = mkdtempSync(join(tmpdir(), 'certgate-pfx-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function selfSigned(keyType: KeyType) {
  const key = generateKeySync(keyType);
  const keyId = keyIdentifier(key.spki);
  const name = encodeDn(fromDotnetString(`CN=pfx ${keyType}`));
  const der = buildCertificate(
    {
      serial: Buffer.from([0x42]),
      subject: name,
      notBefore: new Date('2026-01-01T00:00:00Z'),
      notAfter: new Date('2027-01-01T00:00:00Z'),
      spki: key.spki,
      extensions: buildExtensions({ ca: false, keyUsage: ['digitalSignature'], extendedKeyUsage: ['clientAuth'], subjectKeyId: keyId, crlUrls: [], ocspUrls: [] }),
    },
    { name, key: key.privateKey, keyType, keyId },
  );
  return { key, der };
}

describe('pkcs12Kdf (RFC 7292 Appendix B) matches node-forge', () => {
  for (const [password, saltHex, id, iterations, length] of [
    ['certgate', '0102030405060708', 3, 2048, 32],
    ['smeg', '0a58cf64530d823f', 1, 1, 24],
    ['pässwörd', '00112233445566778899aabbccddeeff', 3, 7, 64],
    ['', 'ff', 2, 3, 16],
  ] as const) {
    it(`"${password}" id ${id}, ${iterations} iterations, ${length} bytes`, () => {
      const ours = pkcs12Kdf(bmpPassword(password), Buffer.from(saltHex, 'hex'), id, iterations, length);
      const theirs = forge.pkcs12.generateKey(password, forge.util.createBuffer(Buffer.from(saltHex, 'hex').toString('binary')), id, iterations, length, forge.md.sha256.create());
      expect(ours.toString('hex')).toBe(Buffer.from(theirs.getBytes(), 'binary').toString('hex'));
    });
  }
});

describe('buildPfx read by openssl pkcs12', () => {
  // buildPfxAsync writes the encrypted key itself (PBES2 by hand, PBKDF2 on the thread pool): same checks.
  for (const [builder, build] of [
    ['buildPfx', async (i: Parameters<typeof buildPfx>[0]) => buildPfx(i)],
    ['buildPfxAsync', buildPfxAsync],
  ] as const) {
    for (const keyType of ['rsa2048', 'ec-p256'] as const) {
      it(`${builder}, ${keyType}: opens with the password and yields the same certificate and key`, async () => {
        const { key, der } = selfSigned(keyType);
        const file = join(dir, `${builder}-${keyType}.pfx`);
        const password = 'Zoë-123!';
        writeFileSync(file, await build({ chain: [der], key: key.privateKey, password, friendlyName: 'alice' }));

        const info = spawnSync('openssl', ['pkcs12', '-info', '-nokeys', '-in', file, '-passin', `pass:${password}`], { encoding: 'utf8' });
        expect(info.status, info.stderr).toBe(0);
        expect(info.stderr).toContain('MAC: sha256, Iteration 2048');
        // What `openssl pkcs12 -export` itself writes for the key (OpenSSL 3 defaults).
        expect(info.stderr).toContain('Shrouded Keybag: PBES2, PBKDF2, AES-256-CBC, Iteration 2048, PRF hmacWithSHA256');
        expect(info.stdout).toContain('friendlyName: alice');

        const certs = execFileSync('openssl', ['pkcs12', '-in', file, '-passin', `pass:${password}`, '-nokeys'], { encoding: 'utf8' });
        expect(pemToDer(certs, 'CERTIFICATE')[0]!.equals(der)).toBe(true);

        // The key openssl decrypts must be the one we encrypted: compare public halves (the private one stays in memory).
        const keyPem = execFileSync('openssl', ['pkcs12', '-in', file, '-passin', `pass:${password}`, '-nocerts', '-nodes'], { encoding: 'utf8' });
        const spki = createPublicKey(keyPem.slice(keyPem.indexOf('-----BEGIN'))).export({ type: 'spki', format: 'der' });
        expect(spki.equals(key.spki)).toBe(true);

        const wrong = spawnSync('openssl', ['pkcs12', '-info', '-nokeys', '-in', file, '-passin', 'pass:wrong'], { encoding: 'utf8' });
        expect(wrong.status).not.toBe(0);
      });
    }
  }

  it('carries the whole chain', () => {
    const leaf = selfSigned('ec-p256');
    const other = selfSigned('ec-p256');
    const file = join(dir, 'chain.pfx');
    writeFileSync(file, buildPfx({ chain: [leaf.der, other.der], key: leaf.key.privateKey, password: 'x' }));
    const certs = execFileSync('openssl', ['pkcs12', '-in', file, '-passin', 'pass:x', '-nokeys'], { encoding: 'utf8' });
    expect(pemToDer(certs, 'CERTIFICATE').map((d) => d.toString('hex')).sort()).toEqual([leaf.der, other.der].map((d) => d.toString('hex')).sort());
  });

  it('a shared macSalt reuses the MAC key only for the same password: each file opens with its own password', () => {
    const salt = Buffer.from('00112233445566778899aabbccddeeff', 'hex');
    const { key, der } = selfSigned('ec-p256');
    for (const password of ['first', 'first', 'second']) {
      const file = join(dir, `shared-salt-${password}.pfx`);
      writeFileSync(file, buildPfx({ chain: [der], key: key.privateKey, password, macSalt: salt }));
      const ok = spawnSync('openssl', ['pkcs12', '-info', '-nokeys', '-in', file, '-passin', `pass:${password}`], { encoding: 'utf8' });
      expect(ok.status, ok.stderr).toBe(0);
      const wrong = spawnSync('openssl', ['pkcs12', '-info', '-nokeys', '-in', file, '-passin', `pass:${password === 'first' ? 'second' : 'first'}`], { encoding: 'utf8' });
      expect(wrong.status).not.toBe(0);
    }
  });
});
