// Builds and signs X.509 v3 certificates: TBSCertificate assembled with the DER writer, signed with Node's native
// crypto.sign (sha256WithRSAEncryption or ecdsa-with-SHA256). No schema library on this path: it is what makes
// thousands of leaves per second possible.

import { createHash, sign, type KeyObject } from 'node:crypto';
import { bitString, children, explicit, int, nullValue, oid, parseDer, readBitString, seq, x509Time } from './der';
import { encodeDn, type DistinguishedName } from './dn';
import {
  authorityInfoAccess,
  authorityKeyIdentifier,
  basicConstraints,
  crlDistributionPoints,
  extendedKeyUsage,
  extensionsField,
  keyUsage,
  ocspNoCheck,
  subjectAltName,
  subjectKeyIdentifier,
  type EkuName,
  type KeyUsageName,
  type SubjectAltNames,
} from './extensions';
import { OID } from './oids';
import type { KeyType } from './types';

const ALG_RSA_SHA256 = seq(oid(OID.sha256WithRSAEncryption), nullValue());
const ALG_ECDSA_SHA256 = seq(oid(OID.ecdsaWithSHA256)); // RFC 5758: parameters absent

export const signatureAlgorithm = (keyType: KeyType): Buffer => (keyType === 'rsa2048' ? ALG_RSA_SHA256 : ALG_ECDSA_SHA256);

const keyIdCache = new WeakMap<Buffer, Buffer>();
/** RFC 5280 §4.2.1.2 method 1: SHA-1 of the subjectPublicKey BIT STRING's bits. */
export function keyIdentifier(spki: Buffer): Buffer {
  let id = keyIdCache.get(spki);
  if (!id) {
    const bits = readBitString(children(parseDer(spki))[1]!);
    id = createHash('sha1').update(bits).digest();
    keyIdCache.set(spki, id);
  }
  return id;
}

export interface Signer {
  /** Encoded issuer Name (the signer's subject). */
  readonly name: Buffer;
  readonly key: KeyObject;
  readonly keyType: KeyType;
  /** The signer's subject key identifier, for the AKI extension. */
  readonly keyId: Buffer;
}

export interface TbsInput {
  /** Unsigned big-endian magnitude; encoded as a positive INTEGER. */
  readonly serial: Buffer;
  readonly subject: DistinguishedName | Buffer;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly spki: Buffer;
  readonly extensions: readonly Buffer[];
}

const VERSION_V3 = explicit(0, int(2));

export function buildTbs(input: TbsInput, signer: Signer): Buffer {
  const subject = Buffer.isBuffer(input.subject) ? input.subject : encodeDn(input.subject);
  return seq(
    VERSION_V3,
    int(input.serial),
    signatureAlgorithm(signer.keyType),
    signer.name,
    seq(x509Time(input.notBefore), x509Time(input.notAfter)),
    subject,
    input.spki,
    ...(input.extensions.length > 0 ? [extensionsField(input.extensions)] : []),
  );
}

/** Signs a TBS structure (certificate, CRL or OCSP response data) and wraps it as SEQUENCE { tbs, alg, sig }. */
export function signTbs(tbs: Buffer, signer: Pick<Signer, 'key' | 'keyType'>): Buffer {
  const signature = sign('sha256', tbs, signer.key); // ECDSA: DER Ecdsa-Sig-Value by default
  return seq(tbs, signatureAlgorithm(signer.keyType), bitString(signature));
}

export const buildCertificate = (input: TbsInput, signer: Signer): Buffer => signTbs(buildTbs(input, signer), signer);

export interface ExtensionProfile {
  readonly ca: boolean;
  readonly pathLength?: number;
  readonly keyUsage: readonly KeyUsageName[];
  /** Omitted when empty (a certificate without EKU is valid for every purpose the key usage allows). */
  readonly extendedKeyUsage: readonly EkuName[];
  readonly subjectAltNames?: SubjectAltNames;
  readonly subjectEmpty?: boolean;
  readonly subjectKeyId: Buffer;
  /** Absent for self-signed certificates. */
  readonly authorityKeyId?: Buffer;
  readonly crlUrls: readonly string[];
  readonly ocspUrls: readonly string[];
  readonly ocspNoCheck?: boolean;
}

// Extensions that repeat from one certificate to the next (usages, URLs, the issuer's key id) are encoded once: a
// batch of leaves from one CA shares all but the subject key id and SAN. Cached buffers are only ever copied (seq
// concatenates), never handed out for writing. Bounded so a long-lived process with many profiles cannot grow it.
const encoded = new Map<string, Buffer>();
function once(key: string, make: () => Buffer): Buffer {
  let hit = encoded.get(key);
  if (!hit) {
    if (encoded.size >= 4096) encoded.clear();
    encoded.set(key, (hit = make()));
  }
  return hit;
}
const akiCache = new WeakMap<Buffer, Buffer>();
function akiOf(keyId: Buffer): Buffer {
  let aki = akiCache.get(keyId);
  if (!aki) akiCache.set(keyId, (aki = authorityKeyIdentifier(keyId)));
  return aki;
}

export function buildExtensions(p: ExtensionProfile): Buffer[] {
  const exts = [once(`bc|${p.ca}|${p.pathLength}`, () => basicConstraints(p.ca, p.pathLength)), once(`ku|${p.keyUsage.join()}`, () => keyUsage(p.keyUsage))];
  if (p.extendedKeyUsage.length > 0) exts.push(once(`eku|${p.extendedKeyUsage.join()}`, () => extendedKeyUsage(p.extendedKeyUsage)));
  const san = p.subjectAltNames;
  if (san && (san.dns?.length || san.ip?.length || san.email?.length || san.uri?.length)) exts.push(subjectAltName(san, p.subjectEmpty));
  exts.push(subjectKeyIdentifier(p.subjectKeyId));
  if (p.authorityKeyId) exts.push(akiOf(p.authorityKeyId));
  if (p.crlUrls.length > 0) exts.push(once(`crl|${p.crlUrls.join('\n')}`, () => crlDistributionPoints(p.crlUrls)));
  if (p.ocspUrls.length > 0) exts.push(once(`aia|${p.ocspUrls.join('\n')}`, () => authorityInfoAccess({ ocsp: p.ocspUrls })));
  if (p.ocspNoCheck) exts.push(once('ocspNoCheck', ocspNoCheck));
  return exts;
}
