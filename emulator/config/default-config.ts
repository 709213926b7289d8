// The configuration `certgate emulate` runs with no arguments: a classic Developer instance, negotiate off (APIM's
// default, so reading the certificate renegotiates), the default PKI, and three APIs:
//   /documented/{issuer-subject|thumbprint|uploaded-thumbprint} — the MTLS-PAGE policies, filled in for the PKI's
//                                                                 client-valid-rsa;
//   /validate/*   — validate-client-certificate (trust, dates, revocation);
//   /open/*       — no policy touches the certificate (no renegotiation).
import type { Pki } from '../../ca/index';
import { policyLibrary } from '../pipeline/library/policy-library';
import type { EmulatorConfigInput } from './schema';

/** APIM's default global policy: forward every request to the backend. */
export const DEFAULT_GLOBAL_POLICY = `<policies>
    <inbound />
    <backend>
        <forward-request />
    </backend>
    <outbound />
    <on-error />
</policies>
`;

export const DEFAULT_CLIENT = 'client-valid-rsa';

export function defaultConfig(pki: Pki): EmulatorConfigInput {
  const client = pki.get(DEFAULT_CLIENT);
  return {
    sku: 'developer',
    hostnameConfigurations: [{ hostName: 'localhost', certificate: { pki: 'server' }, negotiateClientCertificate: false }],
    certificates: { 'client-valid-rsa': { pki: 'client-valid-rsa' }, 'client-valid-ec': { pki: 'client-valid-ec' } },
    caCertificates: [
      { store: 'Root', certificate: { pki: 'root-ca' } },
      { store: 'CertificateAuthority', certificate: { pki: 'intermediate-ca' } },
    ],
    globalPolicy: DEFAULT_GLOBAL_POLICY,
    backend: 'echo',
    apis: [
      {
        name: 'documented',
        path: 'documented',
        operations: [
          { name: 'issuer-subject', method: '*', urlTemplate: '/issuer-subject', policy: policyLibrary('issuer-subject', { trustedIssuer: client.issuer.dotnet, expectedSubjectName: client.subject.dotnet }) },
          { name: 'thumbprint', method: '*', urlTemplate: '/thumbprint', policy: policyLibrary('thumbprint', { thumbprint: client.thumbprint }) },
          { name: 'uploaded-thumbprint', method: '*', urlTemplate: '/uploaded-thumbprint', policy: policyLibrary('uploaded-thumbprint') },
        ],
      },
      { name: 'validate', path: 'validate', policy: policyLibrary('validate-client-certificate'), operations: [{ name: 'any', method: '*', urlTemplate: '/*' }] },
      { name: 'open', path: 'open', policy: policyLibrary('pass-through'), operations: [{ name: 'any', method: '*', urlTemplate: '/*' }] },
    ],
    listen: { host: '127.0.0.1', port: 8443, introspectionPort: 0 },
  };
}
