// Profiles: what one kind of gateway is documented to do (scenarios/profiles/*.yaml), as ordered rules with
// citations. Written from docs/apim-behaviour.md (APIM) or from a real server's own documentation (nginx, Apache httpd,
// HAProxy: `gateway:` profiles, facts in scenarios/gateway-facts.yaml), never from emulator or driver code: the oracle.
//
// A gateway profile names the APIM family whose settings the scenario-to-gateway mapping follows (classic: "negotiate
// client certificate"), so scenarios written for other tiers are skipped with that reason, and the scenario's
// per-family expectations (which describe APIM) do not apply to it.
//
// expectationFor(profile, scenario) decides, in order:
//  1. the scenario's tier selector must include the profile's tier, else skip;
//  2. an entry in the scenario's `expect` named after the profile or its family wins (or skips);
//  3. otherwise the first matching profile rule: `deliver` (the gateway has what the client sent: expect.default),
//     `null` (the gateway ends up without a certificate: expect.whenNull), `expect` (the rule's own expectation,
//     e.g. a TLS error), `alternatives` (several documented or undocumented behaviours, each named), `skip`, or
//     `continue` (adjust the situation, e.g. h2 falls back to HTTP/1.1, and keep matching).

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { z } from 'zod';
import type { Confidence as ConfidenceT, ExpectedAlternative, Expectation } from './result';
import { Confidence, ExpectationSpec, FAMILIES, TIERS, type Family, type PolicyRef, type Scenario, type Tier } from './schema';
import { CERTIFICATES, type CertificateAlias, type CertificateName } from './certificate-names';
import type { ExpectedVerdict } from '../ca/types';
import { policyLibrary, policyReadsCertificate } from './policy-library';

export const PROFILES_DIR = fileURLToPath(new URL('./profiles/', import.meta.url));

/** APIM facts are "<section>.<name>"; a real gateway's facts are "<gateway>.<name>". */
export const FACT_ID = /^(\d|nginx|apache|haproxy)\.[a-z0-9-]+$/;
export const GATEWAYS = ['nginx', 'apache', 'haproxy'] as const;
export type GatewayName = (typeof GATEWAYS)[number];

const Matcher = z.union([
  z.string(),
  z.number(),
  z.boolean(),
  z.array(z.union([z.string(), z.number(), z.boolean()])),
  z.object({ gte: z.number().optional(), gt: z.number().optional(), lt: z.number().optional(), lte: z.number().optional() }).strict(),
]);
const Action = z.enum(['deliver', 'null', 'expect', 'alternatives', 'skip', 'continue']);
const Alternative = z
  .object({ name: z.string().min(1), then: z.enum(['deliver', 'null', 'expect']), expect: ExpectationSpec.optional(), with: z.record(z.string(), z.unknown()).optional() })
  .strict();
const Rule = z
  .object({
    id: z.string().min(1),
    fact: z.string().regex(FACT_ID, 'a fact id of scenarios/facts.yaml ("3.deadlock-60kb") or scenarios/gateway-facts.yaml ("apache.reneg-buffer")'),
    confidence: Confidence.default('DOC'),
    note: z.string().optional(),
    /** Further facts the rule relies on (traceability). */
    alsoFacts: z.array(z.string().regex(FACT_ID)).default([]),
    when: z.record(z.string(), Matcher).default({}),
    then: Action,
    expect: ExpectationSpec.optional(),
    alternatives: z.array(Alternative).min(2).optional(),
    reason: z.string().optional(),
    assume: z.record(z.string(), z.unknown()).optional(),
    with: z.record(z.string(), z.unknown()).optional(),
  })
  .strict()
  .superRefine((r, ctx) => {
    if (r.then === 'expect' && !r.expect) ctx.addIssue({ code: 'custom', message: 'then: expect needs `expect`' });
    if (r.then === 'alternatives' && !r.alternatives) ctx.addIssue({ code: 'custom', message: 'then: alternatives needs `alternatives`' });
    if (r.then === 'skip' && !r.reason) ctx.addIssue({ code: 'custom', message: 'then: skip needs `reason`' });
    if (r.then === 'continue' && !r.assume && !r.with) ctx.addIssue({ code: 'custom', message: 'then: continue needs `assume` or `with`' });
  });
export type Rule = z.output<typeof Rule>;

