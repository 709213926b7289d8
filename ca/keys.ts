// Key pairs for the PKI lab: RSA-2048 and EC P-256 from Node's native crypto.
//
// RSA-2048 generation costs ~200–330 ms per key on this kind of machine, so: generation is async (libuv thread pool,
// so several keys are made in parallel), a KeyPool hands out pre-made keys where the caller does not care which key
// it gets, and a KeyCache keeps keys on disk (mode 0600) so a second `ca init` of the same spec generates nothing.
//
// EC P-256 keys are made with ECDH.generateKeys (OpenSSL's EC key generation, ~35 µs) and their SPKI and PKCS#8 DER
// are filled into fixed templates. Measured on Node 20 / OpenSSL 3.0: generateKeyPairSync('ec') is ~65 µs, but then
// `publicKey.export({type:'spki', format:'der'})` costs ~155 µs (OpenSSL 3's encoder lookup) — 4× the key itself,
// and more than signing the certificate. (Exporting as JWK is cheap, but on Node 20.20 it can deadlock when GC runs
// during the export of a key from generateKeyPairSync, so it is avoided.) The KeyObjects are created on first use.

import { createECDH, createHash, createPrivateKey, createPublicKey, generateKeyPair, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { derToPem, pemToDer } from './der';
import type { KeyType } from './types';

const generateKeyPairAsync = promisify(generateKeyPair);

export interface KeyMaterial {
  readonly keyType: KeyType;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  /** SubjectPublicKeyInfo DER, computed once (every certificate for this key embeds it). */
  readonly spki: Buffer;
  /** The private key as unencrypted PKCS#8 DER (what `-----BEGIN PRIVATE KEY-----` holds). */
  readonly pkcs8: Buffer;
}

export const KEY_TYPES: readonly KeyType[] = ['rsa2048', 'ec-p256'];

/** Key material whose forms (KeyObjects, SPKI, PKCS#8) are each made once, when first asked for. */
class Key implements KeyMaterial {
  private priv?: KeyObject;
  private pub?: KeyObject;
  private spkiDer?: Buffer;
  private pkcs8Der?: Buffer;

  constructor(
    readonly keyType: KeyType,
    from: { privateKey?: KeyObject; publicKey?: KeyObject; spki?: Buffer; pkcs8?: Buffer },
  ) {
    this.priv = from.privateKey;
    this.pub = from.publicKey;
    this.spkiDer = from.spki;
    this.pkcs8Der = from.pkcs8;
  }

  get privateKey(): KeyObject {
    return (this.priv ??= createPrivateKey({ key: this.pkcs8Der!, format: 'der', type: 'pkcs8' }));
  }

  get publicKey(): KeyObject {
    return (this.pub ??= this.spkiDer ? createPublicKey({ key: this.spkiDer, format: 'der', type: 'spki' }) : createPublicKey(this.privateKey));
  }

  get spki(): Buffer {
    return (this.spkiDer ??= this.publicKey.export({ type: 'spki', format: 'der' }));
  }

  get pkcs8(): Buffer {
    return (this.pkcs8Der ??= this.privateKey.export({ type: 'pkcs8', format: 'der' }));
  }
}

// DER templates for P-256 (RFC 5480 SPKI; RFC 5208 PKCS#8 wrapping an RFC 5915 ECPrivateKey with the public key, no
// parameters field), byte for byte what Node/OpenSSL export for the same key (checked in keys.test.ts).
const P256_SPKI_PREFIX = Buffer.from('3059301306072a8648ce3d020106082a8648ce3d030107034200', 'hex');
const P256_PKCS8_PREFIX = Buffer.from('308187020100301306072a8648ce3d020106082a8648ce3d030107046d306b0201010420', 'hex');
const P256_PKCS8_PUBLIC = Buffer.from('a144034200', 'hex');

/** A fresh P-256 key pair, straight to DER (see the top of the file for why not generateKeyPairSync). */
export function generateEcP256(): KeyMaterial {
  const ecdh = createECDH('prime256v1');
  ecdh.generateKeys();
  const point = ecdh.getPublicKey(); // uncompressed: 04 || X || Y, always 65 bytes
  let d = ecdh.getPrivateKey();
  if (d.length < 32) d = Buffer.concat([Buffer.alloc(32 - d.length), d]); // a scalar with leading zero bytes
  return new Key('ec-p256', {
    spki: Buffer.concat([P256_SPKI_PREFIX, point]),
    pkcs8: Buffer.concat([P256_PKCS8_PREFIX, d, P256_PKCS8_PUBLIC, point]),
  });
}

function material(keyType: KeyType, privateKey: KeyObject, publicKey?: KeyObject): KeyMaterial {
  return new Key(keyType, { privateKey, publicKey });
}

/** The SPKI of a P-256 PKCS#8 laid out like our template (which OpenSSL also writes); undefined for any other. */
function p256SpkiFromPkcs8(pkcs8: Buffer): Buffer | undefined {
  const at = P256_PKCS8_PREFIX.length + 32;
  if (pkcs8.length !== at + P256_PKCS8_PUBLIC.length + 65 || !pkcs8.subarray(0, P256_PKCS8_PREFIX.length).equals(P256_PKCS8_PREFIX)) return undefined;
  if (!pkcs8.subarray(at, at + P256_PKCS8_PUBLIC.length).equals(P256_PKCS8_PUBLIC)) return undefined;
  return Buffer.concat([P256_SPKI_PREFIX, pkcs8.subarray(at + P256_PKCS8_PUBLIC.length)]);
}

/** Generates a key off the main thread (EC: on it, see generateKeySync). */
export async function generateKey(keyType: KeyType): Promise<KeyMaterial> {
  if (keyType === 'ec-p256') return generateEcP256();
  const { privateKey, publicKey } = await generateKeyPairAsync('rsa', { modulusLength: 2048, publicExponent: 0x10001 });
  return material(keyType, privateKey, publicKey);
}

/** Synchronous generation: for EC on hot paths (a P-256 key is ~35 µs, cheaper than a thread-pool round trip). */
export function generateKeySync(keyType: KeyType): KeyMaterial {
  if (keyType === 'ec-p256') return generateEcP256();
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048, publicExponent: 0x10001 });
  return material(keyType, privateKey, publicKey);
}

