// What the runner and the targets need from the PKI, by catalogue alias: certificate properties as .NET prints them
// (to render policies with real thumbprints and subjects), and the TLS material a scenario's client presents.

import { derToPem } from '../../ca/der';
import { dotnetQuote, type DistinguishedName } from '../../ca/dn';
import { OID } from '../../ca/oids';
import type { IssuedCertificate, Pki } from '../../ca/index';
import { manifestNameOf, type CertificateName } from '../certificate-names';
import type { CertificateFacts } from '../policy-library';
import type { TlsMaterial } from '../clients/raw-tls-client';
import type { Client } from '../schema';

export const certificateOf = (pki: Pki, alias: CertificateName): IssuedCertificate => pki.get(manifestNameOf(alias));

/** The docs' order (C first, as in DER) with ST= for the state: how MTLS-PAGE's examples write a subject. */
export function formatCFirst(dn: DistinguishedName): string {
  const name = (type: string) =>
    type === OID.stateOrProvinceName ? 'ST' : (DOTNET_SHORT[type] ?? `OID.${type}`);
  return dn.map((rdn) => rdn.map((a) => `${name(a.type)}=${dotnetQuote(a.value)}`).join(' + ')).join(', ');
}

const DOTNET_SHORT: Readonly<Record<string, string>> = {
  [OID.commonName]: 'CN',
  [OID.organizationalUnitName]: 'OU',
  [OID.organizationName]: 'O',
  [OID.localityName]: 'L',
  [OID.countryName]: 'C',
  [OID.emailAddress]: 'E',
  [OID.streetAddress]: 'STREET',
  [OID.serialNumber]: 'SERIALNUMBER',
  [OID.domainComponent]: 'DC',
};

function commonNameOf(dn: DistinguishedName): string {
  for (const rdn of [...dn].reverse()) for (const a of rdn) if (a.type === OID.commonName) return a.value;
  throw new Error('the certificate has no common name');
}

export function certificateFacts(pki: Pki): CertificateFacts {
  const get = (n: CertificateName) => certificateOf(pki, n);
  const issuerOf = (n: CertificateName): IssuedCertificate => {
    const c = get(n);
    return c.issuerName ? pki.get(c.issuerName) : c;
  };
  return {
    thumbprint: (n) => get(n).thumbprint,
    serial: (n) => get(n).serialNumber,
    subject: (n) => get(n).subject.dotnet,
    subjectCFirst: (n) => formatCFirst(get(n).subject.dn),
    issuer: (n) => get(n).issuer.dotnet,
    commonName: (n) => commonNameOf(get(n).subject.dn),
    dnsName: (n) => {
      const dns = get(n).subjectAltNames.find((s) => s.type === 'dns');
      if (!dns) throw new Error(`certificate "${n}" has no dNSName in its subjectAltName`);
      return dns.value;
    },
    issuerThumbprint: (n) => issuerOf(n).thumbprint,
  };
}

/** The PEM blocks of a certificate's chain without its top (the root, which a peer never needs). */
export function chainPem(c: IssuedCertificate): string {
  const upper = c.chain.length > 1 ? c.chain.slice(1, -1) : [];
  return [c.certPem.trim(), ...upper.map((d) => derToPem(d, 'CERTIFICATE').trim())].join('\n') + '\n';
}

/** What the client presents: its certificate (leaf only, or with the intermediates) and key; trusts the PKI's roots. */
export function clientTls(pki: Pki, client: Pick<Client, 'certificate' | 'sendChain'>, servername = 'localhost'): TlsMaterial {
  const ca = pki.trustedRoots.map((r) => r.certPem);
  if (client.certificate === 'none') return { ca, servername };
  const c = certificateOf(pki, client.certificate);
  return { cert: client.sendChain ? chainPem(c) : c.certPem, key: c.keyPem, ca, servername };
}
