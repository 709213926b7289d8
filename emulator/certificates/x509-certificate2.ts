// .NET's X509Certificate2 as APIM policy expressions see it (`context.Request.Certificate`,
// `context.Deployment.Certificates[...]`), apim-behaviour.md §5: the string members in .NET's formats, and Verify() /
// VerifyNoRevocation() over the chain the instance's CA certificates allow (chain-builder.ts), with revocation
// fetched beforehand by `prepare()` because C# expressions are synchronous and HTTP is not.

import { parseCertificate, serialHexOf, thumbprintOf, type CertificateInfo } from '../../ca/certificate-info';
import { pemToDer } from '../../ca/der';
import { formatDotnet } from '../../ca/dn';
import { OID } from '../../ca/oids';
import { HOST_OBJECT, NO_SUCH_MEMBER, type HostObject } from '../expressions/host';
import { CsEnumValue } from '../expressions/runtime/enums';
import type { RecordEvent } from '../pipeline/contract';
import { buildChain, timeProblems, type BuiltChain, type ChainProblem } from './chain-builder';
import { hasFault, revocationCheck, type Faults } from '../faults';
import { RevocationChecker, type RevocationReport } from './revocation-checker';
import { TrustStore } from './trust-store';
import { X500DistinguishedName } from './x500-distinguished-name';
import { toDotnetDateTime, formatDotnetDate } from './dotnet-date';

/** validate-client-certificate's failure reasons (apim-behaviour.md §4). */
export type CertificateFailureReason = 'ClientCertificateNotTrusted' | 'ClientCertificateExpired' | 'ClientCertificateNotYetValid' | 'ClientCertificateRevoked';

export interface ValidateOptions {
  readonly checkTrust: boolean;
  readonly checkNotBefore: boolean;
  readonly checkNotAfter: boolean;
  readonly checkRevocation: boolean;
  readonly now?: Date;
}

export type ValidationResult =
  | { readonly ok: true }
  | { readonly ok: false; readonly reason: CertificateFailureReason; readonly message: string; readonly detail: string; readonly revocationDetail?: string };

export interface CertificateSummary {
  readonly subject: string;
  readonly issuer: string;
  readonly thumbprint: string;
  readonly serialNumber: string;
  readonly notBefore: string;
  readonly notAfter: string;
}

export interface CertificateOptions {
  /** The instance's CA certificates (default: none, as on the consumption tier). */
  readonly trustStore?: TrustStore;
  /** True for an uploaded PFX (context.Deployment.Certificates); default false. */
  readonly hasPrivateKey?: boolean;
  /** Default "" (what .NET reports for a certificate not loaded from a Windows store). */
  readonly friendlyName?: string;
  /** Test-only fault switches (emulator/faults.ts): accept-expired, skip-revocation. */
  readonly faults?: Faults;
}

export interface PrepareOptions {
  /** The instance's CA certificates; replaces the one given at construction. */
  readonly trustStore?: TrustStore;
  /** A shared checker (its cache is what makes repeat look-ups cheap). Default: one per process, default limits. */
  readonly revocation?: RevocationChecker;
  /** Timeline sink: receives one `revocation-check` event. */
  readonly record?: RecordEvent;
}

// Messages: NotTrusted is observed (apim-behaviour.md §4, OBS). The others are not documented anywhere we found —
// INF, worded after the reason names. ClientCertificateRevoked itself is INF (no observed reason for revoked).
const MESSAGES: Readonly<Record<CertificateFailureReason, string>> = {
  ClientCertificateNotTrusted: 'A certificate chain could not be built to a trusted root authority.',
  ClientCertificateExpired: 'Certificate has expired.', // INF
  ClientCertificateNotYetValid: 'Certificate is not yet valid.', // INF
  ClientCertificateRevoked: 'Certificate has been revoked or its revocation status could not be determined.', // INF
};

let sharedChecker: RevocationChecker | undefined;

/** X509NameType as .NET numbers it. */
const NAME_TYPES = ['SimpleName', 'EmailName', 'UpnName', 'DnsName', 'DnsFromAlternativeName', 'UrlName'] as const;

/** An X509NameType argument: the runtime's enum value (CsEnumValue), its number, or its member name. */
function nameTypeOf(arg: unknown): (typeof NAME_TYPES)[number] | undefined {
  if (arg instanceof CsEnumValue) return arg.typeName === 'X509NameType' ? NAME_TYPES.find((t) => t === arg.name) : undefined;
  if (typeof arg === 'number') return NAME_TYPES[arg];
  return NAME_TYPES.find((t) => t === String(arg).replace(/^X509NameType\./, ''));
}