/** Reads a PEM private key (PKCS#8, SEC1 or PKCS#1) and checks it is one of the two supported types. */
export function keyFromPem(pem: string | Buffer, where = 'key'): KeyMaterial {
  const privateKey = createPrivateKey(pem);
  const keyType = keyTypeOf(privateKey, where);
  // An unencrypted PKCS#8 PEM already holds the DER we would otherwise export again (and, for P-256, the SPKI).
  const [pkcs8] = pemToDer(pem.toString(), 'PRIVATE KEY');
  if (!pkcs8) return material(keyType, privateKey);
  return new Key(keyType, { privateKey, pkcs8, spki: keyType === 'ec-p256' ? p256SpkiFromPkcs8(pkcs8) : undefined });
}

export function keyTypeOf(key: KeyObject, where = 'key'): KeyType {
  const details = key.asymmetricKeyDetails;
  if (key.asymmetricKeyType === 'rsa' && details?.modulusLength === 2048) return 'rsa2048';
  if (key.asymmetricKeyType === 'ec' && details?.namedCurve === 'prime256v1') return 'ec-p256';
  throw new Error(`${where}: unsupported key (${key.asymmetricKeyType} ${details?.modulusLength ?? details?.namedCurve ?? ''}); expected RSA-2048 or EC P-256`);
}

export const privateKeyPem = (key: KeyObject): string => key.export({ type: 'pkcs8', format: 'pem' }) as string;

/** The same PEM as privateKeyPem(k.privateKey), without asking OpenSSL's encoder for it (~85 µs) when DER is at hand. */
export const keyMaterialPem = (k: KeyMaterial): string => derToPem(k.pkcs8, 'PRIVATE KEY');

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
    await writeFile(tmp, keyMaterialPem(key), { mode: 0o600 });
    await rename(tmp, file);
  }
}

/** Gets a key from the cache or generates (and caches) it. */
export async function obtainKey(keyType: KeyType, label: string, seed: string, cache?: KeyCache): Promise<{ key: KeyMaterial; cached: boolean }> {
  const hit = cache ? await cache.get(seed, label, keyType) : undefined;
  if (hit) return { key: hit, cached: true };
  const key = await generateKey(keyType);
  if (cache) await cache.put(seed, label, key);
  return { key, cached: false };
}
