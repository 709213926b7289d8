// Matching a client certificate against one <identity> of validate-client-certificate (apim-behaviour.md §4):
// every attribute present must match (AND); the policy accepts when any identity matches (OR).

import { parseDnString, type DistinguishedName } from '../../ca/dn';
import { OID } from '../../ca/oids';
import { signatureValid, type ChainElement } from '../certificates/chain-builder';
import type { X509Certificate2 } from '../certificates/x509-certificate2';
import type { IdentityRule } from './policy-ast';

/**
 * INF (apim-behaviour.md §4 and §8: whether APIM's DN matching ignores order and case is not known).
 * Our choice: RDN ORDER is ignored (the docs write DNs C-first with ST=, .NET prints them CN-first with S=, and both
 * must match the same certificate), attribute NAMES are case-insensitive with aliases (ST/S, E/EMAIL...), attribute
 * VALUES are compared exactly (case-sensitive). Flip this constant to compare values case-insensitively.
 */
export const DN_VALUES_CASE_SENSITIVE = true;

/** INF: serial numbers compare as hex, case-insensitive, ignoring separators and leading zero octets. */
const normalizeSerial = (s: string) => s.replace(/[\s:-]/g, '').toUpperCase().replace(/^(00)+(?=..)/, '');
/** OBS (apim-behaviour.md §4): thumbprints match case-insensitively in this policy (a working sample uses lower case). */
const normalizeThumbprint = (s: string) => s.replace(/[\s:]/g, '').toUpperCase();

const valueKey = (v: string) => (DN_VALUES_CASE_SENSITIVE ? v : v.toLowerCase());

/** A DN as a sorted multiset of RDN keys: equal keys ⇔ same RDNs regardless of order. */
export function dnKey(dn: DistinguishedName): string {
  return dn
    .map((rdn) =>
      rdn
        .map((a) => `${a.type}=${valueKey(a.value)}`)
        .sort()
        .join('+'),
    )
    .sort()
    .join('\u0000');
}

/** Parses a DN written in a policy (either order, ST or S); throws with a readable message. */
export function policyDnKey(text: string): string {
  return dnKey(parseDnString(text));
}

/** An identity prepared at load: DN strings parsed once. */
export interface PreparedIdentity {
  readonly rule: IdentityRule;
  readonly subjectKey?: string;
  readonly issuerSubjectKey?: string;
}

export function prepareIdentity(rule: IdentityRule): PreparedIdentity {
  return {
    rule,
    subjectKey: rule.subject !== undefined ? policyDnKey(rule.subject) : undefined,
    issuerSubjectKey: rule.issuerSubject !== undefined ? policyDnKey(rule.issuerSubject) : undefined,
  };
}

export interface IssuerLookup {
  /** Uploaded certificates by id (context.Deployment.Certificates). */
  readonly certificates: ReadonlyMap<string, X509Certificate2>;
  /** Every certificate that may be an issuer (uploaded + CA certificates). */
  readonly issuerCandidates: readonly X509Certificate2[];
}

const elementOf = (c: X509Certificate2): ChainElement => ({ info: c.info, thumbprint: c.thumbprint, source: 'CertificateAuthority' });

/** Whether `issuer` issued `cert`: its subject is the certificate's issuer name and its key verifies the signature. */
export function issued(issuer: X509Certificate2, cert: X509Certificate2): boolean {
  return issuer.info.subjectDer.equals(cert.info.issuerDer) && signatureValid(elementOf(cert), elementOf(issuer));
}

function issuerThumbprints(cert: X509Certificate2, lookup: IssuerLookup): Set<string> {
  const out = new Set<string>();
  // The issuer the chain engine found (uploaded CA certificates, or one the client presented) — if it really signed.
  const [leaf, fromChain] = cert.chain().elements;
  if (leaf && fromChain && signatureValid(leaf, fromChain)) out.add(fromChain.thumbprint);
  for (const candidate of lookup.issuerCandidates) if (issued(candidate, cert)) out.add(candidate.thumbprint);
  return out;
}

/** Which attributes of the identity failed (empty: it matches). */
export function identityMismatches(identity: PreparedIdentity, cert: X509Certificate2, lookup: IssuerLookup): string[] {
  const { rule } = identity;
  const failed: string[] = [];
  if (rule.thumbprint !== undefined && normalizeThumbprint(rule.thumbprint) !== cert.thumbprint) failed.push('thumbprint');
  if (rule.serialNumber !== undefined && normalizeSerial(rule.serialNumber) !== normalizeSerial(cert.serialNumber)) failed.push('serial-number');
  if (rule.commonName !== undefined) {
    const cns = cert.info.subject.flat().filter((a) => a.type === OID.commonName).map((a) => valueKey(a.value));
    if (!cns.includes(valueKey(rule.commonName))) failed.push('common-name');
  }
  if (identity.subjectKey !== undefined && identity.subjectKey !== dnKey(cert.info.subject)) failed.push('subject');
  if (rule.dnsName !== undefined) {
    // DNS names are case-insensitive (RFC 4343), whatever the DN setting.
    const want = rule.dnsName.toLowerCase();
    if (!cert.info.subjectAltNames.some((n) => n.type === 'dns' && n.value.toLowerCase() === want)) failed.push('dns-name');
  }
  if (identity.issuerSubjectKey !== undefined && identity.issuerSubjectKey !== dnKey(cert.info.issuer)) failed.push('issuer-subject');
  if (rule.issuerThumbprint !== undefined && !issuerThumbprints(cert, lookup).has(normalizeThumbprint(rule.issuerThumbprint))) failed.push('issuer-thumbprint');
  if (rule.issuerCertificateId !== undefined) {
    const issuer = lookup.certificates.get(rule.issuerCertificateId);
    if (!issuer || !issued(issuer, cert)) failed.push('issuer-certificate-id');
  }
  return failed;
}
