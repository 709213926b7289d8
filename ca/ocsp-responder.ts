// The OCSP responder's core, without HTTP: request DER in, response DER out. Finds the CA by the CertID's issuer
// name and key hashes, answers good / revoked / unknown, signs with the delegated signer when the CA has one.

import { createHash } from 'node:crypto';
import { DerError } from './der';
import { decodeOcspRequest, OcspRequestError, type CertId } from './ocsp-request';
import { buildOcspErrorResponse, buildOcspResponse, type CertStatus, type OcspSigningIdentity, type SingleResponseInput } from './ocsp-response';
import { OID } from './oids';
import { parsedCertificate } from './revocation-signature';
import type { IssuingAuthority, RevocationEntry } from './types';

/** Faults that change what the responder says (down and slow are the HTTP server's business). */
export type OcspFault = 'tryLater' | 'badSignature' | 'staleNextUpdate' | undefined;

export type OcspOutcome = CertStatus | 'mixed' | 'malformedRequest' | 'unauthorized' | 'tryLater' | 'internalError';

export interface OcspAnswer {
  readonly der: Buffer;
  readonly outcome: OcspOutcome;
  /** The CA that answered, when one did. */
  readonly authority?: string;
  /** True when a cached signed response was served (requests without a nonce). */
  readonly cached: boolean;
}

export interface OcspResponderOptions {
  /** How long one signed answer is reused for nonce-less requests (and thisUpdate's rounding). Default 60 s. */
  readonly refreshMs?: number;
  /** nextUpdate − thisUpdate. Default 1 hour. */
  readonly validityMs?: number;
  /** Cache bound per CA; the cache is dropped when it is reached. Default 20,000. */
  readonly maxCachedPerAuthority?: number;
}

const CERTID_HASHES: readonly [string, string][] = [
  [OID.sha1, 'sha1'],
  [OID.sha256, 'sha256'],
  ['2.16.840.1.101.3.4.2.2', 'sha384'],
  ['2.16.840.1.101.3.4.2.3', 'sha512'],
];

const issuerKey = (hashOid: string, nameHash: Buffer, keyHash: Buffer) => `${hashOid}|${nameHash.toString('hex')}|${keyHash.toString('hex')}`;

// Lookup tables are derived once per authorities array / revoked list (the server keeps those arrays stable).
const issuerIndexes = new WeakMap<readonly IssuingAuthority[], Map<string, IssuingAuthority>>();
function issuerIndex(authorities: readonly IssuingAuthority[]): Map<string, IssuingAuthority> {
  let index = issuerIndexes.get(authorities);
  if (!index) {
    index = new Map();
    for (const authority of authorities) {
      const cert = parsedCertificate(authority.certDer);
      for (const [hashOid, hash] of CERTID_HASHES) {
        const digest = (data: Buffer) => createHash(hash).update(data).digest();
        index.set(issuerKey(hashOid, digest(cert.subjectDer), digest(cert.publicKeyBits)), authority);
      }
    }
    issuerIndexes.set(authorities, index);
  }
  return index;
}

const revokedIndexes = new WeakMap<readonly RevocationEntry[], Map<string, RevocationEntry>>();
function revokedIndex(revoked: readonly RevocationEntry[]): Map<string, RevocationEntry> {
  let index = revokedIndexes.get(revoked);
  if (!index) {
    index = new Map(revoked.map((e) => [e.serial.toString('hex').toUpperCase(), e]));
    revokedIndexes.set(revoked, index);
  }
  return index;
}

/** The serial's hex forms to try: as encoded, and with/without the leading 00 a positive INTEGER may carry. */
function serialForms(hex: string): string[] {
  return hex.startsWith('00') ? [hex, hex.slice(2)] : /^[89A-F]/.test(hex) ? [hex, `00${hex}`] : [hex];
}

function statusOf(authority: IssuingAuthority, certId: CertId): { status: CertStatus; entry?: RevocationEntry } {
  const revoked = revokedIndex(authority.revoked);
  for (const form of serialForms(certId.serialHex)) {
    // A listed serial is revoked even if the spec forgot to list it as issued: never call a revoked cert good.
    const entry = revoked.get(form);
    if (entry) return { status: 'revoked', entry };
  }
  return serialForms(certId.serialHex).some((f) => authority.issuedSerials.has(f)) ? { status: 'good' } : { status: 'unknown' };
}

function signerOf(authority: IssuingAuthority): OcspSigningIdentity {
  return authority.ocspSigner
    ? { certDer: authority.ocspSigner.certDer, key: authority.ocspSigner.key, includeCert: true }
    : { certDer: authority.certDer, key: authority.key, includeCert: false };
}

export class OcspResponder {
  private readonly refreshMs: number;
  private readonly validityMs: number;
  private readonly maxCached: number;
  private readonly cache = new WeakMap<IssuingAuthority, Map<string, { der: Buffer; until: number }>>();

