// A scenario's setup (APIM-shaped: tiers, "negotiate client certificate", policies) in a real gateway's terms
// (GatewaySetup), or why that gateway cannot express it. Pure: no PKI, no sockets. The natural reading of each APIM
// setting, for nginx, Apache httpd and HAProxy alike (what each driver can then do is its supports()):
//
//  - classic / self-hosted "negotiate on": the certificate is asked for in the first handshake and any certificate is
//    accepted at the TLS level (APIM judges certificates in policies, never in the handshake) → verify optional-no-ca;
//  - negotiate off + a policy that reads the certificate: asked for only when a request reaches the API → a
//    per-location requirement for the whole API ("/"), which needs renegotiation or post-handshake auth;
//  - negotiate off + a policy that never reads it: nothing asked;
//  - forward-certificate (the policy that reads and forwards the thumbprint) → the echo reports the certificate;
//    policy none → it does not; policies that judge or transform certificates have no counterpart → skip;
//  - v2 / Consumption settings, Application Gateway fronts and uploaded certificates have no counterpart → skip;
//  - http2 → http2; tls13 → the highest TLS version; Root-store CA certificates → the trusted CA list (the
//    CertificateAuthority store has no counterpart → skip); emulation knobs ignored.

import { manifestNameOf } from '../certificate-names';
import type { PolicyRef } from '../schema';
import { familyOf } from '../targets/apim-setup';
import type { ConcreteSetup } from '../targets/target';
import { gatewaySetup, type GatewaySetup, type VerifyMode } from './driver';

/** How a library policy's certificate handling translates to a gateway's echo. */
export type PolicyRole = 'ignores' | 'forwards' | { readonly unsupported: string };

/** Policies that only read the certificate and forward its thumbprint: the echo's x-certgate-client-thumbprint does that. */
const FORWARDING_POLICIES: ReadonlySet<string> = new Set(['forward-certificate']);
const IGNORING_POLICIES: ReadonlySet<string> = new Set(['none']);

/** What a gateway's echo does for a scenario's policy. */
export function policyRole(policy: PolicyRef, gateway: string): PolicyRole {
  if ('xml' in policy) return { unsupported: `an inline APIM policy has no ${gateway} counterpart` };
  if (IGNORING_POLICIES.has(policy.library)) return 'ignores';
  if (FORWARDING_POLICIES.has(policy.library)) return 'forwards';
  return { unsupported: `APIM policy ${policy.library} has no ${gateway} counterpart (it judges or transforms the certificate)` };
}

/** The verify mode of "the gateway asks and lets any certificate through to the policies". */
export const APIM_LIKE_VERIFY: VerifyMode = 'optional-no-ca';

export type MappedSetup = { readonly setup: GatewaySetup } | { readonly skip: string };

export function mapSetup(setup: ConcreteSetup, gateway: string): MappedSetup {
  const family = familyOf(setup.tier);
  if (family === 'v2' || family === 'consumption')
    return { skip: `the APIM ${setup.tier} tier's certificate setting (enableClientCertificate) has no ${gateway} counterpart; ${gateway} follows the classic tiers' negotiateClientCertificate` };
  if (setup.applicationGateway) return { skip: `Application Gateway in front of APIM (${setup.applicationGateway} mode) has no ${gateway} counterpart` };
  if (setup.uploadedCertificates.length) return { skip: `uploaded certificates (context.Deployment.Certificates) have no ${gateway} counterpart` };
  // APIM's CertificateAuthority store holds intermediates for building chains; a gateway's CA file holds trust anchors
  // (OpenSSL needs a self-signed root there), so the two do not mean the same thing.
  if (setup.caCertificates.some((c) => c.store !== 'Root'))
    return { skip: `APIM's CertificateAuthority store (intermediates for chain building) has no ${gateway} counterpart: its CA file holds trust anchors` };
  const role = policyRole(setup.policy, gateway);
  if (typeof role === 'object') return { skip: role.unsupported };

  const reads = role === 'forwards';
  let verify: VerifyMode = 'none';
  const locations: { path: string; verify: VerifyMode }[] = [];
  if (setup.negotiateClientCertificate) verify = APIM_LIKE_VERIFY;
  else if (reads) locations.push({ path: '/', verify: APIM_LIKE_VERIFY }); // the API is served at the root
  return {
    setup: gatewaySetup({
      verify,
      locations,
      http2: setup.http2,
      tlsMax: setup.tls13 ? '1.3' : '1.2',
      forwardCertificate: reads,
      ...(setup.caCertificates.length ? { trustedCas: [...new Set(setup.caCertificates.map((c) => manifestNameOf(c.certificate)))] } : {}),
    }),
  };
}
