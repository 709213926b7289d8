// The seam between certgate and a real gateway (nginx, Apache httpd, HAProxy): a target-neutral description of what
// the gateway must be configured with (GatewaySetup), and the driver that turns it into that gateway's configuration,
// starts it on loopback and stops it. A runner maps a scenario's `setup` (scenarios/schema.ts) onto a GatewaySetup;
// `supports()` says, with a reason, when a gateway cannot express it (the scenario is then skipped).

import type { Pki } from '../../ca/index';

/**
 * When the gateway asks for, and how it judges, a client certificate.
 * - none: never asks;
 * - optional: asks; no certificate is fine; a certificate that fails verification is refused;
 * - optional-no-ca: asks; a certificate from an unknown CA is let through with a failed verification result;
 * - require: asks; no certificate or a failing one is refused.
 */
export const VERIFY_MODES = ['none', 'optional', 'optional-no-ca', 'require'] as const;
export type VerifyMode = (typeof VERIFY_MODES)[number];

export interface LocationSetup {
  /** URL path prefix, e.g. "/secure". */
  readonly path: string;
  /**
   * The certificate requirement for this path only. Differing from the server's `verify` means the certificate is
   * requested only when this path is hit: a TLS 1.2 renegotiation or TLS 1.3 post-handshake auth (Apache).
   */
  readonly verify: VerifyMode;
}

export type TlsVersion = '1.2' | '1.3';

export interface GatewaySetup {
  /** Verification for the whole server (first handshake). */
  readonly verify: VerifyMode;
  /** Per-path overrides, most specific first is not required (the longest prefix wins in every server). */
  readonly locations: readonly LocationSetup[];
  /** PKI names of the CA certificates the gateway trusts; undefined = the trusted roots and the intermediates below them. */
  readonly trustedCas?: readonly string[];
  /** PKI name of the server certificate (its chain is sent). */
  readonly serverCertificate: string;
  /** Load a CRL file holding a CRL for every CA of the PKI (the chain is checked). */
  readonly crl: boolean;
  /** Ask the client certificate's OCSP responder (its AIA URL): off, the leaf only, or the whole chain. */
  readonly ocsp: 'off' | 'leaf' | 'chain';
  readonly http2: boolean;
  readonly tlsMin: TlsVersion;
  readonly tlsMax: TlsVersion;
  /**
   * SSLVerifyDepth / ssl_verify_depth / (HAProxy: OpenSSL's own limit). undefined = the gateway's own default, which is 1
   * in nginx and Apache: too short for a leaf under an intermediate in Apache (AH02040 "Certificate Chain too long").
   */
  readonly verifyDepth?: number;
  /** Apache SSLRenegBufferSize for the per-path locations; undefined = Apache's default. Meaningless elsewhere. */
  readonly renegotiationBufferBytes?: number;
  /**
   * Report the client certificate to the caller the way certgate's policy library does (scenarios/policy-library.yaml):
   * the response header `x-certgate-client-thumbprint` = SHA-1 of the certificate DER in hex, or "none". Off (the
   * default): the header says "none", as behind an APIM policy that never reads the certificate.
   */
  readonly forwardCertificate?: boolean;
}

/**
 * A setup with every default filled: nothing asked, TLS 1.2–1.3, HTTP/1.1 only, no revocation checks, chains up to
 * 4 CAs deep (as a gateway that accepts the PKI's long chain would be configured; pass verifyDepth: undefined for the
 * server's own default).
 */
export function gatewaySetup(partial: Partial<GatewaySetup> = {}): GatewaySetup {
  return {
    verify: 'none',
    locations: [],
    serverCertificate: 'server',
    crl: false,
    ocsp: 'off',
    http2: false,
    tlsMin: '1.2',
    tlsMax: '1.3',
    verifyDepth: 4,
    ...partial,
  };
}

export interface StartOptions {
  /** Parent directory for the gateway's temporary directory (default os.tmpdir()). */
  readonly workDir?: string;
  readonly host?: '127.0.0.1';
  /** Binary to run instead of the one found on PATH (`--gateway-bin`). */
  readonly binary?: string;
  /** Readiness bound (default 10 s). */
  readonly readyTimeoutMs?: number;
  /** Keep the generated directory after stop (for debugging). */
  readonly keepWorkDir?: boolean;
  /** Run the gateway inside a container of the local gateway image instead of on the host (`--target container:<driver>`). */
  readonly container?: boolean;
}

export interface RunningGateway {
  readonly name: string;
  /** https://127.0.0.1:<port> */
  readonly url: string;
  readonly port: number;
  /** The generated configuration, for reports and debugging (no key material). */
  readonly config: string;
  /** Stops the process (TERM, then KILL after a bound) and removes the temporary directory. Idempotent. */
  stop(): Promise<void>;
  /** The gateway's logs so far (error log, access log, stdout/stderr); still available after stop. */
  logs(): string;
}

export type Detection = { readonly binary: string; readonly version: string } | { readonly unavailable: string };