const VALID: ValidationResult = Object.freeze({ ok: true });

function failure(reason: CertificateFailureReason, detail: string, revocationDetail?: string): ValidationResult {
  return { ok: false, reason, message: MESSAGES[reason], detail, ...(revocationDetail !== undefined ? { revocationDetail } : {}) };
}

/** Every CA of the chain (index > 0) within its validity period at t (the leaf's dates are checked on their own). */
function casInTime(chain: BuiltChain, t: number): boolean {
  const elements = chain.elements;
  for (let i = 1; i < elements.length; i++) {
    const info = elements[i]!.info;
    if (info.notBefore.getTime() > t || info.notAfter.getTime() < t) return false;
  }
  return true;
}

export class X509Certificate2 implements HostObject {
  readonly [HOST_OBJECT] = true as const;
  readonly typeName = 'X509Certificate2';
  readonly info: CertificateInfo;
  readonly thumbprint: string;
  readonly serialNumber: string;
  readonly subject: string;
  readonly issuer: string;
  readonly subjectName: X500DistinguishedName;
  readonly issuerName: X500DistinguishedName;
  /** Certificates the client sent after the leaf in the TLS handshake (parsed; unparseable ones are dropped). */
  readonly presented: readonly CertificateInfo[];
  private trustStore: TrustStore;
  private readonly chains = new WeakMap<TrustStore, BuiltChain>();
  private revocationReport?: RevocationReport;
  /** Why the last Verify()/VerifyNoRevocation()/validate() failed, for the timeline; undefined after a success. */
  lastFailure?: { readonly reason: CertificateFailureReason; readonly detail: string };

  /** Uploaded PFX certificates (context.Deployment.Certificates) carry a key; client certificates never do. */
  readonly hasPrivateKey: boolean;
  readonly friendlyName: string;
  private readonly faults?: Faults;
  /** The leaf's validity period in epoch ms, read once: validate() compares the clock against them per request. */
  private readonly notBeforeMs: number;
  private readonly notAfterMs: number;

  private constructor(info: CertificateInfo, presented: readonly CertificateInfo[], options: CertificateOptions) {
    this.info = info;
    this.thumbprint = thumbprintOf(info.der);
    this.serialNumber = serialHexOf(info.serial);
    this.subject = formatDotnet(info.subject);
    this.issuer = formatDotnet(info.issuer);
    this.subjectName = new X500DistinguishedName(info.subject, info.subjectDer);
    this.issuerName = new X500DistinguishedName(info.issuer, info.issuerDer);
    this.presented = presented.filter((p) => !p.der.equals(info.der));
    this.trustStore = options.trustStore ?? TrustStore.empty();
    this.hasPrivateKey = options.hasPrivateKey ?? false;
    this.friendlyName = options.friendlyName ?? '';
    this.faults = options.faults;
    this.notBeforeMs = info.notBefore.getTime();
    this.notAfterMs = info.notAfter.getTime();
  }

  /** From DER; `presentedChain` are the other certificates of the TLS Certificate message, leaf excluded or not. */
  static fromDer(der: Buffer, presentedChain: readonly Buffer[] = [], options: CertificateOptions = {}): X509Certificate2 {
    const info = parseCertificate(der);
    const presented = presentedChain.flatMap((d) => {
      try {
        return [parseCertificate(d)];
      } catch {
        return []; // a garbage extra certificate cannot help build a chain; the leaf is what matters
      }
    });
    return new X509Certificate2(info, presented, options);
  }

  /** The first certificate of a PEM text, or DER bytes. */
  static fromPem(pemOrDer: string | Buffer, options: CertificateOptions = {}): X509Certificate2 {
    return X509Certificate2.fromDer(certificateDer(pemOrDer), [], options);
  }

  get notBefore(): Date {
    return this.info.notBefore;
  }

  get notAfter(): Date {
    return this.info.notAfter;
  }

  get rawData(): Buffer {
    return this.info.der;
  }

  /** The chain for the current trust store (memoised: it does not depend on the clock). */
  chain(): BuiltChain {
    let built = this.chains.get(this.trustStore);
    if (!built) {
      built = buildChain(this.info, this.presented, this.trustStore);
      this.chains.set(this.trustStore, built);
    }
    return built;
  }

