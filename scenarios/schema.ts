// The scenario record: certgate's own, target-neutral vocabulary for "configure the gateway like this, send this,
// expect that". A target maps `setup` onto its gateway (emulator config, nginx, Apache, a real APIM export).
// The JSON Schema for editors is generated from these zod schemas (scenario.schema.json, see schema-export.ts).

import { z } from 'zod';
import { CERTIFICATE_NAMES } from './certificate-names';
import { CONFIDENCES, OUTCOME_CLASSES } from './result';

export const TIERS = [
  'developer',
  'basic',
  'standard',
  'premium',
  'consumption',
  'basicv2',
  'standardv2',
  'premiumv2',
  'selfhosted',
] as const;
export type Tier = (typeof TIERS)[number];

export const FAMILIES = ['classic', 'v2', 'consumption', 'selfhosted'] as const;
export type Family = (typeof FAMILIES)[number];

/** Real gateways with their own profiles (scenarios/profiles/<id>.yaml), written from each server's own docs. */
export const GATEWAY_PROFILE_IDS = ['nginx', 'apache-httpd', 'haproxy'] as const;
export type GatewayProfileId = (typeof GATEWAY_PROFILE_IDS)[number];

export const APIM_PROFILE_IDS = TIERS.map((t) => `apim-${t}` as const);
export const PROFILE_IDS = [...APIM_PROFILE_IDS, ...GATEWAY_PROFILE_IDS];
export type ProfileId = (typeof PROFILE_IDS)[number];

/** Which gateways a scenario applies to: one tier, a family, or any (the profile's own tier is then used). */
export const TierSelector = z.enum(['any', ...new Set<string>([...FAMILIES, ...TIERS])] as [string, ...string[]]);

export const OUTCOMES = OUTCOME_CLASSES;
export const Outcome = z.enum(OUTCOMES);
export { CONFIDENCES };
export const Confidence = z.enum(CONFIDENCES);

export const CertificateRef = z.enum(CERTIFICATE_NAMES);

const oneOrMany = <T extends z.ZodType>(item: T) =>
  z.union([item, z.array(item).min(1)]).transform((v) => (Array.isArray(v) ? v : [v]) as z.output<T>[]);

export const Citation = z
  .object({
    page: z.string().min(1).describe('e.g. MTLS-PAGE, or the URL of another document'),
    section: z.string().optional(),
    fact: z.string().regex(/^\d\.[a-z0-9-]+$/, 'a fact id of scenarios/facts.yaml, like "3.deadlock-60kb"'),
  })
  .strict();

/** A policy from the library (scenarios/policy-library.yaml) with its parameters, or inline XML. */
export const PolicyParamValue = z.union([
  z.string(),
  z.number(),
  z.boolean(),
  z
    .object({
      of: CertificateRef,
      take: z.enum([
        'thumbprint',
        'thumbprint-lower',
        'serial',
        'subject',
        'subject-c-first',
        'issuer',
        'common-name',
        'dns-name',
        'issuer-thumbprint',
      ]),
    })
    .strict()
    .describe('a property of a named certificate, resolved when the PKI exists'),
  z.array(z.record(z.string(), z.unknown())).describe('a list of records (identities)'),
]);
export const PolicyRef = z.union([
  z
    .object({
      library: z.string().min(1),
      params: z.record(z.string(), PolicyParamValue).default({}),
    })
    .strict(),
  z.object({ xml: z.string().min(1), readsCertificate: z.boolean() }).strict(),
]);

export const Setup = z
  .object({
    tier: TierSelector.default('any'),
    negotiateClientCertificate: z.boolean().default(false).describe('classic and self-hosted: per hostname'),
    enableClientCertificate: z.boolean().default(false).describe('Consumption and v2: per service'),
    http2: z.boolean().default(false).describe('custom property Protocols.Server.Http2'),
    tls13: z.boolean().default(false).describe('TLS 1.3 offered by the gateway'),
    caCertificates: z
      .array(z.object({ certificate: CertificateRef, store: z.enum(['Root', 'CertificateAuthority']) }).strict())
      .default([]),
    uploadedCertificates: z
      .array(
        z.object({ id: z.string().min(1), certificate: CertificateRef, format: z.enum(['pfx', 'cer']) }).strict(),
      )
      .default([]),
    policy: PolicyRef.default({ library: 'none', params: {} }),
    applicationGateway: z.enum(['strict', 'passthrough']).optional(),
    emulation: z
      .object({
        renegotiationBodyThreshold: z.number().int().positive().optional(),
        deadlockTimeoutMs: z.number().int().positive().optional(),
        h2WithoutNegotiate: z.enum(['null-certificate', 'http-1-1-required']).optional(),
      })
      .strict()
      .optional()
      .describe('emulator-only knobs for behaviour the docs leave open; real targets ignore them'),
  })
  .strict();

