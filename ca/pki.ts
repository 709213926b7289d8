// The in-memory PKI that ca/ hands to everyone else (emulator, scenarios, the revocation responders, the writer).

import type { KeyObject } from 'node:crypto';
import { type CertificateInfo, serialHexOf, thumbprintOf } from './certificate-info';
import { derToPem } from './der';
import { formatDotnet, formatRfc2253, type DistinguishedName } from './dn';
import type { CertificateRole, ExpectedVerdict, IssuingAuthority, KeyType, ResponderAddress, RevocationEntry } from './types';

export interface NameStrings {
  /** X509Certificate2.Subject / .Issuer form: CN first, ", " separators, .NET quoting, S= for state. */
  readonly dotnet: string;
  /** RFC 2253 form with non-ASCII kept readable (formatRfc2253 with escapeNonAscii gives OpenSSL's and nginx's exact bytes). */
  readonly rfc2253: string;
  /** The parsed name in DER order. */
  readonly dn: DistinguishedName;
}

export interface IssuedCertificate {
  readonly name: string;
  readonly role: CertificateRole;
  readonly shapes: readonly string[];
  readonly keyType: KeyType;
  /** Spec name of the CA that signed it; null when self-signed. */
  readonly issuerName: string | null;
  /** basicConstraints cA. */
  readonly isCa: boolean;
  /** A trust anchor validators are given (trusted root CAs only). */
  readonly trusted: boolean;
  readonly certDer: Buffer;
  readonly certPem: string;
  readonly key: KeyObject;
  /** PKCS#8 PEM, unencrypted (written with mode 0600; never logged). */
  readonly keyPem: string;
  /** DER list, leaf → … → top of the chain (the root, or the self-signed certificate itself). */
  readonly chain: readonly Buffer[];
  /** INTEGER content octets of the serial, as encoded. */
  readonly serial: Buffer;
  /** .NET SerialNumber: upper-case hex of `serial`. */
  readonly serialNumber: string;
  /** .NET Thumbprint: SHA-1 of the DER, upper-case hex. */
  readonly thumbprint: string;
  readonly subject: NameStrings;
  readonly issuer: NameStrings;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly crlUrls: readonly string[];
  readonly ocspUrls: readonly string[];
  readonly subjectAltNames: readonly { type: 'dns' | 'ip' | 'email' | 'uri'; value: string }[];
  /** EKU OIDs; empty when the certificate has no EKU extension. */
  readonly extendedKeyUsage: readonly string[];
  /** What a strict validator says of it given the trusted roots and the CRLs (see ca/verdict.ts). */
  readonly expected: ExpectedVerdict;
  readonly revocation?: RevocationEntry;
  readonly pfxPassword: string;
  readonly note?: string;
}

export interface Pki {
  /** Hash of (spec, clock, responder address): equal hashes mean identical output apart from random key material. */
  readonly specHash: string;
  readonly seed: string;
  readonly now: Date;
  readonly responder: ResponderAddress;
  readonly downResponder: ResponderAddress;
  readonly pfxPassword: string;
  /** In spec order. */
  readonly certificates: ReadonlyMap<string, IssuedCertificate>;
  readonly trustedRoots: readonly IssuedCertificate[];
  /** Every certificate that can sign (CAs, including a CA used as a leaf), for CRLs and OCSP. */
  readonly authorities: readonly IssuingAuthority[];
  /** The certificate by spec name; throws with the known names when absent. */
  get(name: string): IssuedCertificate;
}

/** Builds the Pki object (shared by issuePki and loadPki so both give the same shape). */
export function assemblePki(fields: Omit<Pki, 'get' | 'trustedRoots' | 'authorities'> & { ocspSigners: ReadonlyMap<string, string> }): Pki {
  const { ocspSigners, ...rest } = fields;
  const certs = [...fields.certificates.values()];
  const authorities: IssuingAuthority[] = certs
    .filter((c) => c.isCa)
    .map((ca) => {
      const issued = certs.filter((c) => c.issuerName === ca.name && c.name !== ca.name);
      const signerName = ocspSigners.get(ca.name);
      const signer = signerName ? fields.certificates.get(signerName) : undefined;
      return {
        name: ca.name,
        certDer: ca.certDer,
        key: ca.key,
        keyType: ca.keyType,
        issuedSerials: new Set(issued.map((c) => c.serialNumber)),
        revoked: issued.flatMap((c) => (c.revocation ? [c.revocation] : [])),
        ...(signer ? { ocspSigner: { certDer: signer.certDer, key: signer.key, keyType: signer.keyType } } : {}),
      };
    });
  return {
    ...rest,
    trustedRoots: certs.filter((c) => c.trusted),
    authorities,
    get(name: string): IssuedCertificate {
      const found = fields.certificates.get(name);
      if (!found) throw new Error(`no certificate named "${name}" in this PKI (have: ${[...fields.certificates.keys()].join(', ')})`);
      return found;
    },
  };
}

/** "http://host:port" with IPv6 hosts bracketed. */
export const baseUrl = (a: ResponderAddress): string => `http://${a.host.includes(':') ? `[${a.host}]` : a.host}:${a.port}`;
export const crlUrlFor = (a: ResponderAddress, caName: string): string => `${baseUrl(a)}/crl/${caName}.crl`;
export const ocspUrlFor = (a: ResponderAddress, caName: string): string => `${baseUrl(a)}/ocsp/${caName}`;

/** The fields of an IssuedCertificate that follow from its DER alone (issuing and loading share them). */
export function fieldsFromDer(der: Buffer, info: CertificateInfo) {
  const names = (dn: DistinguishedName): NameStrings => ({ dotnet: formatDotnet(dn), rfc2253: formatRfc2253(dn), dn });
  return {
    certDer: der,
    certPem: derToPem(der, 'CERTIFICATE'),
    serial: info.serial,
    serialNumber: serialHexOf(info.serial),
    thumbprint: thumbprintOf(der),
    subject: names(info.subject),
    issuer: names(info.issuer),
    notBefore: info.notBefore,
    notAfter: info.notAfter,
    crlUrls: info.crlDistributionPoints,
    ocspUrls: info.ocspUrls,
    subjectAltNames: info.subjectAltNames,
    extendedKeyUsage: info.extKeyUsage ?? [],
  };
}