  /** What Verify() will read: revocation status of the chain, fetched within the checker's bounds. Never throws. */
  async prepare(options: PrepareOptions = {}): Promise<RevocationReport> {
    if (options.trustStore) this.trustStore = options.trustStore;
    const checker = options.revocation ?? (sharedChecker ??= new RevocationChecker());
    const report = await checker.checkChain(this.chain().elements);
    this.revocationReport = report;
    options.record?.({
      kind: 'revocation-check',
      detail: {
        thumbprint: this.thumbprint,
        status: report.status,
        detail: report.detail,
        durationMs: report.durationMs,
        elements: report.elements.map((e) => ({
          subject: e.subject,
          status: e.status,
          source: e.source,
          flags: e.flags,
          detail: e.detail,
          attempts: e.attempts.map((a) => ({ method: a.method, url: a.url, outcome: a.outcome, detail: a.detail, cached: a.cached, ms: a.ms })),
        })),
      },
    });
    return report;
  }

  get revocation(): RevocationReport | undefined {
    return this.revocationReport;
  }

  /**
   * The detailed checks validate-client-certificate needs. Order (INF): not-before, not-after, trust, revocation.
   * `nowMs` (epoch ms) takes precedence over `opts.now`: a caller checking request after request passes the same
   * (shared) options and the clock as a number — no Date and no options object per call.
   */
  validate(opts: ValidateOptions, nowMs?: number): ValidationResult {
    const t = nowMs ?? (opts.now ?? new Date()).getTime();
    const result = this.runChecks(opts, t);
    this.lastFailure = result.ok ? undefined : { reason: result.reason, detail: result.detail };
    return result;
  }

  // Called on every request that validates (kept-alive connections re-check each time): no closure, no option
  // spreading, and the chain's dates checked in place — the per-call allocations were most of its cost.
  private runChecks(requested: ValidateOptions, t: number): ValidationResult {
    // The accept-expired fault (faults.ts) turns both date checks off; tested inline, without an object per call.
    const acceptExpired = hasFault(this.faults, 'accept-expired');
    if (requested.checkNotBefore && !acceptExpired && this.notBeforeMs > t) {
      return failure('ClientCertificateNotYetValid', `the certificate is not valid before ${this.info.notBefore.toISOString()}`);
    }
    if (requested.checkNotAfter && !acceptExpired && this.notAfterMs < t) {
      return failure('ClientCertificateExpired', `the certificate expired at ${this.info.notAfter.toISOString()}`);
    }
    if (requested.checkTrust) {
      const chain = this.chain();
      // The leaf's own dates are the two checks above; an expired or not-yet-valid CA breaks trust.
      if (chain.problems.length > 0 || !casInTime(chain, t)) {
        const problems: ChainProblem[] = [...chain.problems, ...timeProblems(chain, new Date(t)).filter((p) => p.index > 0)];
        if (problems.length > 0) return failure('ClientCertificateNotTrusted', problems.map((p) => `${p.flag}: ${p.message}`).join('; '));
      }
    }
    if (revocationCheck(requested.checkRevocation, this.faults)) {
      const report = this.revocationReport;
      if (!report) return failure('ClientCertificateRevoked', 'revocation status not prepared', 'revocation status not prepared');
      if (report.status !== 'good') {
        const flags = [...new Set(report.elements.flatMap((e) => e.flags))].join(', ');
        return failure('ClientCertificateRevoked', `${flags}: ${report.detail}`, report.detail);
      }
    }
    return VALID;
  }

  /** X509Certificate2.Verify(): chain to a trusted root, every element in its validity period, revocation online. */
  verify(now?: Date): boolean {
    return this.validate({ checkTrust: true, checkNotBefore: true, checkNotAfter: true, checkRevocation: true, now }).ok;
  }

  /** APIM's VerifyNoRevocation(): Verify() without the revocation check (apim-behaviour.md §5). */
  verifyNoRevocation(now?: Date): boolean {
    return this.validate({ checkTrust: true, checkNotBefore: true, checkNotAfter: true, checkRevocation: false, now }).ok;
  }

  /** X509Certificate2.GetNameInfo(nameType, forIssuer), for the types that need only the name and SAN. */
  getNameInfo(nameType: (typeof NAME_TYPES)[number], forIssuer: boolean): string {
    const dn = forIssuer ? this.info.issuer : this.info.subject;
    const first = (type: string) => [...dn].reverse().flat().find((a) => a.type === type)?.value;
    const san = (type: 'dns' | 'email' | 'uri') => (forIssuer ? undefined : this.info.subjectAltNames.find((n) => n.type === type)?.value);
    switch (nameType) {
      case 'SimpleName': // CertGetNameString SIMPLE_DISPLAY: CN, else OU, O, then e-mail
        return first(OID.commonName) ?? first(OID.organizationalUnitName) ?? first(OID.organizationName) ?? first(OID.emailAddress) ?? san('email') ?? '';
      case 'EmailName':
        return san('email') ?? first(OID.emailAddress) ?? '';
      case 'DnsName':
        return san('dns') ?? first(OID.commonName) ?? '';
      case 'DnsFromAlternativeName':
        return san('dns') ?? '';
      case 'UrlName':
        return san('uri') ?? '';
      case 'UpnName':
        return ''; // otherName UPN is not decoded by the certificate parser
    }
  }