const ProfileFile = z
  .object({
    id: z.string().optional(),
    title: z.string(),
    tier: z.enum(TIERS).optional(),
    family: z.enum(FAMILIES).optional(),
    /** A real gateway (its driver's name); tier/family then name the APIM settings the mapping follows. */
    gateway: z.enum(GATEWAYS).optional(),
    extends: z.array(z.string()).default([]),
    rules: z.array(Rule).default([]),
  })
  .strict();

export interface Profile {
  readonly id: string;
  readonly title: string;
  readonly tier: Tier;
  readonly family: Family;
  /** Set for a real gateway's profile: tier/family are then the APIM settings its scenario mapping follows. */
  readonly gateway?: GatewayName;
  /** Own rules first, then those of each base in `extends` order. */
  readonly rules: readonly (Rule & { readonly from: string })[];
}

/** The facts a rule can test, derived from a scenario for one profile. */
export interface Situation {
  readonly tier: Tier;
  readonly family: Family;
  /** The certificate setting that exists on this family: negotiate (classic, self-hosted) or request (v2, Consumption). */
  readonly negotiate: boolean;
  readonly protocol: 'h1' | 'h2';
  readonly tlsVersion: '1.2' | '1.3';
  readonly certificateSent: boolean;
  readonly renegotiation: boolean;
  readonly readsCertificate: boolean;
  readonly bodyBytes: number;
  readonly method: string;
  readonly expect100: boolean;
  readonly warmUp: string;
  readonly applicationGateway: 'none' | 'strict' | 'passthrough';
  readonly http2: boolean;
  readonly tls13: boolean;
  readonly caCertificates: boolean;
  readonly tags: readonly string[];
  /** The policy's library name ("inline-xml" for inline XML). */
  readonly policy: string;
  /** The client certificate's alias, or "none". */
  readonly certificate: string;
  /** What a strict validator concludes of the client certificate (certificate-names.ts), or "none" when none is sent. */
  readonly certificateVerdict: ExpectedVerdict | 'none';
  readonly uploadedCertificates: boolean;
  /** The stores the scenario uploads CA certificates to (Root, CertificateAuthority). */
  readonly caStores: readonly string[];
  /** validate-client-certificate's attributes, the library's defaults filled in; undefined for other policies. */
  readonly validateRevocation?: boolean;
  readonly validateTrust?: boolean;
  readonly validateNotBefore?: boolean;
  readonly validateNotAfter?: boolean;
  readonly ignoreError?: boolean;
  /** How many identities validate-client-certificate lists (0 for other policies). */
  readonly identities: number;
}

/** The Situation facts of validate-client-certificate's attributes (what a real gateway's mapping depends on). */
function validateAttributes(policy: PolicyRef): Pick<Situation, 'validateRevocation' | 'validateTrust' | 'validateNotBefore' | 'validateNotAfter' | 'ignoreError' | 'identities'> {
  if (!('library' in policy) || policy.library !== 'validate-client-certificate') return { identities: 0 };
  const defs = policyLibrary()[policy.library]?.params ?? {};
  const flag = (name: string) => (policy.params[name] ?? defs[name]?.default) === true;
  const identities = policy.params.identities ?? defs.identities?.default;
  return {
    validateRevocation: flag('validate-revocation'),
    validateTrust: flag('validate-trust'),
    validateNotBefore: flag('validate-not-before'),
    validateNotAfter: flag('validate-not-after'),
    ignoreError: flag('ignore-error'),
    identities: Array.isArray(identities) ? identities.length : 0,
  };
}

export function situationOf(profile: Pick<Profile, 'tier' | 'family'>, s: Scenario): Situation {
  const usesNegotiate = profile.family === 'classic' || profile.family === 'selfhosted';
  return {
    tier: profile.tier,
    family: profile.family,
    negotiate: usesNegotiate ? s.setup.negotiateClientCertificate : s.setup.enableClientCertificate,
    protocol: s.client.protocol,
    tlsVersion: s.client.tlsVersion,
    certificateSent: s.client.certificate !== 'none',
    renegotiation: s.client.renegotiation,
    readsCertificate: policyReadsCertificate(s.setup.policy),
    bodyBytes: s.client.bodyBytes,
    method: s.client.method,
    expect100: s.client.expect100,
    warmUp: s.client.warmUp,
    applicationGateway: s.setup.applicationGateway ?? 'none',
    http2: s.setup.http2,
    tls13: s.setup.tls13,
    caCertificates: s.setup.caCertificates.length > 0,
    tags: s.tags,
    policy: 'library' in s.setup.policy ? s.setup.policy.library : 'inline-xml',
    certificate: s.client.certificate,
    certificateVerdict: s.client.certificate === 'none' ? 'none' : verdictOf(CERTIFICATES[s.client.certificate] as CertificateAlias),
    uploadedCertificates: s.setup.uploadedCertificates.length > 0,
    caStores: [...new Set(s.setup.caCertificates.map((c) => c.store))],
    ...validateAttributes(s.setup.policy),
  };
}

