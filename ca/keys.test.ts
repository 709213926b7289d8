// Keys: the on-disk cache gives back the very key it stored (mode 0600), the pool hands keys out round-robin, and
// keys that are not RSA-2048 or P-256 are refused by name.

import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeyCache, KeyPool, keyTypeOf, obtainKey } from './keys';

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
