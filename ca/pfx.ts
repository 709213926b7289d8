// PKCS#12 (.pfx) files with a password, as APIM takes for uploads and `openssl pkcs12` reads, for RSA and EC keys.
//
// Layout (what OpenSSL 3 itself writes, minus encrypting the certificates, which only hides public data):
//   PFX { version 3, authSafe = data[ AuthenticatedSafe { data[ cert bags ], data[ shrouded key bag ] } ],
//         macData = HMAC-SHA256 keyed by the RFC 7292 Appendix B KDF }
// The key bag is Node's encrypted PKCS#8 export (PBES2, PBKDF2-HMAC-SHA256, AES-256-CBC), the same scheme OpenSSL 3
// uses. The KDF is written here over Node's native SHA-256 (node-forge has one in JS, but it is ~100× slower).
//
// Speed: the MAC KDF is 2,048 chained SHA-256 calls in JS (~1.5 ms with crypto.hash, twice that with createHash),
// and the PBKDF2 inside the key export is native (~0.5 ms). A caller writing many PFX files with one password (a
// whole PKI) may pass the same `macSalt` to each: the MAC key depends only on (password, salt, iterations), so it
// is derived once and remembered (a few entries). The salt only guards against precomputation across passwords;
// sharing it between files that share the password, which the manifest publishes, gives nothing away.

