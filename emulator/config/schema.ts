// The emulator's configuration, shaped after APIM's own resource (Microsoft.ApiManagement/service) so a user
// recognises it: sku, hostnameConfigurations[] with negotiateClientCertificate, service-level
// enableClientCertificate, customProperties, certificates, caCertificates, a global policy and APIs. What APIM does
// not document (apim-behaviour.md §8) lives under `emulation`, each with a default and the reason for it.
import { FAULT_NAMES } from '../faults';
import { z } from 'zod';

export const SKUS = ['developer', 'basic', 'standard', 'premium', 'consumption', 'basicv2', 'standardv2', 'premiumv2', 'selfhosted'] as const;

/** APIM's own custom property for client-side HTTP/2 (REST reference; default False). */
export const HTTP2_PROPERTY = 'Microsoft.WindowsAzure.ApiManagement.Gateway.Protocols.Server.Http2';
/** TLS 1.3 switch. Named after APIM's Security.Protocols.Tls10/Tls11 properties; the emulator's own (default False,
 *  because instances relying on renegotiation do not get TLS 1.3 by default — manage-protocols-ciphers page). */
export const TLS13_PROPERTY = 'Microsoft.WindowsAzure.ApiManagement.Gateway.Security.Protocols.Tls13';

/** Where a certificate comes from. `file` is re-read when it changes (standing in for a Key Vault reference);
 *  `pki` names a certificate of the emulator's PKI (ca/ default spec, e.g. "root-ca", "server"). */
export const certificateSourceSchema = z.union([
  z.strictObject({ pem: z.string().min(1), key: z.string().min(1).optional() }),
  z.strictObject({ cer: z.string().min(1).describe('base64 DER, no PEM markers (ARM encodedCertificate)') }),
  z.strictObject({ pfx: z.string().min(1).describe('base64 PKCS#12'), password: z.string().default('') }),
  z.strictObject({ file: z.string().min(1), keyFile: z.string().min(1).optional(), password: z.string().optional() }),
  z.strictObject({ pki: z.string().min(1) }),
]);
export type CertificateSource = z.infer<typeof certificateSourceSchema>;

const policySchema = z.string().min(1).describe('inline policy XML (starts with "<") or a path relative to the config file');

const backendSchema = z.union([z.literal('echo'), z.strictObject({ url: z.url() })]);

const operationSchema = z.strictObject({
  name: z.string().min(1),
  method: z.string().regex(/^([A-Za-z]+|\*)$/, 'an HTTP method or "*"'),
  urlTemplate: z.string().startsWith('/'),
  policy: policySchema.optional(),
});

