// Key pairs for the PKI lab: RSA-2048 and EC P-256 from Node's native crypto.
//
// RSA-2048 generation costs ~200–330 ms per key on this kind of machine, so: generation is async (libuv thread pool,
// so several keys are made in parallel), a KeyPool hands out pre-made keys where the caller does not care which key
// it gets, and a KeyCache keeps keys on disk (mode 0600) so a second `ca init` of the same spec generates nothing.

import { createHash, createPrivateKey, createPublicKey, generateKeyPair, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { KeyType } from './types';

const generateKeyPairAsync = promisify(generateKeyPair);

export interface KeyMaterial {
  readonly keyType: KeyType;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  /** SubjectPublicKeyInfo DER, computed once (every certificate for this key embeds it). */
  readonly spki: Buffer;
}

export const KEY_TYPES: readonly KeyType[] = ['rsa2048', 'ec-p256'];

function material(keyType: KeyType, privateKey: KeyObject, publicKey: KeyObject = createPublicKey(privateKey)): KeyMaterial {
  return { keyType, privateKey, publicKey, spki: publicKey.export({ type: 'spki', format: 'der' }) };
}

/** Generates a key off the main thread. */
export async function generateKey(keyType: KeyType): Promise<KeyMaterial> {
  const { privateKey, publicKey } =
    keyType === 'rsa2048'
      ? await generateKeyPairAsync('rsa', { modulusLength: 2048, publicExponent: 0x10001 })
      : await generateKeyPairAsync('ec', { namedCurve: 'P-256' });
  return material(keyType, privateKey, publicKey);
}

/** Synchronous generation: for EC on hot paths (a P-256 key is ~0.1 ms, cheaper than a thread-pool round trip). */
export function generateKeySync(keyType: KeyType): KeyMaterial {
  const { privateKey, publicKey } =
    keyType === 'rsa2048'
      ? generateKeyPairSync('rsa', { modulusLength: 2048, publicExponent: 0x10001 })
      : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return material(keyType, privateKey, publicKey);
}

/** Reads a PEM private key (PKCS#8, SEC1 or PKCS#1) and checks it is one of the two supported types. */
export function keyFromPem(pem: string | Buffer, where = 'key'): KeyMaterial {
  const privateKey = createPrivateKey(pem);
  return material(keyTypeOf(privateKey, where), privateKey);
}

export function keyTypeOf(key: KeyObject, where = 'key'): KeyType {
  const details = key.asymmetricKeyDetails;
  if (key.asymmetricKeyType === 'rsa' && details?.modulusLength === 2048) return 'rsa2048';
  if (key.asymmetricKeyType === 'ec' && details?.namedCurve === 'prime256v1') return 'ec-p256';
  throw new Error(`${where}: unsupported key (${key.asymmetricKeyType} ${details?.modulusLength ?? details?.namedCurve ?? ''}); expected RSA-2048 or EC P-256`);
}

export const privateKeyPem = (key: KeyObject): string => key.export({ type: 'pkcs8', format: 'pem' }) as string;

/**
 * Pre-generated keys per type, handed out round-robin. For benchmarks and for certificates whose tests do not care
 * which key they have; never for CAs (two CAs sharing a key would let one vouch for the other's certificates).
 */
export class KeyPool {
  private readonly keys = new Map<KeyType, KeyMaterial[]>();
  private readonly next = new Map<KeyType, number>();

  static async create(sizes: Partial<Record<KeyType, number>>): Promise<KeyPool> {
    const pool = new KeyPool();
    const jobs = Object.entries(sizes).flatMap(([type, n]) => Array.from({ length: n ?? 0 }, () => type as KeyType));
    const made = await Promise.all(jobs.map((type) => generateKey(type)));
    for (const key of made) pool.add(key);
    return pool;
  }

  add(key: KeyMaterial): void {
    const list = this.keys.get(key.keyType) ?? [];
    list.push(key);
    this.keys.set(key.keyType, list);
  }

  size(keyType: KeyType): number {
    return this.keys.get(keyType)?.length ?? 0;
  }

  take(keyType: KeyType): KeyMaterial {
    const list = this.keys.get(keyType);
    if (!list || list.length === 0) throw new Error(`key pool has no ${keyType} key`);
    const i = this.next.get(keyType) ?? 0;
    this.next.set(keyType, (i + 1) % list.length);
    return list[i]!;
  }
}

/**
 * Keys on disk, one PEM file per (seed, key label, key type). A label is a certificate name or a shared-key name
 * from the spec, so editing one certificate's subject keeps every key; changing the seed makes fresh ones.
 */
export class KeyCache {
  constructor(readonly dir: string) {}

  private fileFor(seed: string, label: string, keyType: KeyType): string {
    const id = createHash('sha256').update(`${seed}\u0000${label}\u0000${keyType}`).digest('hex').slice(0, 32);
    return join(this.dir, `${keyType}-${id}.key.pem`);
  }

  async get(seed: string, label: string, keyType: KeyType): Promise<KeyMaterial | undefined> {
    let pem: string;
    try {
      pem = await readFile(this.fileFor(seed, label, keyType), 'utf8');
    } catch {
      return undefined;
    }
    try {
      const key = keyFromPem(pem);
      return key.keyType === keyType ? key : undefined;
    } catch {
      return undefined; // a damaged cache entry is regenerated, not fatal
    }
  }

  async put(seed: string, label: string, key: KeyMaterial): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const file = this.fileFor(seed, label, key.keyType);
    // Write then rename, so a concurrent reader never sees half a key.
    const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
    await writeFile(tmp, privateKeyPem(key.privateKey), { mode: 0o600 });
    await rename(tmp, file);
  }
}

/** Gets a key from the cache or generates (and caches) it. */
export async function obtainKey(keyType: KeyType, label: string, seed: string, cache?: KeyCache): Promise<{ key: KeyMaterial; cached: boolean }> {
  const hit = cache ? await cache.get(seed, label, keyType) : undefined;
  if (hit) return { key: hit, cached: true };
  const key = keyType === 'ec-p256' ? generateKeySync(keyType) : await generateKey(keyType);
  if (cache) await cache.put(seed, label, key);
  return { key, cached: false };
}
