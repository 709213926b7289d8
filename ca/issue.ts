// Spec → in-memory Pki: keys (cached, parallel), certificates issued parents first, verdicts, authorities.

import { createHash, type KeyObject } from 'node:crypto';
import { parseCertificate } from './certificate-info';
import { buildCertificate, buildExtensions, keyIdentifier, type Signer } from './certificate-builder';
import { encodeDn } from './dn';
import type { EkuName, KeyUsageName } from './extensions';
import { KeyCache, keyMaterialPem, obtainKey, type KeyMaterial } from './keys';
import { deterministicSerial, generatedSubject, organisationFor, specSubject } from './names';
import { assemblePki, crlUrlFor, ocspUrlFor, type IssuedCertificate, type Pki } from './pki';
import { fieldsFromDer } from './pki';
import { isCaRole, parseSpec, resolveTime, type CertificateSpec, type PkiSpec, type PkiSpecInput } from './spec';
import type { ResponderAddress } from './types';
import { computeVerdict, type VerdictInput } from './verdict';

/** Bump when the output for the same spec changes, so stale caches and outputs are not reused. */
export const ISSUER_VERSION = 1;

export interface IssueOptions {
  /** The clock validity is computed from. Default: the start of the current UTC day (stable within a day). */
  readonly now?: Date;
  /** Overrides spec.responder (tests pass a free port). */
  readonly responder?: ResponderAddress;
  /** Directory of the on-disk key cache; absent = keys are generated every time. */
  readonly cacheDir?: string;
}

export interface IssueStats {
  keysGenerated: number;
  keysFromCache: number;
}

export const startOfUtcDay = (d: Date): Date => new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));

const isSpec = (s: PkiSpec | PkiSpecInput): s is PkiSpec => typeof (s as PkiSpec).pfxPassword === 'string' && typeof (s as PkiSpec).downResponder === 'object';

export function specHashOf(spec: PkiSpec, now: Date, responder: ResponderAddress): string {
  return createHash('sha256')
    .update(JSON.stringify({ v: ISSUER_VERSION, spec, now: now.toISOString(), responder }))
    .digest('hex');
}


function defaultKeyUsage(c: CertificateSpec, ca: boolean): KeyUsageName[] {
  if (ca) return ['digitalSignature', 'keyCertSign', 'cRLSign'];
  if (c.role === 'ocsp-signer') return ['digitalSignature'];
  return c.keyType === 'rsa2048' ? ['digitalSignature', 'keyEncipherment'] : ['digitalSignature'];
}

function defaultEku(c: CertificateSpec): EkuName[] {
  return c.role === 'client' ? ['clientAuth'] : c.role === 'server' ? ['serverAuth'] : c.role === 'ocsp-signer' ? ['ocspSigning'] : [];
}

