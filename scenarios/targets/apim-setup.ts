// A scenario setup in APIM's own terms, once the PKI exists: the SKU, which certificate setting the tier has, the
// custom properties, the uploaded certificates (PFX or CER, base64 as ARM's encodedCertificate wants it, without PEM
// markers) and CA certificates, and the policy XML with the PKI's real thumbprints and names. The emulator target
// and `certgate export apim` both start from this, so the emulator and a real instance get the same configuration.

import { buildPfx, type Pki } from '../../ca/index';
import type { CertificateName } from '../certificate-names';
import { renderPolicy } from '../policy-library';
import type { Family, Tier } from '../schema';
import { certificateFacts, certificateOf } from './pki-facts';
import type { ConcreteSetup } from './target';

export const HTTP2_PROPERTY = 'Microsoft.WindowsAzure.ApiManagement.Gateway.Protocols.Server.Http2';
/** Not an ARM property APIM documents; the emulator's switch for "TLS 1.3 offered" (see emulator/config/schema.ts). */
export const TLS13_PROPERTY = 'Microsoft.WindowsAzure.ApiManagement.Gateway.Security.Protocols.Tls13';

/** Header the Application Gateway rewrite rule puts the client certificate in (policy-library default). */
export const DEFAULT_FORWARD_HEADER = 'X-Client-Certificate';

export function familyOf(tier: Tier): Family {
  switch (tier) {
    case 'consumption':
      return 'consumption';
    case 'basicv2':
    case 'standardv2':
    case 'premiumv2':
      return 'v2';
    case 'selfhosted':
      return 'selfhosted';
    default:
      return 'classic';
  }
}

export interface UploadedCertificate {
  readonly id: string;
  readonly alias: CertificateName;
  readonly format: 'pfx' | 'cer';
  /** base64 of the PFX or of the DER certificate, no PEM markers. */
  readonly base64: string;
  readonly password?: string;
  readonly thumbprint: string;
}

export interface CaCertificate {
  readonly alias: CertificateName;
  readonly store: 'Root' | 'CertificateAuthority';
  readonly base64: string;
  readonly thumbprint: string;
}

export interface ApimSettings {
  readonly sku: Tier;
  readonly family: Family;
  /** hostnameConfigurations[].negotiateClientCertificate: only on tiers that have it (classic, self-hosted). */
  readonly negotiateClientCertificate: boolean;
  /** Service-level enableClientCertificate: only on tiers that have it (Consumption, v2). */
  readonly enableClientCertificate: boolean;
  readonly customProperties: Readonly<Record<string, boolean>>;
  readonly certificates: readonly UploadedCertificate[];
  readonly caCertificates: readonly CaCertificate[];
  readonly policyXml: string;
  readonly applicationGateway?: { readonly mode: 'strict' | 'passthrough'; readonly headerName: string };
}

function forwardHeaderOf(setup: ConcreteSetup): string {
  const p = setup.policy;
  if ('library' in p && p.library === 'forwarded-certificate-header' && typeof p.params.header === 'string') return p.params.header;
  return DEFAULT_FORWARD_HEADER;
}

/**
 * Maps a setup onto APIM's settings. A setting the tier does not have is left off rather than refused: the catalogue
 * turns on "the certificate setting" and "HTTP/2" for every family, and each family applies the one it knows
 * (Consumption has no client HTTP/2 switch at all — gateways overview). Refusals that APIM itself makes (CA
 * uploads on Consumption/v2, bad policies) are left to the gateway, so they are observed, not assumed.
 */
export function apimSettingsFor(setup: ConcreteSetup, pki: Pki): ApimSettings {
  const family = familyOf(setup.tier);
  const hostnameSetting = family === 'classic' || family === 'selfhosted';
  const customProperties: Record<string, boolean> = {};
  if (setup.http2 && family !== 'consumption') customProperties[HTTP2_PROPERTY] = true;
  if (setup.tls13) customProperties[TLS13_PROPERTY] = true;
  return {
    sku: setup.tier,
    family,
    negotiateClientCertificate: hostnameSetting && setup.negotiateClientCertificate,
    enableClientCertificate: !hostnameSetting && setup.enableClientCertificate,
    customProperties,
    certificates: setup.uploadedCertificates.map((u) => {
      const c = certificateOf(pki, u.certificate);
      if (u.format === 'cer') return { id: u.id, alias: u.certificate, format: 'cer', base64: c.certDer.toString('base64'), thumbprint: c.thumbprint };
      const pfx = buildPfx({ chain: [c.certDer], key: c.key, password: pki.pfxPassword, friendlyName: u.id });
      return { id: u.id, alias: u.certificate, format: 'pfx', base64: pfx.toString('base64'), password: pki.pfxPassword, thumbprint: c.thumbprint };
    }),
    caCertificates: setup.caCertificates.map((e) => {
      const c = certificateOf(pki, e.certificate);
      return { alias: e.certificate, store: e.store, base64: c.certDer.toString('base64'), thumbprint: c.thumbprint };
    }),
    policyXml: renderPolicy(setup.policy, certificateFacts(pki)),
    ...(setup.applicationGateway ? { applicationGateway: { mode: setup.applicationGateway, headerName: forwardHeaderOf(setup) } } : {}),
  };
}