export interface GatewayDriver {
  readonly name: 'nginx' | 'apache' | 'haproxy';
  detect(binary?: string): Promise<Detection>;
  supports(setup: GatewaySetup): true | { readonly reason: string };
  start(setup: GatewaySetup, pki: Pki, opts?: StartOptions): Promise<RunningGateway>;
}

/**
 * What every driver's echo location answers (JSON). Values are the gateway's own, normalised only where noted.
 * `bodyBytes` counts the bytes of the request body the gateway actually read before answering.
 */
export interface EchoResponse {
  readonly gateway: string;
  /** Normalised verification result. */
  readonly verify: 'SUCCESS' | 'NONE' | 'FAILED';
  /** The gateway's own result: nginx/Apache "FAILED:reason", HAProxy the numeric X509 error code. */
  readonly verifyDetail: string;
  /** The subject DN as the gateway formats it (RFC 2253 here), or null (no certificate, or not expressible). */
  readonly subject: string | null;
  readonly issuer: string | null;
  /** Serial number, upper-case hex. */
  readonly serial: string | null;
  /** SHA-1 of the certificate DER, upper-case hex (the .NET thumbprint). */
  readonly thumbprint: string | null;
  readonly method: string;
  readonly path: string;
  /** "HTTP/1.1" or "HTTP/2.0" as the gateway names it. */
  readonly httpVersion: string;
  readonly tlsVersion: string;
  readonly contentLength: number | null;
  readonly bodyBytes: number;
}

/** Parses an echo body; throws with the text when it is not the echo shape (a gateway error page, say). */
export function parseEcho(text: string): EchoResponse {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new Error(`not an echo response (not JSON): ${text.slice(0, 200)}`);
  }
  const o = v as Record<string, unknown>;
  if (!o || typeof o !== 'object' || typeof o.gateway !== 'string' || !['SUCCESS', 'NONE', 'FAILED'].includes(o.verify as string))
    throw new Error(`not an echo response (missing gateway/verify): ${text.slice(0, 200)}`);
  const str = (k: string) => (o[k] === null || o[k] === undefined || o[k] === '' ? null : String(o[k]));
  const num = (k: string) => (o[k] === null || o[k] === undefined || o[k] === '' ? null : Number(o[k]));
  return {
    gateway: o.gateway as string,
    verify: o.verify as EchoResponse['verify'],
    verifyDetail: String(o.verifyDetail ?? ''),
    subject: str('subject'),
    issuer: str('issuer'),
    serial: str('serial')?.toUpperCase() ?? null,
    thumbprint: str('thumbprint')?.replace(/:/g, '').toUpperCase() ?? null,
    method: String(o.method ?? ''),
    path: String(o.path ?? ''),
    httpVersion: String(o.httpVersion ?? ''),
    tlsVersion: String(o.tlsVersion ?? ''),
    contentLength: num('contentLength'),
    bodyBytes: num('bodyBytes') ?? 0,
  };
}

/** Checks a setup for mistakes no gateway could make sense of; returns the problems (empty = fine). */
export function setupProblems(setup: GatewaySetup): string[] {
  const problems: string[] = [];
  if (!VERIFY_MODES.includes(setup.verify)) problems.push(`verify: "${setup.verify}" is not one of ${VERIFY_MODES.join(', ')}`);
  setup.locations.forEach((l, i) => {
    if (!/^\/[A-Za-z0-9._~\-/]*$/.test(l.path)) problems.push(`locations[${i}].path: "${l.path}" must start with / and use only URL path characters`);
    if (!VERIFY_MODES.includes(l.verify)) problems.push(`locations[${i}].verify: "${l.verify}" is not one of ${VERIFY_MODES.join(', ')}`);
  });
  if (setup.tlsMin > setup.tlsMax) problems.push(`tlsMin ${setup.tlsMin} is above tlsMax ${setup.tlsMax}`);
  if (setup.renegotiationBufferBytes !== undefined && !(Number.isInteger(setup.renegotiationBufferBytes) && setup.renegotiationBufferBytes >= 0))
    problems.push(`renegotiationBufferBytes: expected a non-negative integer, got ${setup.renegotiationBufferBytes}`);
  if (setup.verifyDepth !== undefined && !(Number.isInteger(setup.verifyDepth) && setup.verifyDepth >= 0))
    problems.push(`verifyDepth: expected a non-negative integer, got ${setup.verifyDepth}`);
  if (setup.verify === 'none' && setup.locations.every((l) => l.verify === 'none') && (setup.crl || setup.ocsp !== 'off'))
    problems.push('crl/ocsp: revocation checks need a verify mode other than none somewhere');
  return problems;
}

/** Throws one error listing every problem of the setup. */
export function assertValidSetup(driver: string, setup: GatewaySetup): void {
  const problems = setupProblems(setup);
  if (problems.length) throw new Error(`${driver}: invalid gateway setup:\n  ${problems.join('\n  ')}`);
}

/** True when some location asks for something the first handshake did not (needs renegotiation / PHA). */
export function needsPerLocationVerify(setup: GatewaySetup): boolean {
  return setup.locations.some((l) => l.verify !== setup.verify);
}
