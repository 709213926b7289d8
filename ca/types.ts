// The shapes the PKI lab hands to everything else. ca/ writes them; emulator/ and scenarios/ only read them.

import type { KeyObject } from 'node:crypto';

export type KeyType = 'rsa2048' | 'ec-p256';

export type CertificateRole = 'root-ca' | 'intermediate-ca' | 'client' | 'server' | 'ocsp-signer';

/** RFC 5280 §5.3.1 CRLReason codes certgate uses. */
export type CrlReason =
  | 'unspecified'
  | 'keyCompromise'
  | 'cACompromise'
  | 'affiliationChanged'
  | 'superseded'
  | 'cessationOfOperation'
  | 'certificateHold'
  | 'privilegeWithdrawn';

export const CRL_REASON_CODES: Readonly<Record<CrlReason, number>> = {
  unspecified: 0,
  keyCompromise: 1,
  cACompromise: 2,
  affiliationChanged: 3,
  superseded: 4,
  cessationOfOperation: 5,
  certificateHold: 6,
  privilegeWithdrawn: 9,
};

/**
 * What a strict validator (openssl verify with the CRL, .NET Verify()) should conclude about a certificate when
 * given the PKI's trusted roots: the manifest's `expected` field.
 */
export type ExpectedVerdict =
  | 'valid'
  | 'expired'
  | 'not-yet-valid'
  | 'revoked'
  | 'untrusted' // chains to a root the PKI does not trust, or is self-signed
  | 'wrong-usage' // no clientAuth EKU (valid as a chain, wrong for client authentication)
  | 'ca-as-leaf' // a CA certificate presented as a client certificate
  | 'revocation-unreachable'; // its revocation pointers lead to a responder that is down

/** One revoked serial, as a CRL and the OCSP responder report it. */
export interface RevocationEntry {
  /** INTEGER content octets of the serial, as encoded in the certificate. */
  readonly serial: Buffer;
  readonly revokedAt: Date;
  readonly reason: CrlReason;
}

/** Everything the revocation side (CRLs, OCSP) needs to know about one issuing CA. */
export interface IssuingAuthority {
  /** The spec name of the CA, used in URLs: /crl/<name>.crl, /ocsp/<name>. */
  readonly name: string;
  readonly certDer: Buffer;
  readonly key: KeyObject;
  readonly keyType: KeyType;
  /** Upper-case hex serials of every certificate this CA issued (OCSP answers "unknown" for others). */
  readonly issuedSerials: ReadonlySet<string>;
  readonly revoked: readonly RevocationEntry[];
  /** A delegated OCSP signer (EKU id-kp-OCSPSigning, issued by this CA), when the spec asks for one. */
  readonly ocspSigner?: { readonly certDer: Buffer; readonly key: KeyObject; readonly keyType: KeyType };
}

/** Where the revocation responders listen; embedded in the certificates' CDP and AIA extensions. */
export interface ResponderAddress {
  readonly host: string;
  readonly port: number;
}
