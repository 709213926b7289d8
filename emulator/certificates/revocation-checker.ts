// Online revocation checking as X509Chain does it with RevocationMode.Online and RevocationFlag.ExcludeRoot (the
// defaults Verify() uses: dotnet/runtime X509ChainPolicy.Reset): every element except the root is checked against
// its issuer. Per certificate, its AIA OCSP URLs and its CRL distribution points are all asked in parallel, within
// one budget. "revoked" from any of them wins (OCSP good + CRL revoked → revoked: fail closed when they disagree).
// Otherwise a definite "good" from one wins over a failure of the other (OCSP good + CRL unreachable → good, the CRL
// being only the fallback; CRL good + OCSP down → good); OCSP "unknown" is no answer. The reported source is the
// first deciding method in OCSP-then-CRL order.
//
// Fails closed (status "unknown" → Verify() false): no responder answered in time, an HTTP error, a response that
// does not parse, a bad signature, tryLater/other non-successful OCSP status, a stale OCSP nextUpdate, an expired
// CRL, a URL we refuse (non-loopback, non-http). A certificate with no revocation pointer at all is also "unknown":
// .NET reports RevocationStatusUnknown for it (Windows CRYPT_E_NO_REVOCATION_CHECK; on Linux "unable to get
// certificate CRL", dotnet/runtime#37435, #124802), and Verify() returns false.
//
// Time is bounded (default 2 s for the whole chain, 1 s per request); answers are cached until their nextUpdate
// (CRLs by URL, OCSP by issuer + serial), and concurrent look-ups of the same thing share one request.

import { parseCrl, type ParsedCrl } from '../../ca/crl-parser';
import { pemToDer } from '../../ca/der';
import { serialHexOf, type CertificateInfo } from '../../ca/certificate-info';
import { formatDotnet } from '../../ca/dn';
import { fetchBounded, FetchRefused } from './http-fetch';
import { defaultOcspCodec, type OcspCodec, type OcspSingleStatus } from './ocsp-codec';
import type { ChainStatusFlag } from './chain-builder';

export type RevocationStatus = 'good' | 'revoked' | 'unknown';

export interface RevocationAttempt {
  readonly method: 'ocsp' | 'crl';
  readonly url: string;
  readonly outcome: 'good' | 'revoked' | 'unknown' | 'error' | 'refused';
  readonly detail: string;
  readonly cached: boolean;
  readonly ms: number;
}

export interface ElementRevocation {
  readonly thumbprint: string;
  readonly subject: string;
  readonly status: RevocationStatus;
  readonly source?: 'ocsp' | 'crl';
  readonly revokedAt?: Date;
  readonly reason?: string;
  /** The X509ChainStatusFlags .NET would set on this element. */
  readonly flags: readonly ChainStatusFlag[];
  readonly detail: string;
  readonly attempts: readonly RevocationAttempt[];
}

export interface RevocationReport {
  readonly status: RevocationStatus;
  readonly detail: string;
  readonly elements: readonly ElementRevocation[];
  readonly checkedAt: Date;
  readonly durationMs: number;
}

export interface RevocationCheckerOptions {
  /** Budget for a whole chain (all elements are checked in parallel). Default 2000 ms. */
  readonly totalTimeoutMs?: number;
  /** Budget for one HTTP exchange. Default 1000 ms. */
  readonly requestTimeoutMs?: number;
  /** Largest CRL or OCSP response read. Default 8 MiB (a 100,000-entry CRL is about 4 MB). */
  readonly maxResponseBytes?: number;
  /** Tolerated clock skew for thisUpdate in the future. Default 5 minutes. */
  readonly clockSkewMs?: number;
  /** Off: only loopback URLs are contacted (the test workplace forbids other traffic). */
  readonly allowNonLoopback?: boolean;
  readonly ocsp?: OcspCodec;
  readonly clock?: () => Date;
}

/** The two sides of a chain link revocation needs. */
export interface RevocationSubject {
  readonly info: CertificateInfo;
  readonly thumbprint: string;
}