import { createCipheriv, createHash, createHmac, hash, pbkdf2, randomBytes, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import { explicit, int, nullValue, octetString, oid, seq, setOf, tlv, Tag } from './der';
import { OID } from './oids';

const pbkdf2Async = promisify(pbkdf2);

const PKCS7_DATA = '1.2.840.113549.1.7.1';
const BAG_SHROUDED_KEY = '1.2.840.113549.1.12.10.1.2';
const BAG_CERT = '1.2.840.113549.1.12.10.1.3';
const CERT_X509 = '1.2.840.113549.1.9.22.1';
const ATTR_FRIENDLY_NAME = '1.2.840.113549.1.9.20';
const ATTR_LOCAL_KEY_ID = '1.2.840.113549.1.9.21';

/** OpenSSL's default (PKCS12_DEFAULT_ITER). */
export const PFX_ITERATIONS = 2048;

/** The password as PKCS#12 wants it for the MAC KDF: UTF-16BE with a two-byte terminator. */
function bmpPassword(password: string): Buffer {
  const le = Buffer.from(`${password}\u0000`, 'utf16le');
  return Buffer.from(le).swap16();
}

const repeatTo = (src: Buffer, length: number): Buffer => {
  const out = Buffer.alloc(length);
  if (src.length === 0) return out;
  for (let i = 0; i < length; i++) out[i] = src[i % src.length]!;
  return out;
};

/**
 * RFC 7292 Appendix B.2 key derivation with SHA-256 (u = 32, v = 64). `id` 1 = key, 2 = IV, 3 = MAC key.
 * `password` is the BMPString form (see bmpPassword).
 */
export function pkcs12Kdf(password: Buffer, salt: Buffer, id: 1 | 2 | 3, iterations: number, length: number): Buffer {
  const u = 32;
  const v = 64;
  const D = Buffer.alloc(v, id);
  const S = repeatTo(salt, v * Math.ceil(salt.length / v));
  const P = repeatTo(password, v * Math.ceil(password.length / v));
  const I = Buffer.concat([S, P]);
  const blocks: Buffer[] = [];
  for (let produced = 0; produced < length; produced += u) {
    let A: Buffer = hash('sha256', Buffer.concat([D, I]), 'buffer');
    for (let r = 1; r < iterations; r++) A = hash('sha256', A, 'buffer'); // one-shot: no Hash object per round
    blocks.push(A);
    const B = repeatTo(A, v);
    // I_j = (I_j + B + 1) mod 2^(8v), big-endian, for each v-byte block of I.
    for (let j = 0; j < I.length; j += v) {
      let carry = 1;
      for (let k = v - 1; k >= 0; k--) {
        const sum = I[j + k]! + B[k]! + carry;
        I[j + k] = sum & 0xff;
        carry = sum >> 8;
      }
    }
  }
  return Buffer.concat(blocks).subarray(0, length);
}

const attribute = (type: string, value: Buffer): Buffer => seq(oid(type), setOf(value));

function bagAttributes(localKeyId: Buffer | undefined, friendlyName: string | undefined): Buffer[] {
  const attrs: Buffer[] = [];
  if (friendlyName) attrs.push(attribute(ATTR_FRIENDLY_NAME, tlv(Tag.BMP_STRING, Buffer.from(friendlyName, 'utf16le').swap16())));
  if (localKeyId) attrs.push(attribute(ATTR_LOCAL_KEY_ID, octetString(localKeyId)));
  return attrs.length > 0 ? [setOf(...attrs)] : [];
}

const dataContentInfo = (content: Buffer): Buffer => seq(oid(PKCS7_DATA), explicit(0, octetString(content)));

export interface PfxInput {
  /** Leaf first, then the rest of the chain (included so importers get the intermediates too). */
  readonly chain: readonly Buffer[];
  readonly key: KeyObject;
  readonly password: string;
  readonly friendlyName?: string;
  readonly iterations?: number;
  /** The MAC salt (16 bytes). Default: fresh random bytes. Files sharing password and salt share the MAC KDF run. */
  readonly macSalt?: Buffer;
}

const macKeys = new Map<string, Buffer>();
function macKeyFor(password: string, salt: Buffer, iterations: number): Buffer {
  const id = `${iterations}|${salt.toString('hex')}|${password}`;
  let key = macKeys.get(id);
  if (!key) {
    key = pkcs12Kdf(bmpPassword(password), salt, 3, iterations, 32);
    if (macKeys.size >= 16) macKeys.clear();
    macKeys.set(id, key);
  }
  return key;
}

/** The PFX around an already encrypted PKCS#8 key (shared by the sync and async builders). */
function assemble(input: PfxInput, encryptedKey: Buffer): Buffer {
  const iterations = input.iterations ?? PFX_ITERATIONS;
  const [leaf, ...rest] = input.chain;
  if (!leaf) throw new Error('buildPfx needs at least the leaf certificate');
  const localKeyId = createHash('sha1').update(leaf).digest();

  const certBag = (der: Buffer, attrs: Buffer[]) => seq(oid(BAG_CERT), explicit(0, seq(oid(CERT_X509), explicit(0, octetString(der)))), ...attrs);
  const certBags = [certBag(leaf, bagAttributes(localKeyId, input.friendlyName)), ...rest.map((der) => certBag(der, []))];
  const keyBag = seq(oid(BAG_SHROUDED_KEY), explicit(0, encryptedKey), ...bagAttributes(localKeyId, input.friendlyName));

  const authSafe = seq(dataContentInfo(seq(...certBags)), dataContentInfo(seq(keyBag)));

  const salt = input.macSalt ?? randomBytes(16);
  const macKey = input.macSalt ? macKeyFor(input.password, salt, iterations) : pkcs12Kdf(bmpPassword(input.password), salt, 3, iterations, 32);
  const mac = createHmac('sha256', macKey).update(authSafe).digest();
  const macData = seq(seq(seq(oid(OID.sha256), nullValue()), octetString(mac)), octetString(salt), int(iterations));

  return seq(int(3), dataContentInfo(authSafe), macData);
}

export function buildPfx(input: PfxInput): Buffer {
  if (input.chain.length === 0) throw new Error('buildPfx needs at least the leaf certificate');
  const encryptedKey = input.key.export({ type: 'pkcs8', format: 'der', cipher: 'aes-256-cbc', passphrase: input.password });
  return assemble(input, encryptedKey);
}

const PBES2 = '1.2.840.113549.1.5.13';
const PBKDF2 = '1.2.840.113549.1.5.12';
const HMAC_SHA256 = '1.2.840.113549.2.9';
const AES_256_CBC = '2.16.840.1.101.3.4.1.42';

/**
 * The same PFX as buildPfx, with the key's PBKDF2 (the costly part) run on the libuv thread pool, so a batch of
 * PFX files is built on every core instead of one after another on the main thread. The EncryptedPrivateKeyInfo is
 * written here (RFC 8018 PBES2: PBKDF2-HMAC-SHA256, AES-256-CBC), in the form OpenSSL 3 and Node write.
 */
export async function buildPfxAsync(input: PfxInput): Promise<Buffer> {
  if (input.chain.length === 0) throw new Error('buildPfx needs at least the leaf certificate');
  const iterations = input.iterations ?? PFX_ITERATIONS;
  const salt = randomBytes(16);
  const iv = randomBytes(16);
  const key = await pbkdf2Async(Buffer.from(input.password, 'utf8'), salt, iterations, 32, 'sha256');
  const cipher = createCipheriv('aes-256-cbc', key, iv);
  const encrypted = Buffer.concat([cipher.update(input.key.export({ type: 'pkcs8', format: 'der' })), cipher.final()]);
  const kdf = seq(oid(PBKDF2), seq(octetString(salt), int(iterations), seq(oid(HMAC_SHA256), nullValue())));
  const algorithm = seq(oid(PBES2), seq(kdf, seq(oid(AES_256_CBC), octetString(iv))));
  return assemble(input, seq(algorithm, octetString(encrypted)));
}

export { bmpPassword };
