// The declarative PKI spec: its schema (zod), loading from JSON or YAML, and the checks a schema cannot express
// (references between certificates, validity order). Every error names the field path, and for files the line.
//
// Times are relative to the issuing clock ("now"): "-1d", "+30d", "+12h", "0d", or an absolute ISO 8601 instant.

import { readFile } from 'node:fs/promises';
import { LineCounter, parseDocument, type Node as YamlNode } from 'yaml';
import { z } from 'zod';
import { attributeOid, parseDnString } from './dn';
import { EKU_OIDS, KEY_USAGE_BITS, ipBytes, type EkuName, type KeyUsageName } from './extensions';
import { CRL_REASON_CODES, type CrlReason, type ExpectedVerdict } from './types';

const NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;
const RELATIVE = /^([+-]?)(\d+)([smhd])$/;
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

const timePoint = z
  .string()
  .refine((s) => RELATIVE.test(s) || (ISO_INSTANT.test(s) && !Number.isNaN(Date.parse(s))), {
    message: 'expected a time relative to now like "-1d", "+30d", "+12h", or an ISO 8601 instant like "2026-01-01T00:00:00Z"',
  });

const address = z.object({ host: z.string().min(1), port: z.number().int().min(1).max(65535) }).strict();

const dnAttributeName = z.string().refine(
  (n) => {
    try {
      attributeOid(n);
      return true;
    } catch {
      return false;
    }
  },
  { message: 'unknown DN attribute name (use CN, O, OU, L, ST/S, C, E, STREET, SERIALNUMBER, SN, G, T, I, DC, UID or OID.x.y)' },
);

/** Subject: a .NET-form string (CN first), or RDNs in DER order (C first), each RDN an object (several keys = "+"). */
const subject = z.union([
  z.string().min(1).refine(
    (s) => {
      try {
        return parseDnString(s).length > 0;
      } catch {
        return false;
      }
    },
    { message: 'not a distinguished name (expected e.g. CN=Alice, O="Contoso, Inc.", C=US)' },
  ),
  z.array(z.record(dnAttributeName, z.string())).min(1),
]);

const verdicts = ['valid', 'expired', 'not-yet-valid', 'revoked', 'untrusted', 'wrong-usage', 'ca-as-leaf', 'revocation-unreachable'] as const;