interface Definite {
  readonly outcome: 'good' | 'revoked' | 'unknown';
  readonly detail: string;
  readonly revokedAt?: Date;
  readonly reason?: string;
}

class AttemptError extends Error {}

interface CachedCrl {
  readonly crl: ParsedCrl;
  readonly verified: Map<string, boolean>;
}

const REMOVE_FROM_CRL = 8;

export class RevocationChecker {
  private readonly totalTimeoutMs: number;
  private readonly requestTimeoutMs: number;
  private readonly maxBytes: number;
  private readonly skewMs: number;
  private readonly allowNonLoopback: boolean;
  private readonly ocsp: OcspCodec;
  private readonly clock: () => Date;
  private readonly crlCache = new Map<string, CachedCrl>();
  private readonly ocspCache = new Map<string, { single: OcspSingleStatus; expires: number }>();
  private readonly inflight = new Map<string, Promise<unknown>>();

  constructor(options: RevocationCheckerOptions = {}) {
    this.totalTimeoutMs = options.totalTimeoutMs ?? 2000;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 1000;
    this.maxBytes = options.maxResponseBytes ?? 8 * 1024 * 1024;
    this.skewMs = options.clockSkewMs ?? 5 * 60_000;
    this.allowNonLoopback = options.allowNonLoopback ?? false;
    this.ocsp = options.ocsp ?? defaultOcspCodec;
    this.clock = options.clock ?? (() => new Date());
  }

  clearCache(): void {
    this.crlCache.clear();
    this.ocspCache.clear();
  }

  /**
   * Checks a built chain (leaf first). ExcludeRoot: a self-issued last element is not checked; a last element that
   * is not self-issued has no issuer to check against, so its status is unknown.
   */
  async checkChain(elements: readonly RevocationSubject[]): Promise<RevocationReport> {
    const started = Date.now();
    const deadline = started + this.totalTimeoutMs;
    const now = this.clock();
    const jobs = elements.map((el, i): Promise<ElementRevocation> | undefined => {
      const issuer = elements[i + 1];
      const last = i === elements.length - 1;
      if (last && el.info.subjectDer.equals(el.info.issuerDer)) return undefined; // the root: excluded
      if (!issuer) {
        return Promise.resolve(element(el, { outcome: 'unknown', detail: 'its issuer is not available, so its revocation status cannot be checked' }, [], false));
      }
      return this.checkOne(el, issuer, deadline, now);
    });
    const results = await Promise.all(jobs.filter((j): j is Promise<ElementRevocation> => j !== undefined));
    const revoked = results.find((r) => r.status === 'revoked');
    const unknown = results.find((r) => r.status === 'unknown');
    const status: RevocationStatus = revoked ? 'revoked' : unknown ? 'unknown' : 'good';
    const worst = revoked ?? unknown;
    return {
      status,
      detail: worst ? `${worst.subject}: ${worst.detail}` : results.length === 0 ? 'no certificate to check (ExcludeRoot)' : 'not revoked',
      elements: results,
      checkedAt: now,
      durationMs: Date.now() - started,
    };
  }

