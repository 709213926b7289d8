// The ONE place where the catalogue's certificate aliases meet the PKI manifest's names (ca/default-spec.ts).
// Catalogue YAML and profiles only ever use the aliases (the keys below); renaming a certificate in the PKI is one
// edit here. `expected` is what a strict validator concludes (ca/types.ts ExpectedVerdict), used to sanity-check
// that the catalogue's expectations agree with the certificate's shape.

import type { ExpectedVerdict } from '../ca/types';

export interface CertificateAlias {
  /** Name in the PKI manifest. */
  readonly manifest: string;
  readonly role: 'client' | 'ca';
  /** For client leaves: what a strict validator concludes, given the PKI's trusted roots. */
  readonly expected?: ExpectedVerdict;
  readonly keyType: 'rsa2048' | 'ec-p256';
}

export const CERTIFICATES = {
  // client leaves
  'valid-rsa': { manifest: 'client-valid-rsa', role: 'client', expected: 'valid', keyType: 'rsa2048' },
  'valid-ec': { manifest: 'client-valid-ec', role: 'client', expected: 'valid', keyType: 'ec-p256' },
  expired: { manifest: 'client-expired', role: 'client', expected: 'expired', keyType: 'ec-p256' },
  'not-yet-valid': { manifest: 'client-not-yet-valid', role: 'client', expected: 'not-yet-valid', keyType: 'ec-p256' },
  revoked: { manifest: 'client-revoked', role: 'client', expected: 'revoked', keyType: 'ec-p256' },
  'self-signed': { manifest: 'client-self-signed', role: 'client', expected: 'untrusted', keyType: 'ec-p256' },
  'untrusted-root': { manifest: 'client-untrusted-issuer', role: 'client', expected: 'untrusted', keyType: 'ec-p256' },
  'no-client-auth': { manifest: 'client-server-auth-only', role: 'client', expected: 'wrong-usage', keyType: 'ec-p256' },
  'ca-as-leaf': { manifest: 'client-ca-as-leaf', role: 'client', expected: 'ca-as-leaf', keyType: 'ec-p256' },
  'awkward-dn': { manifest: 'client-awkward-dn', role: 'client', expected: 'valid', keyType: 'ec-p256' },
  'san-dns': { manifest: 'client-san-dns', role: 'client', expected: 'valid', keyType: 'ec-p256' },
  'long-chain': { manifest: 'client-long-chain', role: 'client', expected: 'valid', keyType: 'ec-p256' },
  'no-revocation-pointers': { manifest: 'client-no-pointers', role: 'client', expected: 'valid', keyType: 'ec-p256' },
  'responder-down': { manifest: 'client-down-responder', role: 'client', expected: 'revocation-unreachable', keyType: 'ec-p256' },
  // certificate authorities (uploaded as CA certificates, or referenced by issuer identities)
  'root-ca': { manifest: 'root-ca', role: 'ca', keyType: 'rsa2048' },
  'intermediate-ca': { manifest: 'intermediate-ca', role: 'ca', keyType: 'ec-p256' },
  'long-chain-intermediates': { manifest: 'sub-intermediate-ca', role: 'ca', keyType: 'ec-p256' },
  'untrusted-root-ca': { manifest: 'untrusted-root-ca', role: 'ca', keyType: 'ec-p256' },
} as const satisfies Record<string, CertificateAlias>;

export type CertificateName = keyof typeof CERTIFICATES;
export const CERTIFICATE_NAMES = Object.keys(CERTIFICATES) as [CertificateName, ...CertificateName[]];
export const CLIENT_CERTIFICATE_NAMES = CERTIFICATE_NAMES.filter((n) => CERTIFICATES[n].role === 'client');
export const CA_CERTIFICATE_NAMES = CERTIFICATE_NAMES.filter((n) => CERTIFICATES[n].role === 'ca');

/** The PKI manifest name for a catalogue alias. */
export function manifestNameOf(alias: CertificateName): string {
  return CERTIFICATES[alias].manifest;
}
