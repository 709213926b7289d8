// Keys: the on-disk cache gives back the very key it stored (mode 0600), the pool hands keys out round-robin, and
// keys that are not RSA-2048 or P-256 are refused by name.

import { execFileSync } from 'node:child_process';
import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateEcP256, KeyCache, keyFromPem, keyMaterialPem, KeyPool, keyTypeOf, obtainKey, privateKeyPem } from './keys';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'certgate-keys-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('KeyCache via obtainKey', () => {
  it('generates once, then returns the same key from disk; other labels and seeds get other keys', async () => {
    const cache = new KeyCache(join(dir, 'cache'));
    const first = await obtainKey('ec-p256', 'alice', 'seed', cache);
    const again = await obtainKey('ec-p256', 'alice', 'seed', cache);
    expect([first.cached, again.cached]).toEqual([false, true]);
    expect(again.key.spki.equals(first.key.spki)).toBe(true);
    expect((await obtainKey('ec-p256', 'bob', 'seed', cache)).key.spki.equals(first.key.spki)).toBe(false);
    expect((await obtainKey('ec-p256', 'alice', 'other', cache)).cached).toBe(false);
    for (const f of await readdir(join(dir, 'cache'))) expect((await stat(join(dir, 'cache', f))).mode & 0o777).toBe(0o600);
  });

  it('an RSA key comes back as RSA-2048', async () => {
    const cache = new KeyCache(join(dir, 'cache'));
    await obtainKey('rsa2048', 'root', 'seed', cache);
    const hit = await obtainKey('rsa2048', 'root', 'seed', cache);
    expect(hit.cached).toBe(true);
    expect(hit.key.privateKey.asymmetricKeyDetails?.modulusLength).toBe(2048);
  });
});

describe('KeyPool', () => {
  it('hands out its keys round-robin and refuses a type it has none of', async () => {
    const pool = await KeyPool.create({ 'ec-p256': 2 });
    const [a, b, c] = [pool.take('ec-p256'), pool.take('ec-p256'), pool.take('ec-p256')];
    expect(a.spki.equals(b.spki)).toBe(false);
    expect(c).toBe(a);
    expect(() => pool.take('rsa2048')).toThrow(/no rsa2048 key/);
  });
});

describe('keyTypeOf', () => {
  it('refuses RSA-1024 and P-384, naming where the key came from', () => {
    const small = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey;
    expect(() => keyTypeOf(small, 'x.key.pem')).toThrow(/^x\.key\.pem: unsupported key \(rsa 1024\)/);
    const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey;
    expect(() => keyTypeOf(p384, 'y')).toThrow(/unsupported key \(ec secp384r1\)/);
  });
});

describe('generateEcP256 (DER templates instead of OpenSSL encoders)', () => {
  it('its SPKI and PKCS#8 are byte for byte what Node exports for the same key, and the pair signs and verifies', () => {
    for (let i = 0; i < 50; i++) {
      const k = generateEcP256();
      // An independent decoder (OpenSSL via createPrivateKey) re-exports the key: the bytes must be identical.
      const reread = createPrivateKey({ key: k.pkcs8, format: 'der', type: 'pkcs8' });
      expect(reread.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
      expect(reread.export({ type: 'pkcs8', format: 'der' }).equals(k.pkcs8)).toBe(true);
      expect(k.publicKey.export({ type: 'spki', format: 'der' }).equals(k.spki)).toBe(true);
      expect(keyMaterialPem(k)).toBe(privateKeyPem(reread));
      const sig = sign('sha256', Buffer.from(`message ${i}`), k.privateKey);
      expect(verify('sha256', Buffer.from(`message ${i}`), k.publicKey, sig)).toBe(true);
    }
  });

  it('a private scalar with a leading zero byte (1 key in 256) is padded to 32 bytes, not shifted', () => {
    // ECDH.getPrivateKey drops leading zeros; the template needs exactly 32 bytes. Bounded search: P(miss) ≈ e^-19.
    let k = generateEcP256();
    for (let i = 0; i < 5000 && k.pkcs8[36] !== 0; i++) k = generateEcP256();
    expect(k.pkcs8[36]).toBe(0);
    const reread = createPrivateKey({ key: k.pkcs8, format: 'der', type: 'pkcs8' });
    expect(reread.export({ type: 'pkcs8', format: 'der' }).equals(k.pkcs8)).toBe(true);
    const sig = sign('sha256', Buffer.from('x'), reread);
    expect(verify('sha256', Buffer.from('x'), k.publicKey, sig)).toBe(true);
  });

  it('openssl reads the PEM as a P-256 key whose public half is the SPKI', () => {
    const k = generateEcP256();
    const file = join(dir, 'ec.key.pem');
    writeFileSync(file, keyMaterialPem(k), { mode: 0o600 });
    expect(execFileSync('openssl', ['pkey', '-in', file, '-noout', '-text'], { encoding: 'utf8' })).toContain('NIST CURVE: P-256');
    expect(execFileSync('openssl', ['pkey', '-in', file, '-pubout', '-outform', 'DER'])).toEqual(k.spki);
  });

  it('keyFromPem reuses the DER of PEMs that openssl wrote (P-256 and RSA) and still gets the right public key', () => {
    for (const [alg, opt] of [['EC', 'ec_paramgen_curve:P-256'], ['RSA', 'rsa_keygen_bits:2048']] as const) {
      const pem = execFileSync('openssl', ['genpkey', '-algorithm', alg, '-pkeyopt', opt], { encoding: 'utf8' });
      const k = keyFromPem(pem, 'openssl.pem');
      expect(k.spki.equals(createPublicKey(pem).export({ type: 'spki', format: 'der' }))).toBe(true);
      expect(keyMaterialPem(k)).toBe(privateKeyPem(createPrivateKey(pem)));
    }
  });
});