  private async checkOne(cert: RevocationSubject, issuer: RevocationSubject, deadline: number, now: Date): Promise<ElementRevocation> {
    const { ocspUrls, crlDistributionPoints } = cert.info;
    if (ocspUrls.length === 0 && crlDistributionPoints.length === 0) {
      return element(cert, { outcome: 'unknown', detail: 'the certificate has no CRL distribution point and no OCSP URL (RevocationStatusUnknown)' }, [], false);
    }
    const plan: { method: 'ocsp' | 'crl'; url: string }[] = [
      ...ocspUrls.map((url) => ({ method: 'ocsp' as const, url })),
      ...crlDistributionPoints.map((url) => ({ method: 'crl' as const, url })),
    ];
    // Every answer already cached (the usual case: each new connection of a known client re-checks its chain) and none
    // "revoked": the same slots, computed without the per-step promises, closures and race below.
    const known = this.fromCache(plan, cert, issuer, now);
    if (known) return summarize(cert, known);
    // Every pointer is asked at once, within the same budget: a "good" from OCSP must not hide a CRL that lists the
    // certificate (issue 7: fail closed when they disagree). Slots keep plan order so the report reads OCSP first.
    const slots: (Slot | undefined)[] = plan.map(() => undefined);
    let revokedSeen: () => void = () => {};
    const anyRevoked = new Promise<void>((resolve) => (revokedSeen = resolve));
    const runs = plan.map(async (step, k) => {
      const t0 = Date.now();
      const remaining = Math.min(this.requestTimeoutMs, deadline - t0);
      try {
        const { result, cached } = step.method === 'ocsp' ? await this.tryOcsp(step.url, cert, issuer, remaining, now) : await this.tryCrl(step.url, cert, issuer, remaining, now);
        slots[k] = { attempt: { method: step.method, url: step.url, outcome: result.outcome, detail: result.detail, cached, ms: Date.now() - t0 }, result };
        if (result.outcome === 'revoked') revokedSeen();
      } catch (err) {
        const refused = err instanceof FetchRefused;
        slots[k] = { attempt: { method: step.method, url: step.url, outcome: refused ? 'refused' : 'error', detail: (err as Error).message, cached: false, ms: Date.now() - t0 } };
      }
    });
    // "revoked" anywhere decides at once; otherwise wait for every answer (each is bounded by the request budget).
    await Promise.race([Promise.all(runs), anyRevoked]);
    return summarize(cert, slots.filter((s): s is Slot => s !== undefined));
  }

  /**
   * The slots checkOne would fill, when every step can be answered from the caches without waiting and none says
   * "revoked" (then the async path waits for all of them too, so the report is the same); undefined otherwise.
   */
  private fromCache(plan: readonly { method: 'ocsp' | 'crl'; url: string }[], cert: RevocationSubject, issuer: RevocationSubject, now: Date): Slot[] | undefined {
    const slots: Slot[] = [];
    for (const step of plan) {
      const t0 = Date.now();
      let answer: { result: Definite; cached: boolean } | undefined;
      try {
        if (step.method === 'ocsp') answer = this.cachedOcsp(cert, issuer, now);
        else {
          const entry = this.freshCrl(step.url, now);
          answer = entry ? this.judgeCrl(entry, true, cert, issuer, now) : undefined;
        }
      } catch (err) {
        slots.push({ attempt: { method: step.method, url: step.url, outcome: 'error', detail: (err as Error).message, cached: false, ms: Date.now() - t0 } });
        continue;
      }
      if (!answer || answer.result.outcome === 'revoked') return undefined;
      slots.push({ attempt: { method: step.method, url: step.url, outcome: answer.result.outcome, detail: answer.result.detail, cached: answer.cached, ms: Date.now() - t0 }, result: answer.result });
    }
    return slots;
  }

  private shared<T>(key: string, run: () => Promise<T>): Promise<T> {
    const existing = this.inflight.get(key);
    if (existing) return existing as Promise<T>;
    const p = run().finally(() => this.inflight.delete(key));
    this.inflight.set(key, p);
    return p;
  }

  private cachedOcsp(cert: RevocationSubject, issuer: RevocationSubject, now: Date): { result: Definite; cached: boolean } | undefined {
    const hit = this.ocspCache.get(`${issuer.thumbprint}:${serialHexOf(cert.info.serial)}`);
    return hit && hit.expires > now.getTime() ? { result: fromOcsp(hit.single), cached: true } : undefined;
  }

  private freshCrl(url: string, now: Date): CachedCrl | undefined {
    const entry = this.crlCache.get(url);
    return entry && entry.crl.nextUpdate && entry.crl.nextUpdate.getTime() > now.getTime() ? entry : undefined;
  }