export async function issuePki(specIn: PkiSpec | PkiSpecInput, options: IssueOptions = {}, stats?: IssueStats): Promise<Pki> {
  const now = options.now ?? startOfUtcDay(new Date());
  if (Number.isNaN(now.getTime())) throw new Error('issuePki: options.now is not a valid date');
  const spec = isSpec(specIn) ? specIn : parseSpec(specIn, now);
  const responder = options.responder ?? spec.responder;
  const byName = new Map(spec.certificates.map((c) => [c.name, c]));

  // Keys first, all at once: RSA generation runs on the thread pool in parallel.
  const cache = options.cacheDir ? new KeyCache(options.cacheDir) : undefined;
  const labelOf = (c: CertificateSpec) => (c.sharedKey ? `shared:${c.sharedKey}` : c.name);
  const labels = new Map<string, CertificateSpec['keyType']>();
  for (const c of spec.certificates) {
    const label = labelOf(c);
    const existing = labels.get(label);
    if (existing && existing !== c.keyType) throw new Error(`certificates.${c.name}.sharedKey: "${c.sharedKey}" is used with both ${existing} and ${c.keyType}`);
    labels.set(label, c.keyType);
  }
  const keyEntries = await Promise.all(
    [...labels].map(async ([label, keyType]) => {
      const { key, cached } = await obtainKey(keyType, label, spec.seed, cache);
      if (stats) cached ? stats.keysFromCache++ : stats.keysGenerated++;
      return [label, key] as const;
    }),
  );
  const keys = new Map<string, KeyMaterial>(keyEntries);

  const rootOf = (c: CertificateSpec): string => (c.issuer && byName.get(c.issuer) ? rootOf(byName.get(c.issuer)!) : c.name);
  const issued = new Map<string, IssuedCertificate>();
  const extras = new Map<string, { signer: Signer; verdict: VerdictInput }>();

  const issueOne = (c: CertificateSpec): IssuedCertificate => {
    const done = issued.get(c.name);
    if (done) return done;
    const parent = c.issuer ? issueOne(byName.get(c.issuer)!) : undefined;
    const key = keys.get(labelOf(c))!;
    const ca = c.basicConstraints?.ca ?? isCaRole(c.role);
    const subjectDn = c.subject ? specSubject(c.subject) : generatedSubject(spec.seed, c.name, c.role, organisationFor(spec.seed, rootOf(c)));
    const subjectDer = encodeDn(subjectDn);
    const keyId = keyIdentifier(key.spki);
    const signer: Signer = parent ? extras.get(parent.name)!.signer : { name: subjectDer, key: key.privateKey, keyType: c.keyType, keyId };

    const pointers = c.revocationPointers ?? (c.issuer ? 'responder' : 'none');
    const address = pointers === 'down' ? spec.downResponder : responder;
    const crlUrls = pointers !== 'none' && c.issuer ? [crlUrlFor(address, c.issuer)] : [];
    const ocspUrls = pointers !== 'none' && c.issuer ? [ocspUrlFor(address, c.issuer)] : [];
    const keyUsage = c.keyUsage ?? defaultKeyUsage(c, ca);
    const notBefore = resolveTime(c.validity?.notBefore ?? '-1d', now);
    const notAfter = resolveTime(c.validity?.notAfter ?? '+365d', now);

    const der = buildCertificate(
      {
        serial: deterministicSerial(spec.seed, c.name),
        subject: subjectDer,
        notBefore,
        notAfter,
        spki: key.spki,
        extensions: buildExtensions({
          ca,
          pathLength: c.basicConstraints?.pathLength,
          keyUsage,
          extendedKeyUsage: c.extendedKeyUsage ?? defaultEku(c),
          subjectAltNames: c.subjectAltNames,
          subjectEmpty: subjectDn.length === 0,
          subjectKeyId: keyId,
          authorityKeyId: parent ? signer.keyId : undefined,
          crlUrls,
          ocspUrls,
          ocspNoCheck: c.role === 'ocsp-signer',
        }),
      },
      signer,
    );
    // Strings come from the DER as written (SET OF order is the encoder's), exactly what a reader of the file sees.
    const info = parseCertificate(der);
    const revocation = c.revoked ? { serial: info.serial, revokedAt: resolveTime(c.revoked.at, now), reason: c.revoked.reason } : undefined;
    const cert: IssuedCertificate = {
      name: c.name,
      role: c.role,
      shapes: c.shapes,
      keyType: c.keyType,
      issuerName: c.issuer ?? null,
      isCa: ca,
      trusted: c.role === 'root-ca' && (c.trusted ?? true),
      ...fieldsFromDer(der, info),
      key: key.privateKey,
      keyPem: keyMaterialPem(key),
      chain: [der, ...(parent?.chain ?? [])],
      expected: 'valid', // set below, once the whole chain is known
      ...(revocation ? { revocation } : {}),
      pfxPassword: spec.pfxPassword,
      ...(c.note ? { note: c.note } : {}),
    };
    extras.set(c.name, {
      signer: { name: subjectDer, key: key.privateKey as KeyObject, keyType: c.keyType, keyId },
      verdict: {
        role: c.role,
        isCa: ca,
        trusted: cert.trusted,
        issuerName: cert.issuerName,
        notBefore,
        notAfter,
        revoked: revocation !== undefined,
        revocationPointers: pointers,
        extendedKeyUsage: cert.extendedKeyUsage,
        digitalSignature: keyUsage.includes('digitalSignature'),
      },
    });
    issued.set(c.name, cert);
    return cert;
  };
  for (const c of spec.certificates) issueOne(c);

  // Spec order, with verdicts computed along each chain.
  const certificates = new Map<string, IssuedCertificate>();
  for (const c of spec.certificates) {
    const chain: VerdictInput[] = [];
    for (let cur: string | undefined = c.name; cur; cur = byName.get(cur)?.issuer) chain.push(extras.get(cur)!.verdict);
    const cert = issued.get(c.name)!;
    certificates.set(c.name, { ...cert, expected: c.expected ?? computeVerdict(chain, now) });
  }
  const ocspSigners = new Map(spec.certificates.filter((c) => c.role === 'ocsp-signer' && c.issuer).map((c) => [c.issuer!, c.name]));
  return assemblePki({
    specHash: specHashOf(spec, now, responder),
    seed: spec.seed,
    now,
    responder,
    downResponder: spec.downResponder,
    pfxPassword: spec.pfxPassword,
    certificates,
    ocspSigners,
  });
}