const apiSchema = z.strictObject({
  name: z.string().min(1),
  path: z.string().regex(/^[^?#]*$/, 'a path prefix without query or fragment').transform((p) => p.replace(/^\/+|\/+$/g, '')),
  policy: policySchema.optional(),
  backend: backendSchema.optional(),
  operations: z.array(operationSchema).default([{ name: 'all', method: '*', urlTemplate: '/*' }]),
});

const hostnameSchema = z.strictObject({
  hostName: z.string().min(1),
  type: z.literal('Proxy').default('Proxy'),
  certificate: certificateSourceSchema.optional().describe('server certificate with its key; default: the PKI\'s "server"'),
  negotiateClientCertificate: z.boolean().default(false),
  /** Each hostname configuration after the first listens on its own port (0 = ephemeral). */
  port: z.number().int().min(0).max(65535).optional(),
});

const boolish = z.union([z.boolean(), z.enum(['True', 'False', 'true', 'false'])]).transform((v) => v === true || v === 'True' || v === 'true');

export const emulationSchema = z.strictObject({
  /** The documented threshold is "about 60 KB" (MTLS-PAGE tip); 61440 = 60 KiB. */
  renegotiationBufferBytes: z.number().int().min(0).default(61440),
  /** The real gateway holds for minutes; short by default so a stalled call ends while a user is still watching. */
  renegotiationTimeoutMs: z.number().int().min(1).default(5000),
  /** Default 403: one of the three documented symptoms, and the only one a client can tell apart deterministically
   *  without waiting for its own timeout (freeze) or needing a policy that tolerates null. */
  onRenegotiationTimeout: z.enum(['freeze', '403', 'null-certificate']).default('403'),
  /** h2 with negotiate off (undocumented): default null certificate, the gateway's answer when it cannot ask. */
  h2WithoutNegotiate: z.enum(['null-certificate', 'http-1.1-required']).default('null-certificate'),
  /** Consumption + enableClientCertificate, call without a certificate (observed: required; the answer is INF). */
  missingRequiredCertificate: z.enum(['403', 'tls-handshake-failure']).default('403'),
  handshakeTimeoutMs: z.number().int().min(1).default(10_000),
  /** After the drain that ends a deadlock, how long the pending handshake may take before the answer goes anyway. */
  handshakeSettleMs: z.number().int().min(1).default(2000),
  keepAliveTimeoutMs: z.number().int().min(1).default(5000),
  /** A client must finish sending a request's headers in this time (slowloris bound); closed within ~1.25× this. */
  headersTimeoutMs: z.number().int().min(100).default(20_000),
  maxBodyBytes: z.number().int().min(0).default(64 * 1024 * 1024),
  /** Trust Node's bundled public roots in Verify(), like the Windows Root store of a real instance. */
  publicRoots: z.boolean().default(false),
  /** How often file certificate references are checked for changes. */
  certificateRefreshMs: z.number().int().min(50).default(2000),
  /** TEST ONLY: fault switches that break one documented behaviour each (emulator/faults.ts), so the conformance
   *  catalogue can be shown to catch a broken gateway. Empty, the correct emulator, by default. */
  faults: z.array(z.enum(FAULT_NAMES)).default([]),
});

const applicationGatewaySchema = z.strictObject({
  mode: z.enum(['strict', 'passthrough']),
  headerName: z.string().min(1).default('X-ARR-ClientCert'),
  port: z.number().int().min(0).max(65535).default(0),
  /** Roots the Application Gateway trusts for strict mode; default: the instance's Root CA certificates. */
  trustedRoots: z.array(certificateSourceSchema).optional(),
  /**
   * Roots the Application Gateway trusts for the gateway's own server certificate (Application Gateway's backend
   * settings "trusted root certificate"); default: the PKI's roots and the instance's Root-store CA certificates.
   */
  trustedBackendRoots: z.array(certificateSourceSchema).optional(),
});

export const configSchema = z.strictObject({
  sku: z.enum(SKUS).default('developer'),
  /** A workspace gateway: no custom hostnames' settings, no CA certificates, no HTTP/2 (workspaces overview). */
  workspaceGateway: z.boolean().default(false),
  hostnameConfigurations: z.array(hostnameSchema).min(1).default([{ hostName: 'localhost', type: 'Proxy', negotiateClientCertificate: false }]),
  enableClientCertificate: z.boolean().default(false),
  customProperties: z.record(z.string(), boolish).default({}),
  certificates: z.record(z.string().regex(/^[\w.-]+$/, 'letters, digits, "-", "_" and "." only'), certificateSourceSchema).default({}),
  caCertificates: z.array(z.strictObject({ store: z.enum(['Root', 'CertificateAuthority']), certificate: certificateSourceSchema })).default([]),
  globalPolicy: policySchema.optional(),
  backend: backendSchema.default('echo'),
  apis: z.array(apiSchema).default([]),
  emulation: emulationSchema.default(emulationSchema.parse({})),
  applicationGateway: applicationGatewaySchema.optional(),
  listen: z.strictObject({
    host: z.string().default('127.0.0.1'),
    port: z.number().int().min(0).max(65535).default(8443),
    introspectionPort: z.number().int().min(0).max(65535).default(0),
  }).default({ host: '127.0.0.1', port: 8443, introspectionPort: 0 }),
  pki: z.strictObject({
    /** Where the default PKI is cached/written; default: a per-user directory under the OS temp dir. */
    dir: z.string().optional(),
    /** Port of the CRL/OCSP responder the certificates point at (0 = ephemeral, fixed at issue time). */
    responderPort: z.number().int().min(0).max(65535).default(0),
  }).default({ responderPort: 0 }),
});

export type EmulatorConfigInput = z.input<typeof configSchema>;
export type EmulatorConfig = z.output<typeof configSchema>;
export type EmulationSettings = z.output<typeof emulationSchema>;
