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
//    policy none → it does not;
//  - validate-client-certificate checking the chain, the validity period and (or not) revocation, with no identities
//    and ignore-error off → the server verifies in the handshake: verify require (+ the CRL file when revocation is
//    validated), and the certificate is forwarded as the policy does afterwards. Any other combination, the MTLS-PAGE
//    samples (they compare thumbprints / names besides Verify()) and inline XML have no counterpart → skip;
//  - v2 / Consumption settings, Application Gateway fronts and uploaded certificates have no counterpart → skip;
//  - http2 → http2; tls13 → the highest TLS version; uploaded CA certificates → the CA file. OpenSSL (all three
//    servers) trusts only the self-signed certificates of that file unless partial chains are allowed, which none of
//    them does: the Root store's roots are the anchors and the CertificateAuthority store's intermediates help build
//    chains — what the two stores mean in APIM. Emulation knobs are ignored.

import { manifestNameOf } from '../certificate-names';
import { policyLibrary } from '../policy-library';
import type { PolicyRef } from '../schema';
import { familyOf } from '../targets/apim-setup';
import type { ConcreteSetup } from '../targets/target';
import { gatewaySetup, type GatewaySetup, type LocationSetup, type VerifyMode } from './driver';

/** How a library policy's certificate handling translates to a gateway. */
export type PolicyRole =
  | 'ignores'
  | 'forwards'
  /** The server verifies the certificate in the handshake (revocation: against the CRL file) and forwards it. */
  | { readonly verifies: { readonly revocation: boolean } }
  | { readonly unsupported: string };

/** Policies that only read the certificate and forward its thumbprint: the echo's x-certgate-client-thumbprint does that. */
const FORWARDING_POLICIES: ReadonlySet<string> = new Set(['forward-certificate']);
const IGNORING_POLICIES: ReadonlySet<string> = new Set(['none']);
/** The MTLS-PAGE samples: Verify() or VerifyNoRevocation() AND a comparison no server configuration makes. */
const SAMPLE_COMPARISONS: Readonly<Record<string, string>> = {
  'documented-thumbprint': 'the thumbprint with a literal',
  'documented-issuer-subject': 'the issuer and subject with literals',
  'documented-uploaded-thumbprint': 'the thumbprint with the uploaded certificates',
};

/** A library policy's params with the library's defaults filled in. */
function paramsOf(policy: { library: string; params: Readonly<Record<string, unknown>> }): Readonly<Record<string, unknown>> {
  const def = policyLibrary()[policy.library];
  const defaults = Object.fromEntries(Object.entries(def?.params ?? {}).map(([k, p]) => [k, p.default]));
  return { ...defaults, ...policy.params };
}

function validatePolicyRole(params: Readonly<Record<string, unknown>>, gateway: string): PolicyRole {
  const identities = Array.isArray(params.identities) ? params.identities.length : 0;
  const no = (what: string) => ({ unsupported: `validate-client-certificate ${what}: no ${gateway} counterpart` });
  if (identities) return no(`with identities (${identities}) matches particular certificates; ${gateway} only verifies the chain`);
  if (params['ignore-error'] === true) return no('ignore-error="true" lets a failing certificate reach the API with the error recorded; a verifying server refuses it');
  if (params['validate-trust'] === false) return no('validate-trust="false" still requires a certificate but accepts any issuer; the server cannot require one without verifying its issuer');
  for (const a of ['validate-not-before', 'validate-not-after'] as const)
    if (params[a] === false) return no(`${a}="false" accepts a certificate outside its validity period; the server always checks it`);
  return { verifies: { revocation: params['validate-revocation'] !== false } };
}

/** What a gateway does for a scenario's policy. */
export function policyRole(policy: PolicyRef, gateway: string): PolicyRole {
  if ('xml' in policy) return { unsupported: `an inline APIM policy has no ${gateway} counterpart` };
  if (IGNORING_POLICIES.has(policy.library)) return 'ignores';
  if (FORWARDING_POLICIES.has(policy.library)) return 'forwards';
  if (policy.library === 'validate-client-certificate') return validatePolicyRole(paramsOf(policy), gateway);
  const sample = SAMPLE_COMPARISONS[policy.library];
  if (sample) return { unsupported: `APIM policy ${policy.library} compares ${sample} besides verifying the certificate; ${gateway} only verifies it` };
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
  // Intermediates with no uploaded root above them: OpenSSL cannot finish the chain ("unable to get issuer
  // certificate"), an error no optional mode forgives, while APIM lets the certificate through to its policies.
  const hasRoot = setup.caCertificates.some((c) => c.store === 'Root');
  if (!hasRoot && setup.caCertificates.length)
    return { skip: `APIM's CertificateAuthority store without a Root-store upload has no ${gateway} counterpart: in its CA file those intermediates anchor nothing (OpenSSL: "unable to get issuer certificate")` };
  const role = policyRole(setup.policy, gateway);
  if (typeof role === 'object' && 'unsupported' in role) return { skip: role.unsupported };
  const verifies = typeof role === 'object' ? role.verifies : undefined;
  // APIM validates trust against the uploaded CA certificates (and public roots, which a private PKI never chains to).
  if (verifies && !hasRoot)
    return { skip: `validate-client-certificate validates trust against uploaded Root certificates and none is uploaded; an empty ${gateway} CA file has no meaning` };

  const reads = role !== 'ignores';
  // Asking: the policy's judgement happens in the handshake (require), or any certificate passes to the policy.
  const asked: VerifyMode = verifies ? 'require' : APIM_LIKE_VERIFY;
  let verify: VerifyMode = 'none';
  const locations: LocationSetup[] = [];
  if (setup.negotiateClientCertificate) verify = asked;
  else if (reads) locations.push({ path: '/', verify: asked }); // the API is served at the root
  return {
    setup: gatewaySetup({
      verify,
      locations,
      crl: verifies?.revocation ?? false,
      http2: setup.http2,
      tlsMax: setup.tls13 ? '1.3' : '1.2',
      forwardCertificate: reads,
      ...(setup.caCertificates.length ? { trustedCas: [...new Set(setup.caCertificates.map((c) => manifestNameOf(c.certificate)))] } : {}),
    }),
  };
}