export const certificateSpecSchema = z
  .object({
    name: z.string().regex(NAME, 'expected lower-case letters, digits and "-" (it names files and URLs)'),
    role: z.enum(['root-ca', 'intermediate-ca', 'client', 'server', 'ocsp-signer']),
    /** Name of the CA in this spec that signs it; absent = self-signed. */
    issuer: z.string().optional(),
    keyType: z.enum(['rsa2048', 'ec-p256']),
    /** Certificates with the same sharedKey label use one key (never for CAs). */
    sharedKey: z.string().regex(NAME).optional(),
    /** Absent: a realistic name from faker, seeded by the spec seed and the certificate name. */
    subject: subject.optional(),
    validity: z.object({ notBefore: timePoint.default('-1d'), notAfter: timePoint.default('+365d') }).strict().optional(),
    /** Only for root-ca: whether validators are given it as a trust anchor. */
    trusted: z.boolean().optional(),
    /** Overrides the role's basicConstraints (a CA certificate used as a leaf). */
    basicConstraints: z.object({ ca: z.boolean(), pathLength: z.number().int().min(0).optional() }).strict().optional(),
    keyUsage: z.array(z.enum(Object.keys(KEY_USAGE_BITS) as [KeyUsageName, ...KeyUsageName[]])).min(1).optional(),
    extendedKeyUsage: z.array(z.enum(Object.keys(EKU_OIDS) as [EkuName, ...EkuName[]])).optional(),
    subjectAltNames: z
      .object({
        dns: z.array(z.string().regex(/^(\*\.)?[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*$/, 'expected a DNS name')).optional(),
        ip: z
          .array(z.string())
          .refine((ips) => ips.every((ip) => ipOk(ip)), { message: 'expected IPv4 or IPv6 addresses' })
          .optional(),
        email: z.array(z.string().regex(/^[^@\s]+@[^@\s]+$/, 'expected an e-mail address')).optional(),
        uri: z.array(z.string().url()).optional(),
      })
      .strict()
      .optional(),
    /** Where CDP and AIA-OCSP point: the live responder, the down responder, or nowhere. */
    revocationPointers: z.enum(['responder', 'down', 'none']).optional(),
    revoked: z
      .object({ at: timePoint, reason: z.enum(Object.keys(CRL_REASON_CODES) as [CrlReason, ...CrlReason[]]).default('keyCompromise') })
      .strict()
      .optional(),
    /** Free-form tags describing what the certificate is for (shown in the manifest). */
    shapes: z.array(z.string()).default([]),
    /** Overrides the computed verdict; say why in `note`. */
    expected: z.enum(verdicts).optional(),
    note: z.string().optional(),
  })
  .strict();

function ipOk(ip: string): boolean {
  try {
    ipBytes(ip);
    return true;
  } catch {
    return false;
  }
}

export const pkiSpecSchema = z
  .object({
    /** Seeds the names (faker) and the serial numbers. */
    seed: z.string().min(1).default('certgate'),
    /** Password of every .pfx (a test password; it is written to the manifest). */
    pfxPassword: z.string().min(1).default('certgate'),
    /** Where the CRL/OCSP responder listens (embedded in certificates); issuePki's option overrides it. */
    responder: address.default({ host: '127.0.0.1', port: 8780 }),
    /**
     * A loopback address where nothing listens: the "responder that is down". Port 4 is unassigned and privileged (no
     * ordinary process listens there) and, unlike 9 or 1, not on the WHATWG fetch blocked-port list, so clients really
     * try to connect and get "connection refused".
     */
    downResponder: address.default({ host: '127.0.0.1', port: 4 }),
    certificates: z.array(certificateSpecSchema).min(1),
  })
  .strict();

export type PkiSpecInput = z.input<typeof pkiSpecSchema>;
export type PkiSpec = z.output<typeof pkiSpecSchema>;
export type CertificateSpec = z.output<typeof certificateSpecSchema>;
export type { ExpectedVerdict };

export type SpecPath = readonly (string | number)[];

export class SpecError extends Error {
  constructor(
    readonly issues: readonly { path: SpecPath; message: string; line?: number }[],
    readonly file?: string,
  ) {
    super(issues.map((i) => `${file ? `${file}${i.line ? `:${i.line}` : ''}: ` : ''}${formatPath(i.path)}: ${i.message}`).join('\n'));
    this.name = 'SpecError';
  }
}

export function formatPath(path: SpecPath): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out ? `.${p}` : p;
  return out || '(spec)';
}

/** Resolves a time point against the clock. */
export function resolveTime(point: string, now: Date): Date {
  const m = RELATIVE.exec(point);
  if (!m) return new Date(point);
  const unit = { s: 1e3, h: 3600e3, m: 60e3, d: 86400e3 }[m[3] as 's' | 'm' | 'h' | 'd'];
  return new Date(now.getTime() + (m[1] === '-' ? -1 : 1) * Number(m[2]) * unit);
}

export const isCaRole = (role: CertificateSpec['role']): boolean => role === 'root-ca' || role === 'intermediate-ca';

/** Whether a certificate can sign others: a CA role, or basicConstraints cA set explicitly. */
const canSign = (c: CertificateSpec): boolean => c.basicConstraints?.ca ?? isCaRole(c.role);