  constructor(opts: OcspResponderOptions = {}) {
    this.refreshMs = opts.refreshMs ?? 60_000;
    this.validityMs = opts.validityMs ?? 3_600_000;
    this.maxCached = opts.maxCachedPerAuthority ?? 20_000;
  }

  /** Answers one DER request for the CAs in `authorities`; never throws (internal failures → internalError). */
  answer(requestDer: Buffer, authorities: readonly IssuingAuthority[], now: Date, faultFor: (authority: IssuingAuthority) => OcspFault = () => undefined): OcspAnswer {
    let request: ReturnType<typeof decodeOcspRequest>;
    try {
      request = decodeOcspRequest(requestDer);
    } catch (e) {
      if (e instanceof DerError || e instanceof OcspRequestError) return { der: buildOcspErrorResponse('malformedRequest'), outcome: 'malformedRequest', cached: false };
      return { der: buildOcspErrorResponse('internalError'), outcome: 'internalError', cached: false };
    }
    try {
      return this.answerDecoded(request, authorities, now, faultFor);
    } catch {
      return { der: buildOcspErrorResponse('internalError'), outcome: 'internalError', cached: false };
    }
  }

  private answerDecoded(request: ReturnType<typeof decodeOcspRequest>, authorities: readonly IssuingAuthority[], now: Date, faultFor: (authority: IssuingAuthority) => OcspFault): OcspAnswer {
    const index = issuerIndex(authorities);
    const owners = request.certIds.map((id) => index.get(issuerKey(id.hashAlgorithm, id.issuerNameHash, id.issuerKeyHash)));
    // One signer per response: the first CA we know answers; CertIDs of other issuers are "unknown" to it.
    const authority = owners.find((o) => o !== undefined);
    // RFC 6960 §2.3: "unauthorized" when the responder is not authoritative for anything asked.
    if (!authority) return { der: buildOcspErrorResponse('unauthorized'), outcome: 'unauthorized', cached: false };
    const fault = faultFor(authority);
    if (fault === 'tryLater') return { der: buildOcspErrorResponse('tryLater'), outcome: 'tryLater', authority: authority.name, cached: false };

    const statuses = request.certIds.map((id, i) => (owners[i] === authority ? statusOf(authority, id) : { status: 'unknown' as const }));
    const outcome: OcspOutcome = statuses.every((s) => s.status === statuses[0]!.status) ? statuses[0]!.status : 'mixed';

    // RFC 5019 §6 style caching: without a nonce, every client asking about the same certificate in the same minute
    // may get the same signed bytes. thisUpdate is the start of the current refresh window (now rounded down), so the
    // cached answer stays truthful until the window ends, and a status change (revocation) is a different cache key.
    // With a nonce the client asked for a fresh answer bound to its request, so we sign each one.
    const windowStart = Math.floor(now.getTime() / this.refreshMs) * this.refreshMs;
    const cacheKey = request.nonceExtension || request.certIds.length !== 1 ? undefined : `${request.certIds[0]!.der.toString('hex')}|${outcome}|${fault ?? ''}`;
    let perCa = this.cache.get(authority);
    if (cacheKey && perCa) {
      const hit = perCa.get(cacheKey);
      if (hit && now.getTime() < hit.until && now.getTime() >= hit.until - this.refreshMs) return { der: hit.der, outcome, authority: authority.name, cached: true };
    }

    const thisUpdate = fault === 'staleNextUpdate' ? new Date(windowStart - 2 * this.validityMs) : new Date(windowStart);
    const nextUpdate = new Date(thisUpdate.getTime() + this.validityMs);
    const responses: SingleResponseInput[] = request.certIds.map((id, i) => ({
      certId: id.der,
      status: statuses[i]!.status,
      revokedAt: statuses[i]!.entry?.revokedAt,
      reason: statuses[i]!.entry?.reason,
      thisUpdate,
      nextUpdate,
    }));
    const der = buildOcspResponse({ signer: signerOf(authority), producedAt: now, responses, nonceExtension: request.nonceExtension, corruptSignature: fault === 'badSignature' });
    if (cacheKey) {
      if (!perCa) this.cache.set(authority, (perCa = new Map()));
      if (perCa.size >= this.maxCached) perCa.clear();
      perCa.set(cacheKey, { der, until: windowStart + this.refreshMs });
    }
    return { der, outcome, authority: authority.name, cached: false };
  }
}

const shared = new OcspResponder();

/** answerOcsp(request, CAs, now, faults) → OCSPResponse DER, with a process-wide cache. Never throws. */
export function answerOcsp(requestDer: Buffer, authorities: readonly IssuingAuthority[], now: Date = new Date(), faultFor?: (authority: IssuingAuthority) => OcspFault): Buffer {
  return shared.answer(requestDer, authorities, now, faultFor).der;
}