export const Client = z
  .object({
    certificate: z.union([CertificateRef, z.literal('none')]).default('none'),
    sendChain: z.boolean().default(false),
    protocol: z.enum(['h1', 'h2']).default('h1'),
    tlsVersion: z.enum(['1.2', '1.3']).default('1.2'),
    renegotiation: z.boolean().default(true).describe('false: SSL_OP_NO_RENEGOTIATION'),
    method: z.enum(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE']).default('GET'),
    path: z.string().startsWith('/').default('/echo'),
    bodyBytes: z.number().int().min(0).default(0),
    bodyEncoding: z.enum(['content-length', 'chunked']).default('content-length'),
    expect100: z.boolean().default(false),
    warmUp: z.enum(['none', 'head', 'get']).default('none'),
  })
  .strict();

const expectationFields = {
  outcome: oneOrMany(Outcome),
  status: oneOrMany(z.number().int().min(100).max(599)).optional(),
  backendSawCertificate: z.boolean().optional(),
  certificate: CertificateRef.optional().describe('the certificate the backend must have seen'),
  lastErrorReason: z.string().optional(),
  renegotiationSeen: z.boolean().optional(),
  httpVersion: z.enum(['1.1', '2']).optional(),
  errorCode: z.string().optional(),
  note: z.string().optional(),
};
export const AlternativeSpec = z.object({ name: z.string().min(1), ...expectationFields }).strict();
export const ExpectationSpec = z
  .object({
    ...expectationFields,
    confidence: Confidence.default('DOC'),
    alternatives: z.array(AlternativeSpec).min(2).optional(),
  })
  .strict();
export const Skip = z.object({ skip: z.string().min(1) }).strict();
export const ExpectEntry = z.union([Skip, ExpectationSpec]);

const perProfile = Object.fromEntries(
  [...PROFILE_IDS, ...FAMILIES].map((k) => [
    k,
    ExpectEntry.optional(),
  ]),
);
/**
 * Expectations: `default` is what happens when the gateway has the certificate the client sent; `whenNull` is what
 * happens when the profile says the gateway ends up without one (v2 without the setting, h2 null, …). Keys named after a
 * profile or a family override both. Profiles decide which applies (scenarios/profiles.ts).
 */
export const Expect = z
  .object({ default: ExpectEntry.optional(), whenNull: ExpectationSpec.optional(), ...perProfile })
  .strict();

export const Importance = z.enum(['critical', 'high', 'normal', 'low']);

export const Scenario = z
  .object({
    id: z
      .string()
      .regex(/^[a-z0-9]+(\.[a-z0-9][a-z0-9-]*)+$/, 'dot-separated lower-case segments, like tier.classic.negotiate-off'),
    title: z.string().min(1),
    citation: Citation,
    alsoChecks: z.array(Citation.shape.fact).default([]).describe('further fact ids this scenario covers'),
    tags: z.array(z.string().regex(/^[a-z0-9-]+$/)).default([]),
    importance: Importance.default('normal'),
    setup: Setup.default(() => Setup.parse({})),
    client: Client.default(() => Client.parse({})),
    expect: Expect,
  })
  .strict();

export type Scenario = z.output<typeof Scenario>;
export type ScenarioInput = z.input<typeof Scenario>;
export type Setup = z.output<typeof Setup>;
export type Client = z.output<typeof Client>;
export type ExpectationSpec = z.output<typeof ExpectationSpec>;
export type AlternativeSpec = z.output<typeof AlternativeSpec>;
export type ExpectEntry = z.output<typeof ExpectEntry>;
export type PolicyRef = z.output<typeof PolicyRef>;
export type PolicyParamValue = z.output<typeof PolicyParamValue>;

/** The JSON Schema editors use for one scenario (input side: shorthand forms allowed, defaults optional). */
export function scenarioJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(Scenario, { io: 'input' }) as Record<string, unknown>;
}