  private async tryOcsp(url: string, cert: RevocationSubject, issuer: RevocationSubject, timeoutMs: number, now: Date): Promise<{ result: Definite; cached: boolean }> {
    const hit = this.cachedOcsp(cert, issuer, now);
    if (hit) return hit;
    const serialHex = serialHexOf(cert.info.serial);
    const key = `${issuer.thumbprint}:${serialHex}`;
    const single = await this.shared(`ocsp ${url} ${key}`, async () => {
      const res = await fetchBounded(url, {
        method: 'POST',
        body: this.ocsp.buildRequest(cert.info.der, issuer.info.der),
        contentType: 'application/ocsp-request',
        timeoutMs: timeoutMs,
        maxBytes: this.maxBytes,
        allowNonLoopback: this.allowNonLoopback,
      });
      if (res.status !== 200) throw new AttemptError(`HTTP ${res.status}`);
      let parsed;
      try {
        parsed = this.ocsp.parseResponse(res.body);
      } catch (err) {
        throw new AttemptError(`the response is not an OCSPResponse: ${(err as Error).message}`);
      }
      if (parsed.status !== 'successful') throw new AttemptError(`the responder answered ${parsed.status}`);
      if (!parsed.verifySignature(issuer.info.der, now)) throw new AttemptError("the response's signature does not verify with the issuer or a delegated OCSP signer it issued");
      const mine = parsed.responses.filter((r) => r.serialHex === undefined || sameSerial(r.serialHex, serialHex));
      const found = mine[0];
      if (!found) throw new AttemptError(`the response does not answer for serial ${serialHex}`);
      if (found.thisUpdate.getTime() > now.getTime() + this.skewMs) throw new AttemptError(`thisUpdate ${found.thisUpdate.toISOString()} is in the future`);
      if (found.nextUpdate && found.nextUpdate.getTime() < now.getTime()) throw new AttemptError(`stale response: nextUpdate ${found.nextUpdate.toISOString()} has passed`);
      return found;
    });
    if (single.nextUpdate) this.ocspCache.set(key, { single, expires: single.nextUpdate.getTime() });
    return { result: fromOcsp(single), cached: false };
  }

  private async tryCrl(url: string, cert: RevocationSubject, issuer: RevocationSubject, timeoutMs: number, now: Date): Promise<{ result: Definite; cached: boolean }> {
    let entry = this.freshCrl(url, now);
    let cached = true;
    if (!entry) {
      cached = false;
      entry = await this.shared(`crl ${url}`, async () => {
        const res = await fetchBounded(url, { method: 'GET', timeoutMs, maxBytes: this.maxBytes, allowNonLoopback: this.allowNonLoopback });
        if (res.status !== 200) throw new AttemptError(`HTTP ${res.status}`);
        const der = res.body.subarray(0, 11).toString('latin1') === '-----BEGIN ' ? pemToDer(res.body.toString('latin1'), 'X509 CRL')[0] : res.body;
        let crl: ParsedCrl;
        try {
          if (!der) throw new Error('no X509 CRL block in the PEM');
          crl = parseCrl(der);
        } catch (err) {
          throw new AttemptError(`the response is not a CRL: ${(err as Error).message}`);
        }
        const fresh: CachedCrl = { crl, verified: new Map() };
        if (crl.nextUpdate) this.crlCache.set(url, fresh);
        return fresh;
      });
    }
    return this.judgeCrl(entry, cached, cert, issuer, now);
  }

  /** The certificate's status on a CRL in hand (throws AttemptError when the CRL cannot be used). */
  private judgeCrl(entry: CachedCrl, cached: boolean, cert: RevocationSubject, issuer: RevocationSubject, now: Date): { result: Definite; cached: boolean } {
    const { crl } = entry;
    let ok = entry.verified.get(issuer.thumbprint);
    if (ok === undefined) {
      ok = crl.verifySignature(issuer.info.der);
      entry.verified.set(issuer.thumbprint, ok);
    }
    if (!ok) throw new AttemptError(`the CRL (issuer "${formatDotnet(crl.issuer)}") is not signed by the certificate's issuer`);
    if (crl.thisUpdate.getTime() > now.getTime() + this.skewMs) throw new AttemptError(`the CRL's thisUpdate ${crl.thisUpdate.toISOString()} is in the future`);
    if (crl.nextUpdate && crl.nextUpdate.getTime() < now.getTime()) throw new AttemptError(`the CRL expired (nextUpdate ${crl.nextUpdate.toISOString()})`);
    const hit = crl.lookup(serialHexOf(cert.info.serial));
    if (hit && hit.reasonCode !== REMOVE_FROM_CRL) {
      return { result: { outcome: 'revoked', detail: `listed on the CRL since ${hit.revokedAt.toISOString()} (${hit.reason})`, revokedAt: hit.revokedAt, reason: hit.reason }, cached };
    }
    return { result: { outcome: 'good', detail: `not on the CRL (thisUpdate ${crl.thisUpdate.toISOString()})` }, cached };
  }
}