  /** A JSON-safe summary for the echo backend and timelines. */
  describe(): CertificateSummary {
    return {
      subject: this.subject,
      issuer: this.issuer,
      thumbprint: this.thumbprint,
      serialNumber: this.serialNumber,
      notBefore: this.info.notBefore.toISOString(),
      notAfter: this.info.notAfter.toISOString(),
    };
  }

  getMember(name: string): unknown {
    switch (name) {
      case 'Subject':
        return this.subject;
      case 'Issuer':
        return this.issuer;
      case 'SubjectName':
        return this.subjectName;
      case 'IssuerName':
        return this.issuerName;
      case 'Thumbprint':
        return this.thumbprint;
      case 'SerialNumber':
        return this.serialNumber;
      case 'NotBefore':
        return toDotnetDateTime(this.info.notBefore);
      case 'NotAfter':
        return toDotnetDateTime(this.info.notAfter);
      case 'Version':
        return this.info.version;
      case 'FriendlyName':
        return this.friendlyName;
      case 'HasPrivateKey':
        return this.hasPrivateKey;
      case 'Archived':
        return false;
      case 'RawData':
        return Uint8Array.from(this.info.der);
      default:
        return NO_SUCH_MEMBER;
    }
  }

  invoke(name: string, args: readonly unknown[]): unknown {
    const none = args.length === 0;
    switch (name) {
      case 'Verify':
        return none ? this.verify() : NO_SUCH_MEMBER;
      case 'VerifyNoRevocation':
        return none ? this.verifyNoRevocation() : NO_SUCH_MEMBER;
      case 'ToString':
        return args.length === 0 || (args.length === 1 && typeof args[0] === 'boolean') ? this.toString() : NO_SUCH_MEMBER;
      case 'GetNameInfo': {
        if (args.length !== 2 || typeof args[1] !== 'boolean') return NO_SUCH_MEMBER;
        const type = nameTypeOf(args[0]);
        if (!type) throw new RangeError(`GetNameInfo: unknown X509NameType ${String(args[0])}`);
        return this.getNameInfo(type, args[1]);
      }
      case 'GetCertHashString':
        return none ? this.thumbprint : NO_SUCH_MEMBER;
      case 'GetSerialNumberString':
        return none ? this.serialNumber : NO_SUCH_MEMBER;
      case 'GetEffectiveDateString':
        return none ? formatDotnetDate(this.info.notBefore) : NO_SUCH_MEMBER;
      case 'GetExpirationDateString':
        return none ? formatDotnetDate(this.info.notAfter) : NO_SUCH_MEMBER;
      case 'Equals':
        return args.length === 1 ? args[0] instanceof X509Certificate2 && args[0].info.der.equals(this.info.der) : NO_SUCH_MEMBER;
      default:
        return NO_SUCH_MEMBER;
    }
  }

  /** X509Certificate.ToString(true), which X509Certificate2.ToString() prints (dotnet/runtime), CRLF as on Windows. */
  toString(): string {
    const block = (title: string, value: string) => `[${title}]\r\n  ${value}\r\n`;
    return [
      block('Subject', this.subject),
      block('Issuer', this.issuer),
      block('Serial Number', this.serialNumber),
      block('Not Before', formatDotnetDate(this.info.notBefore)),
      block('Not After', formatDotnetDate(this.info.notAfter)),
      block('Thumbprint', this.thumbprint),
    ].join('\r\n');
  }
}

/** DER of the first CERTIFICATE in a PEM text, or the bytes themselves when they are DER. */
export function certificateDer(pemOrDer: string | Buffer): Buffer {
  const text = typeof pemOrDer === 'string' ? pemOrDer : pemOrDer.subarray(0, 64).toString('latin1').includes('-----BEGIN') ? pemOrDer.toString('latin1') : undefined;
  if (text === undefined) return pemOrDer as Buffer;
  const der = pemToDer(text, 'CERTIFICATE')[0];
  if (!der) throw new Error('no "-----BEGIN CERTIFICATE-----" block in the PEM text');
  return der;
}

/** Convenience: an X509Certificate2 from PEM text or DER bytes. */
export const fromPem = (pemOrDer: string | Buffer, options: CertificateOptions = {}): X509Certificate2 => X509Certificate2.fromPem(pemOrDer, options);
