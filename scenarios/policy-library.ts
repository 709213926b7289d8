// The policy library: named APIM policies (scenarios/policy-library.yaml) and how to render one for a target once
// the PKI exists (certificate properties are resolved through CertificateFacts, which the runner builds from ca/).

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { z } from 'zod';
import type { CertificateName } from './certificate-names';
import type { PolicyParamValue, PolicyRef } from './schema';

const ParamDef = z
  .object({
    kind: z.enum(['bool', 'csharp', 'attr', 'identities', 'verify']),
    default: z.unknown().optional(),
  })
  .strict();
const PolicyDef = z
  .object({
    description: z.string(),
    readsCertificate: z.boolean(),
    params: z.record(z.string(), ParamDef),
    xml: z.string().min(1),
  })
  .strict();
export type PolicyDef = z.infer<typeof PolicyDef>;

const LIBRARY_FILE = fileURLToPath(new URL('./policy-library.yaml', import.meta.url));
let cached: Readonly<Record<string, PolicyDef>> | undefined;

export function policyLibrary(): Readonly<Record<string, PolicyDef>> {
  if (!cached) {
    const raw = parse(readFileSync(LIBRARY_FILE, 'utf8')) as unknown;
    const parsed = z.record(z.string(), PolicyDef).safeParse(raw);
    if (!parsed.success) throw new Error(`${LIBRARY_FILE}: ${z.prettifyError(parsed.error)}`);
    cached = parsed.data;
  }
  return cached;
}

/** Whether a scenario's policy touches context.Request.Certificate (what makes a classic gateway renegotiate). */
export function policyReadsCertificate(ref: PolicyRef): boolean {
  if ('xml' in ref) return ref.readsCertificate;
  const def = policyLibrary()[ref.library];
  if (!def) throw new Error(`unknown policy "${ref.library}" (known: ${Object.keys(policyLibrary()).join(', ')})`);
  return def.readsCertificate;
}

/** Problems with a policy reference (unknown name, unknown or missing params), empty when fine. */
export function checkPolicyRef(ref: PolicyRef): string[] {
  if ('xml' in ref) return [];
  const def = policyLibrary()[ref.library];
  if (!def) return [`unknown policy "${ref.library}" (known: ${Object.keys(policyLibrary()).join(', ')})`];
  const problems: string[] = [];
  for (const name of Object.keys(ref.params))
    if (!def.params[name]) problems.push(`policy "${ref.library}" has no param "${name}"`);
  for (const [name, p] of Object.entries(def.params))
    if (p.default === undefined && ref.params[name] === undefined)
      problems.push(`policy "${ref.library}" needs param "${name}"`);
  return problems;
}

/** Certificate properties as .NET prints them (X509Certificate2), supplied by whoever holds the PKI. */
export interface CertificateFacts {
  thumbprint(name: CertificateName): string;
  serial(name: CertificateName): string;
  /** .NET order (CN first, ", " separated, S= for state). */
  subject(name: CertificateName): string;
  /** The docs' example order (C first, ST=). */
  subjectCFirst(name: CertificateName): string;
  issuer(name: CertificateName): string;
  commonName(name: CertificateName): string;
  dnsName(name: CertificateName): string;
  issuerThumbprint(name: CertificateName): string;
}

function resolveValue(v: PolicyParamValue, facts: CertificateFacts): unknown {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return v;
  const name = v.of;
  switch (v.take) {
    case 'thumbprint':
      return facts.thumbprint(name);
    case 'thumbprint-lower':
      return facts.thumbprint(name).toLowerCase();
    case 'serial':
      return facts.serial(name);
    case 'subject':
      return facts.subject(name);
    case 'subject-c-first':
      return facts.subjectCFirst(name);
    case 'issuer':
      return facts.issuer(name);
    case 'common-name':
      return facts.commonName(name);
    case 'dns-name':
      return facts.dnsName(name);
    case 'issuer-thumbprint':
      return facts.issuerThumbprint(name);
  }
}

const xmlAttr = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const csharp = (s: string) => s.replace(/\\/g, '\\\\').replace(/"/g, '\\"');

function renderIdentities(list: unknown, facts: CertificateFacts): string {
  if (!Array.isArray(list) || list.length === 0) return '';
  const items = list.map((identity) => {
    const attrs = Object.entries(identity as Record<string, PolicyParamValue>)
      .map(([k, v]) => `${k}="${xmlAttr(String(resolveValue(v, facts)))}"`)
      .join(' ');
    return `<identity ${attrs} />`;
  });
  return `<identities>${items.join('')}</identities>`;
}

/** The policy XML a target deploys for this reference. */
export function renderPolicy(ref: PolicyRef, facts: CertificateFacts): string {
  if ('xml' in ref) return ref.xml;
  const problems = checkPolicyRef(ref);
  if (problems.length) throw new Error(problems.join('; '));
  const def = policyLibrary()[ref.library]!;
  return def.xml.replace(/\{\{([a-z0-9-]+)\}\}/gi, (_, name: string) => {
    const p = def.params[name];
    if (!p) throw new Error(`policy "${ref.library}": template hole {{${name}}} has no param definition`);
    const given = ref.params[name];
    const value = given === undefined ? p.default : resolveValue(given, facts);
    switch (p.kind) {
      case 'bool':
        if (typeof value !== 'boolean') throw new Error(`policy "${ref.library}": param "${name}" must be a boolean`);
        return String(value);
      case 'verify':
        if (value !== 'Verify' && value !== 'VerifyNoRevocation')
          throw new Error(`policy "${ref.library}": param "${name}" must be Verify or VerifyNoRevocation`);
        return value;
      case 'identities':
        return renderIdentities(value, facts);
      case 'csharp':
        return csharp(String(value));
      case 'attr':
        return xmlAttr(String(value));
    }
  });
}