type Slot = { attempt: RevocationAttempt; result?: Definite };

/** One element's verdict from its finished attempts (plan order). */
function summarize(cert: RevocationSubject, done: readonly Slot[]): ElementRevocation {
  const attempts = done.map((s) => s.attempt);
  const revoked = done.find((s) => s.result?.outcome === 'revoked');
  if (revoked) return element(cert, revoked.result!, attempts, false, revoked.attempt.method);
  // A definite "good" from one method stands when the other fails to answer (OCSP good + CRL unreachable is good:
  // each alone is enough for .NET, and the CRL is only the fallback); a failure never overrides a "revoked" above.
  const good = done.find((s) => s.result?.outcome === 'good');
  if (good) return element(cert, good.result!, attempts, false, good.attempt.method);
  const lastUnknown = [...done].reverse().find((s) => s.result?.outcome === 'unknown')?.result;
  const offline = attempts.some((a) => a.outcome === 'error' || a.outcome === 'refused');
  const summary = attempts.map((a) => `${a.method.toUpperCase()} ${a.url}: ${a.detail}`).join('; ');
  return element(cert, { outcome: 'unknown', detail: lastUnknown && !offline ? lastUnknown.detail : `no responder gave a usable answer (${summary})` }, attempts, offline);
}

const sameSerial = (a: string, b: string): boolean => a.replace(/^(00)+/, '') === b.replace(/^(00)+/, '');

function fromOcsp(single: OcspSingleStatus): Definite {
  switch (single.certStatus) {
    case 'good':
      return { outcome: 'good', detail: 'OCSP: good' };
    case 'revoked':
      return {
        outcome: 'revoked',
        detail: `OCSP: revoked${single.revokedAt ? ` at ${single.revokedAt.toISOString()}` : ''}${single.reason ? ` (${single.reason})` : ''}`,
        revokedAt: single.revokedAt,
        reason: single.reason,
      };
    default:
      return { outcome: 'unknown', detail: 'OCSP: the responder does not know this certificate (unknown)' };
  }
}

// The .NET subject string of a chain element, formatted once per parsed name: every connection's check reports it,
// and formatting the DN again each time was a quarter of a cached (all-hits) chain check.
const subjects = new WeakMap<object, string>();
function subjectOf(cert: RevocationSubject): string {
  let text = subjects.get(cert.info.subject);
  if (text === undefined) subjects.set(cert.info.subject, (text = formatDotnet(cert.info.subject)));
  return text;
}

function element(cert: RevocationSubject, result: Definite, attempts: RevocationAttempt[], offline: boolean, source?: 'ocsp' | 'crl'): ElementRevocation {
  const flags: ChainStatusFlag[] = result.outcome === 'revoked' ? ['Revoked'] : result.outcome === 'unknown' ? (offline ? ['RevocationStatusUnknown', 'OfflineRevocation'] : ['RevocationStatusUnknown']) : [];
  return {
    thumbprint: cert.thumbprint,
    subject: subjectOf(cert),
    status: result.outcome,
    ...(source && result.outcome !== 'unknown' ? { source } : {}),
    ...(result.revokedAt ? { revokedAt: result.revokedAt } : {}),
    ...(result.reason ? { reason: result.reason } : {}),
    flags,
    detail: result.detail,
    attempts,
  };
}
