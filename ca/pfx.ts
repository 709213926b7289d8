// PKCS#12 (.pfx) files with a password, as APIM takes for uploads and `openssl pkcs12` reads, for RSA and EC keys.
//
// Layout (what OpenSSL 3 itself writes, minus encrypting the certificates, which only hides public data):
//   PFX { version 3, authSafe = data[ AuthenticatedSafe { data[ cert bags ], data[ shrouded key bag ] } ],
//         macData = HMAC-SHA256 keyed by the RFC 7292 Appendix B KDF }
// The key bag is Node's encrypted PKCS#8 export (PBES2, PBKDF2-HMAC-SHA256, AES-256-CBC), the same scheme OpenSSL 3
// uses. The KDF is written here over Node's native SHA-256 (node-forge has one in JS, but it is ~100× slower).

import { createHash, createHmac, randomBytes, type KeyObject } from 'node:crypto';
import { explicit, int, nullValue, octetString, oid, seq, setOf, tlv, Tag } from './der';
import { OID } from './oids';

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
    let A = createHash('sha256').update(D).update(I).digest();
    for (let r = 1; r < iterations; r++) A = createHash('sha256').update(A).digest();
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
}

export function buildPfx(input: PfxInput): Buffer {
  const iterations = input.iterations ?? PFX_ITERATIONS;
  const [leaf, ...rest] = input.chain;
  if (!leaf) throw new Error('buildPfx needs at least the leaf certificate');
  const localKeyId = createHash('sha1').update(leaf).digest();

  const certBag = (der: Buffer, attrs: Buffer[]) => seq(oid(BAG_CERT), explicit(0, seq(oid(CERT_X509), explicit(0, octetString(der)))), ...attrs);
  const certBags = [certBag(leaf, bagAttributes(localKeyId, input.friendlyName)), ...rest.map((der) => certBag(der, []))];

  const encryptedKey = input.key.export({ type: 'pkcs8', format: 'der', cipher: 'aes-256-cbc', passphrase: input.password });
  const keyBag = seq(oid(BAG_SHROUDED_KEY), explicit(0, encryptedKey), ...bagAttributes(localKeyId, input.friendlyName));

  const authSafe = seq(dataContentInfo(seq(...certBags)), dataContentInfo(seq(keyBag)));

  const salt = randomBytes(16);
  const macKey = pkcs12Kdf(bmpPassword(input.password), salt, 3, iterations, 32);
  const mac = createHmac('sha256', macKey).update(authSafe).digest();
  const macData = seq(seq(seq(oid(OID.sha256), nullValue()), octetString(mac)), octetString(salt), int(iterations));

  return seq(int(3), dataContentInfo(authSafe), macData);
}

export { bmpPassword };
