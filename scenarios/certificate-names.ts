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
  expired: { manifest: 'client-expired', role: 'client', expected: 'expired', keyType: 'rsa2048' },
  'not-yet-valid': { manifest: 'client-not-yet-valid', role: 'client', expected: 'not-yet-valid', keyType: 'rsa2048' },
  revoked: { manifest: 'client-revoked', role: 'client', expected: 'revoked', keyType: 'rsa2048' },
  'self-signed': { manifest: 'client-self-signed', role: 'client', expected: 'untrusted', keyType: 'rsa2048' },
  'untrusted-root': { manifest: 'client-untrusted-root', role: 'client', expected: 'untrusted', keyType: 'rsa2048' },
  'no-client-auth': { manifest: 'client-no-client-auth', role: 'client', expected: 'wrong-usage', keyType: 'rsa2048' },
  'ca-as-leaf': { manifest: 'client-ca-as-leaf', role: 'client', expected: 'ca-as-leaf', keyType: 'rsa2048' },
  'awkward-dn': { manifest: 'client-awkward-dn', role: 'client', expected: 'valid', keyType: 'rsa2048' },
  'san-dns': { manifest: 'client-san-dns', role: 'client', expected: 'valid', keyType: 'ec-p256' },
  'long-chain': { manifest: 'client-long-chain', role: 'client', expected: 'valid', keyType: 'rsa2048' },
  'no-revocation-pointers': {
    manifest: 'client-no-revocation-pointers',
    role: 'client',
    expected: 'valid',
    keyType: 'rsa2048',
  },
  'responder-down': {
    manifest: 'client-responder-down',
    role: 'client',
    expected: 'revocation-unreachable',
    keyType: 'rsa2048',
  },
  // certificate authorities (uploaded as CA certificates, or referenced by issuer identities)
  'root-ca': { manifest: 'root-ca', role: 'ca', keyType: 'rsa2048' },
  'intermediate-ca': { manifest: 'intermediate-ca', role: 'ca', keyType: 'rsa2048' },
  'long-chain-intermediates': { manifest: 'long-chain-intermediate', role: 'ca', keyType: 'rsa2048' },
  'untrusted-root-ca': { manifest: 'untrusted-root-ca', role: 'ca', keyType: 'rsa2048' },
} as const satisfies Record<string, CertificateAlias>;

export type CertificateName = keyof typeof CERTIFICATES;
export const CERTIFICATE_NAMES = Object.keys(CERTIFICATES) as [CertificateName, ...CertificateName[]];
export const CLIENT_CERTIFICATE_NAMES = CERTIFICATE_NAMES.filter((n) => CERTIFICATES[n].role === 'client');
export const CA_CERTIFICATE_NAMES = CERTIFICATE_NAMES.filter((n) => CERTIFICATES[n].role === 'ca');

/** The PKI manifest name for a catalogue alias. */
export function manifestNameOf(alias: CertificateName): string {
  return CERTIFICATES[alias].manifest;
}
