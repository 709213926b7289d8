// manifest.json: what `certgate ca init` wrote and what a validator should say of each certificate. Everything in it
// is public (certificates, test passwords); private keys are never in it, only the paths of their 0600 files.

import { z } from 'zod';
import { crlUrlFor, ocspUrlFor, type IssuedCertificate, type Pki } from './pki';
import { CRL_REASON_CODES, type CrlReason } from './types';

export const MANIFEST_FORMAT = 'certgate-pki/1';
export const MANIFEST_FILE = 'manifest.json';

/** File names inside the output directory (relative paths, so a directory can be moved). */
export const certificateFiles = (name: string) => ({
  cert: `${name}.pem`,
  key: `${name}.key.pem`,
  /** Leaf, then intermediates, then the root (the whole path; servers that want it without the root can drop the last). */
  chain: `${name}.chain.pem`,
  der: `${name}.cer`,
  pfx: `${name}.pfx`,
});
export const crlFiles = (ca: string) => ({ der: `crl/${ca}.crl`, pem: `crl/${ca}.crl.pem` });
export const TRUSTED_ROOTS_FILE = 'trusted-roots.pem';
export const INTERMEDIATES_FILE = 'intermediates.pem';

const names = z.object({ dotnet: z.string(), rfc2253: z.string() });
const address = z.object({ host: z.string(), port: z.number().int() });

export const manifestCertificateSchema = z.object({
  name: z.string(),
  role: z.enum(['root-ca', 'intermediate-ca', 'client', 'server', 'ocsp-signer']),
  shapes: z.array(z.string()),
  keyType: z.enum(['rsa2048', 'ec-p256']),
  /** Spec name of the issuing CA; null when self-signed. */
  issuedBy: z.string().nullable(),
  isCa: z.boolean(),
  trusted: z.boolean(),
  thumbprint: z.string().regex(/^[0-9A-F]{40}$/),
  serialNumber: z.string().regex(/^([0-9A-F]{2})+$/),
  subject: names,
  issuer: names,
  notBefore: z.string(),
  notAfter: z.string(),
  crlUrls: z.array(z.string()),
  ocspUrls: z.array(z.string()),
  subjectAltNames: z.array(z.object({ type: z.enum(['dns', 'ip', 'email', 'uri']), value: z.string() })),
  extendedKeyUsage: z.array(z.string()),
  expected: z.enum(['valid', 'expired', 'not-yet-valid', 'revoked', 'untrusted', 'wrong-usage', 'ca-as-leaf', 'revocation-unreachable']),
  revocation: z.object({ revokedAt: z.string(), reason: z.enum(Object.keys(CRL_REASON_CODES) as [CrlReason, ...CrlReason[]]) }).optional(),
  note: z.string().optional(),
  pfxPassword: z.string(),
  files: z.object({ cert: z.string(), key: z.string(), chain: z.string(), der: z.string(), pfx: z.string() }),
});

export const manifestSchema = z.object({
  format: z.literal(MANIFEST_FORMAT),
  specHash: z.string(),
  seed: z.string(),
  now: z.string(),
  responder: address,
  downResponder: address,
  pfxPassword: z.string(),
  trustedRoots: z.string(),
  intermediates: z.string(),
  authorities: z.array(
    z.object({
      name: z.string(),
      crl: z.object({ der: z.string(), pem: z.string() }),
      crlUrl: z.string(),
      ocspUrl: z.string(),
      ocspSigner: z.string().optional(),
    }),
  ),
  certificates: z.array(manifestCertificateSchema),
});

export type Manifest = z.infer<typeof manifestSchema>;
export type ManifestCertificate = z.infer<typeof manifestCertificateSchema>;

function entry(c: IssuedCertificate): ManifestCertificate {
  return {
    name: c.name,
    role: c.role,
    shapes: [...c.shapes],
    keyType: c.keyType,
    issuedBy: c.issuerName,
    isCa: c.isCa,
    trusted: c.trusted,
    thumbprint: c.thumbprint,
    serialNumber: c.serialNumber,
    subject: { dotnet: c.subject.dotnet, rfc2253: c.subject.rfc2253 },
    issuer: { dotnet: c.issuer.dotnet, rfc2253: c.issuer.rfc2253 },
    notBefore: c.notBefore.toISOString(),
    notAfter: c.notAfter.toISOString(),
    crlUrls: [...c.crlUrls],
    ocspUrls: [...c.ocspUrls],
    subjectAltNames: [...c.subjectAltNames],
    extendedKeyUsage: [...c.extendedKeyUsage],
    expected: c.expected,
    ...(c.revocation ? { revocation: { revokedAt: c.revocation.revokedAt.toISOString(), reason: c.revocation.reason } } : {}),
    ...(c.note ? { note: c.note } : {}),
    pfxPassword: c.pfxPassword,
    files: certificateFiles(c.name),
  };
}

export function buildManifest(pki: Pki): Manifest {
  const certs = [...pki.certificates.values()];
  return {
    format: MANIFEST_FORMAT,
    specHash: pki.specHash,
    seed: pki.seed,
    now: pki.now.toISOString(),
    responder: { ...pki.responder },
    downResponder: { ...pki.downResponder },
    pfxPassword: pki.pfxPassword,
    trustedRoots: TRUSTED_ROOTS_FILE,
    intermediates: INTERMEDIATES_FILE,
    authorities: pki.authorities.map((a) => {
      const signer = certs.find((c) => c.role === 'ocsp-signer' && c.issuerName === a.name);
      return {
        name: a.name,
        crl: crlFiles(a.name),
        crlUrl: crlUrlFor(pki.responder, a.name),
        ocspUrl: ocspUrlFor(pki.responder, a.name),
        ...(signer ? { ocspSigner: signer.name } : {}),
      };
    }),
    certificates: certs.map(entry),
  };
}

/** Parses manifest text, with errors that name the file and the field. */
export function parseManifest(text: string, file: string): Manifest {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new Error(`${file}: not JSON (${(err as Error).message})`);
  }
  const result = manifestSchema.safeParse(raw);
  if (!result.success) {
    const first = result.error.issues[0]!;
    throw new Error(`${file}: ${first.path.join('.') || '(root)'}: ${first.message}${result.error.issues.length > 1 ? ` (and ${result.error.issues.length - 1} more)` : ''}`);
  }
  return result.data;
}
