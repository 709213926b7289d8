// Signing and verifying the DER structures of the revocation side (CRLs, OCSP responses) with Node's crypto.
// One place that maps key types to AlgorithmIdentifiers, so the CRL builder, the OCSP builder and their parsers agree.

import { createHash, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { nullValue, oid, seq } from './der';
import { parseCertificate, type CertificateInfo } from './certificate-info';
import { OID } from './oids';

const SIGNATURE_HASHES: ReadonlyMap<string, string> = new Map([
  [OID.sha256WithRSAEncryption, 'sha256'],
  ['1.2.840.113549.1.1.5', 'sha1'], // sha1WithRSAEncryption (old CRLs and responders)
  ['1.2.840.113549.1.1.12', 'sha384'],
  ['1.2.840.113549.1.1.13', 'sha512'],
  [OID.ecdsaWithSHA256, 'sha256'],
  ['1.2.840.10045.4.3.3', 'sha384'],
  ['1.2.840.10045.4.3.4', 'sha512'],
  ['1.2.840.10045.4.1', 'sha1'], // ecdsa-with-SHA1
]);

const RSA_ALGORITHM = seq(oid(OID.sha256WithRSAEncryption), nullValue());
const EC_ALGORITHM = seq(oid(OID.ecdsaWithSHA256)); // RFC 5758 §3.2: parameters absent for ECDSA

/** The AlgorithmIdentifier DER that `signWith(key, …)` produces a signature for. */
export function signatureAlgorithmFor(key: KeyObject): Buffer {
  if (key.asymmetricKeyType === 'rsa') return RSA_ALGORITHM;
  if (key.asymmetricKeyType === 'ec') return EC_ALGORITHM;
  throw new Error(`unsupported signing key type "${key.asymmetricKeyType}" (expected rsa or ec)`);
}

/** SHA-256 signature; ECDSA comes out DER-encoded (Ecdsa-Sig-Value), which is what X.509 wants. */
export const signWith = (key: KeyObject, tbs: Buffer): Buffer => sign('sha256', tbs, key);

/** Verifies `signature` over `tbs` with the key in `spki`; false (not a throw) for any mismatch or unknown algorithm. */
export function verifyWith(signatureAlgorithm: string, tbs: Buffer, signature: Buffer, spki: Buffer): boolean {
  const hash = SIGNATURE_HASHES.get(signatureAlgorithm);
  if (!hash) return false;
  try {
    return verify(hash, tbs, createPublicKey({ key: spki, format: 'der', type: 'spki' }), signature);
  } catch {
    return false;
  }
}

/** A copy of the signature with one byte changed in its middle: the 'badSignature' fault. */
export function corruptSignature(signature: Buffer): Buffer {
  const copy = Buffer.from(signature);
  const at = Math.floor(copy.length / 2);
  copy[at] = copy[at]! ^ 0x5a;
  return copy;
}

/** The CA's key identifier: its subjectKeyIdentifier, else SHA-1 of its public key bits (RFC 5280 §4.2.1.2 (1)). */
export const keyIdentifierOf = (cert: CertificateInfo): Buffer =>
  cert.subjectKeyIdentifier ?? createHash('sha1').update(cert.publicKeyBits).digest();

// Certificates are parsed once: the responder and the CRL builder ask for the same CA certs thousands of times.
const parsed = new WeakMap<Buffer, CertificateInfo>();
export function parsedCertificate(der: Buffer): CertificateInfo {
  let info = parsed.get(der);
  if (!info) {
    info = parseCertificate(der);
    parsed.set(der, info);
  }
  return info;
}
