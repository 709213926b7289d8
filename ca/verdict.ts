// What a strict validator concludes about a certificate: the manifest's `expected` field.
//
// The model is `openssl verify -CAfile <trusted roots> -untrusted <chain> -crl_check_all -CRLfile <every CA's CRL>`
// with `-purpose sslclient` for client certificates and `-purpose sslserver` for servers, where a CA's CRL counts as
// unobtainable for a certificate whose pointers lead to the down responder. The first failure wins, in OpenSSL's
// order: chain building (untrusted), purpose (wrong-usage, ca-as-leaf), revocation leaf-first (revoked,
// revocation-unreachable), then validity top-down (expired, not-yet-valid).

import { OID } from './oids';
import type { CertificateRole, ExpectedVerdict } from './types';

export interface VerdictInput {
  readonly role: CertificateRole;
  readonly isCa: boolean;
  readonly trusted: boolean;
  /** null when self-signed. */
  readonly issuerName: string | null;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly revoked: boolean;
  readonly revocationPointers: 'responder' | 'down' | 'none';
  /** EKU OIDs; empty = no EKU extension (any purpose). */
  readonly extendedKeyUsage: readonly string[];
  readonly digitalSignature: boolean;
}

/** `chain` is leaf first, ending at a self-signed certificate. */
export function computeVerdict(chain: readonly VerdictInput[], now: Date): ExpectedVerdict {
  const leaf = chain[0];
  const top = chain[chain.length - 1];
  if (!leaf || !top) throw new Error('computeVerdict needs a chain');
  if (top.issuerName !== null || !top.trusted) return 'untrusted';

  const purpose = leaf.role === 'client' ? OID.clientAuth : leaf.role === 'server' ? OID.serverAuth : undefined;
  if (purpose) {
    // OpenSSL's check for a leaf: clientAuth/serverAuth in the EKU (when present) and digitalSignature in the KU.
    if (leaf.isCa && leaf.role === 'client') return 'ca-as-leaf';
    if ((leaf.extendedKeyUsage.length > 0 && !leaf.extendedKeyUsage.includes(purpose)) || !leaf.digitalSignature) return 'wrong-usage';
  }

  // The trust anchor itself is not checked against a CRL here: its own CRL (self-issued) never lists it.
  for (const cert of chain.slice(0, -1)) {
    if (cert.revocationPointers === 'down') return 'revocation-unreachable';
    if (cert.revoked) return 'revoked';
  }

  for (const cert of [...chain].reverse()) {
    if (now.getTime() < cert.notBefore.getTime()) return 'not-yet-valid';
    if (now.getTime() > cert.notAfter.getTime()) return 'expired';
  }
  return 'valid';
}