/** A client leaf's declared verdict; a CA certificate sent as the client's own is a CA used as a leaf. */
const verdictOf = (c: CertificateAlias): ExpectedVerdict => c.expected ?? (c.role === 'ca' ? 'ca-as-leaf' : 'valid');

function matchOne(m: z.output<typeof Matcher>, v: unknown): boolean {
  if (Array.isArray(v)) return Array.isArray(m) ? m.some((x) => v.includes(x)) : v.includes(m);
  if (Array.isArray(m)) return m.includes(v as never);
  if (typeof m === 'object' && m !== null) {
    if (typeof v !== 'number') return false;
    return (m.gte === undefined || v >= m.gte) && (m.gt === undefined || v > m.gt) && (m.lt === undefined || v < m.lt) && (m.lte === undefined || v <= m.lte);
  }
  return m === v;
}

export function ruleMatches(rule: Pick<Rule, 'when'>, situation: Situation): boolean {
  return Object.entries(rule.when).every(([k, m]) => matchOne(m, (situation as unknown as Record<string, unknown>)[k]));
}

function readProfileFile(path: string): z.output<typeof ProfileFile> {
  const parsed = ProfileFile.safeParse(parse(readFileSync(path, 'utf8')));
  if (!parsed.success) throw new Error(`${path}: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

/** Loads every profile (files with an `id`); files starting with `_` are bases named in `extends`. */
export function loadProfiles(dir: string = PROFILES_DIR): ReadonlyMap<string, Profile> {
  const files = readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort();
  const all = new Map(files.map((f) => [f.replace(/\.yaml$/, ''), readProfileFile(join(dir, f))]));
  const profiles = new Map<string, Profile>();
  for (const [name, file] of all) {
    if (name.startsWith('_')) continue;
    if (!file.id || !file.tier || !file.family) throw new Error(`${join(dir, name)}.yaml: a profile needs id, tier and family`);
    for (const r of file.rules)
      if (!file.gateway && !/^\d\./.test(r.fact)) throw new Error(`${join(dir, name)}.yaml: rule ${r.id}: an APIM profile cites APIM facts ("1.…"), not "${r.fact}"`);
    if (file.id !== name) throw new Error(`${join(dir, name)}.yaml: id "${file.id}" must match the file name`);
    const rules: (Rule & { from: string })[] = file.rules.map((r) => ({ ...r, from: name }));
    for (const base of file.extends) {
      const b = all.get(base);
      if (!b) throw new Error(`${join(dir, name)}.yaml: extends unknown base "${base}"`);
      rules.push(...b.rules.map((r) => ({ ...r, from: base })));
    }
    profiles.set(file.id, { id: file.id, title: file.title, tier: file.tier, family: file.family, ...(file.gateway ? { gateway: file.gateway } : {}), rules });
  }
  return profiles;
}

let cached: ReadonlyMap<string, Profile> | undefined;
export function getProfile(id: string): Profile {
  cached ??= loadProfiles();
  const p = cached.get(id);
  if (!p) throw new Error(`unknown profile "${id}" (known: ${[...cached.keys()].join(', ')})`);
  return p;
}

export function tierSelectorIncludes(selector: string, profile: Pick<Profile, 'tier' | 'family'>): boolean {
  return selector === 'any' || selector === profile.tier || selector === profile.family;
}

export interface ExpectationOptions {
  /** Resolves a certificate alias to its thumbprint (fills certificateThumbprint), when the PKI exists. */
  readonly thumbprintOf?: (name: CertificateName) => string;
}
export type ExpectationOrSkip = Expectation | { readonly skip: string };

// Weakest first wins when a scenario's certainty and a rule's are combined.
const CERTAINTY: readonly ConfidenceT[] = ['DOC', 'SPEC', 'OBS', 'INF', 'undocumented'];
const weakest = (a: ConfidenceT, b: ConfidenceT) => (CERTAINTY.indexOf(a) >= CERTAINTY.indexOf(b) ? a : b);

type Spec = z.output<typeof ExpectationSpec>;

function toExpectation(spec: Spec, opts: ExpectationOptions): Expectation {
  const { certificate, alternatives, ...rest } = spec;
  const out: Record<string, unknown> = { ...rest };
  if (certificate) {
    out.certificateName = certificate;
    if (opts.thumbprintOf) out.certificateThumbprint = opts.thumbprintOf(certificate);
  }
  if (alternatives)
    out.alternatives = alternatives.map((a) => toExpectation({ ...a, confidence: spec.confidence }, opts)) as unknown as ExpectedAlternative[];
  for (const a of (out.alternatives as Record<string, unknown>[] | undefined) ?? []) delete a.confidence;
  return out as unknown as Expectation;
}

/** Combines named expectations into one: top-level fields hold the union, for display. */
function combine(named: { name: string; e: Expectation }[], confidence: ConfidenceT, note?: string): Expectation {
  const flat: ExpectedAlternative[] = named.flatMap(({ name, e }) => {
    if (e.alternatives) return e.alternatives.map((a) => ({ ...a, name: `${name}/${a.name}` }));
    const { confidence: _c, alternatives: _a, ...rest } = e;
    return [{ ...rest, name }];
  });
  const outcome = [...new Set(flat.flatMap((a) => a.outcome))];
  const statuses = flat.every((a) => a.status) ? [...new Set(flat.flatMap((a) => a.status ?? []))] : undefined;
  return { outcome, ...(statuses ? { status: statuses } : {}), confidence, alternatives: flat, ...(note ? { note } : {}) };
}

/** What `profile` is documented to do with `scenario`, or why the scenario does not apply to it. */
export function expectationFor(profileOrId: Profile | string, scenario: Scenario, opts: ExpectationOptions = {}): ExpectationOrSkip {
  const profile = typeof profileOrId === 'string' ? getProfile(profileOrId) : profileOrId;
  if (!tierSelectorIncludes(scenario.setup.tier, profile))
    return {
      skip: profile.gateway
        ? `scenario is for APIM ${scenario.setup.tier} gateways; ${profile.id} follows the APIM ${profile.family} tiers' settings`
        : `scenario is for ${scenario.setup.tier} gateways; ${profile.id} is ${profile.tier} (${profile.family})`,
    };
  const expect = scenario.expect as Record<string, Spec | { skip: string } | undefined>;
  // A scenario's per-family entry describes APIM's family, not a real gateway that follows its settings.
  const own = expect[profile.id] ?? (profile.gateway ? undefined : expect[profile.family]);
  if (own) return 'skip' in own ? { skip: own.skip } : toExpectation(own, opts);

  let situation = situationOf(profile, scenario);
  const extra: Record<string, unknown> = {};
  const resolve = (then: 'deliver' | 'null' | 'expect', ruleExpect: Spec | undefined, why: string): Expectation | { skip: string } => {
    const chosen = then === 'expect' ? ruleExpect : then === 'null' && situation.certificateSent ? expect.whenNull : expect.default;
    if (!chosen) return { skip: `${why}: the scenario has no ${then === 'null' ? 'whenNull' : 'default'} expectation` };
    if ('skip' in chosen) return { skip: chosen.skip };
    return toExpectation(chosen, opts);
  };
  for (const rule of profile.rules) {
    if (!ruleMatches(rule, situation)) continue;
    const why = `${rule.from}#${rule.id} (fact ${rule.fact})`;
    if (rule.then === 'continue') {
      situation = { ...situation, ...(rule.assume as Partial<Situation>) };
      Object.assign(extra, rule.with);
      continue;
    }
    if (rule.then === 'skip') return { skip: `${rule.reason} [${why}]` };
    let result: Expectation;
    if (rule.then === 'alternatives') {
      const named: { name: string; e: Expectation }[] = [];
      for (const alt of rule.alternatives!) {
        const r = resolve(alt.then, alt.expect, why);
        if ('skip' in r) return r;
        named.push({ name: alt.name, e: { ...r, ...(alt.with ?? {}) } as Expectation });
      }
      result = combine(named, rule.confidence);
    } else {
      const r = resolve(rule.then, rule.expect, why);
      if ('skip' in r) return r;
      result = r;
    }
    const confidence = rule.then === 'expect' ? rule.confidence : weakest(result.confidence, rule.confidence);
    const note = [result.note, rule.note, `rule ${why}`].filter(Boolean).join(' — ');
    return { ...result, ...extra, ...(rule.with ?? {}), confidence, note } as Expectation;
  }
  return { skip: `no rule of ${profile.id} matches this scenario` };
}