/** The checks across certificates. Returns issues; `now` only matters when absolute and relative times mix. */
export function checkSpec(spec: PkiSpec, now: Date): { path: SpecPath; message: string }[] {
  const issues: { path: SpecPath; message: string }[] = [];
  const byName = new Map<string, number>();
  spec.certificates.forEach((c, i) => {
    if (byName.has(c.name)) issues.push({ path: ['certificates', i, 'name'], message: `duplicate name "${c.name}" (also certificates[${byName.get(c.name)}])` });
    else byName.set(c.name, i);
  });
  const cas = spec.certificates.filter(canSign).map((c) => c.name);
  const signers = new Set<string>();
  spec.certificates.forEach((c, i) => {
    const at = (field: string) => ['certificates', i, field];
    if (c.issuer !== undefined) {
      const issuerIndex = byName.get(c.issuer);
      if (issuerIndex === undefined) issues.push({ path: at('issuer'), message: `no certificate named "${c.issuer}" in this spec (CAs: ${cas.join(', ') || 'none'})` });
      else if (!canSign(spec.certificates[issuerIndex]!)) issues.push({ path: at('issuer'), message: `"${c.issuer}" is not a CA (role ${spec.certificates[issuerIndex]!.role}); CAs: ${cas.join(', ')}` });
      if (c.role === 'root-ca') issues.push({ path: at('issuer'), message: 'a root-ca is self-signed: remove issuer or use role intermediate-ca' });
    } else if (c.role === 'intermediate-ca' || c.role === 'ocsp-signer') {
      issues.push({ path: at('issuer'), message: `a ${c.role} needs an issuer (one of: ${cas.join(', ')})` });
    }
    if (c.trusted !== undefined && c.role !== 'root-ca') issues.push({ path: at('trusted'), message: 'only a root-ca can be a trust anchor' });
    if (c.sharedKey && canSign(c)) issues.push({ path: at('sharedKey'), message: 'CAs must have their own key' });
    if (c.role === 'ocsp-signer' && c.issuer) {
      if (signers.has(c.issuer)) issues.push({ path: at('issuer'), message: `"${c.issuer}" already has a delegated OCSP signer` });
      signers.add(c.issuer);
    }
    if (c.revoked && !c.issuer) issues.push({ path: at('revoked'), message: 'a self-signed certificate has no CA to revoke it' });
    const notBefore = resolveTime(c.validity?.notBefore ?? '-1d', now);
    const notAfter = resolveTime(c.validity?.notAfter ?? '+365d', now);
    if (notAfter.getTime() <= notBefore.getTime()) {
      issues.push({ path: ['certificates', i, 'validity', 'notAfter'], message: `ends (${notAfter.toISOString()}) before it starts (${notBefore.toISOString()})` });
    }
  });
  // Issuer cycles (a → b → a) would never reach a root.
  spec.certificates.forEach((c, i) => {
    const seen = new Set<string>([c.name]);
    for (let cur = c; cur.issuer !== undefined; ) {
      if (seen.has(cur.issuer)) {
        issues.push({ path: ['certificates', i, 'issuer'], message: `issuer chain loops back to "${cur.issuer}"` });
        break;
      }
      seen.add(cur.issuer);
      const next = byName.get(cur.issuer);
      if (next === undefined) break;
      cur = spec.certificates[next]!;
    }
  });
  return issues;
}

/** Validates an already-parsed value (from code, JSON or YAML). */
export function parseSpec(value: unknown, now: Date = new Date()): PkiSpec {
  const result = pkiSpecSchema.safeParse(value);
  if (!result.success) {
    throw new SpecError(result.error.issues.map((i) => ({ path: i.path.filter((p): p is string | number => typeof p !== 'symbol'), message: i.message })));
  }
  const issues = checkSpec(result.data, now);
  if (issues.length > 0) throw new SpecError(issues);
  return result.data;
}

/** Parses spec text (YAML, or JSON which YAML reads too) and reports errors with the line they are on. */
export function parseSpecText(text: string, file = 'spec', now: Date = new Date()): PkiSpec {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new SpecError(
      doc.errors.map((e) => ({ path: [], message: `syntax error: ${e.message.split('\n')[0]}`, line: lineCounter.linePos(e.pos[0]).line })),
      file,
    );
  }
  try {
    return parseSpec(doc.toJS(), now);
  } catch (err) {
    if (!(err instanceof SpecError)) throw err;
    throw new SpecError(
      err.issues.map((i) => ({ ...i, line: lineOf(doc, lineCounter, i.path) })),
      file,
    );
  }
}

/** The line of the deepest node that exists on the path (a missing field points at its parent object). */
function lineOf(doc: ReturnType<typeof parseDocument>, lc: LineCounter, path: SpecPath): number | undefined {
  for (let depth = path.length; depth >= 0; depth--) {
    const node = (depth === 0 ? doc.contents : doc.getIn(path.slice(0, depth), true)) as YamlNode | null | undefined;
    if (node && typeof node === 'object' && 'range' in node && node.range) return lc.linePos(node.range[0]).line;
  }
  return undefined;
}

export async function loadSpecFile(file: string, now: Date = new Date()): Promise<PkiSpec> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new Error(`cannot read spec ${file}: ${(err as Error).message}`);
  }
  return parseSpecText(text, file, now);
}
