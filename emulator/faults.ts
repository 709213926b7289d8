// Fault switches (emulation.faults, TEST ONLY): each one makes the emulator break one documented behaviour on
// purpose, so test/broken-emulator.test.ts can prove the conformance catalogue notices a gateway that gets it wrong.
// Never set them in a configuration meant to behave like APIM. The decision points (planner, certificate model,
// validate-client-certificate, expression equality, TLS front) ask the helpers below; with no faults they are no-ops.

export const FAULT_NAMES = [
  /** Classic/self-hosted: behave as if hostnameConfigurations[].negotiateClientCertificate were on (§1). */
  'ignore-negotiate-setting',
  /** Revocation checks always pass (validate-client-certificate validate-revocation, Verify()) (§4, §5). */
  'skip-revocation',
  /** Validity-date checks always pass (not-before / not-after, Verify()) (§4, §5). */
  'accept-expired',
  /** A body beyond the renegotiation buffer is read whole, then renegotiated: the deadlock never happens (§3). */
  'never-deadlock',
  /** `==` / `!=` on a `.Thumbprint` in a policy expression ignore case (C# string == is ordinal) (§5). */
  'case-insensitive-thumbprint-expressions',
  /** TLS 1.3 / HTTP/2 get a certificate anyway (asked for in the first handshake) instead of null (§2). */
  'renegotiate-on-tls13-h2',
  /** validate-client-certificate failures answer 403 instead of the documented 401 (§4). */
  'wrong-status-on-validate-failure',
] as const;

export type FaultName = (typeof FAULT_NAMES)[number];

/** The faults switched on; empty (the correct emulator) by default. */
export type Faults = ReadonlySet<FaultName>;

export const NO_FAULTS: Faults = new Set<FaultName>();

export const faultSet = (names: readonly FaultName[] | undefined): Faults => (names && names.length > 0 ? new Set(names) : NO_FAULTS);

export const hasFault = (faults: Faults | undefined, name: FaultName): boolean => faults?.has(name) ?? false;

/** The negotiate setting the planner and the TLS front act on. */
export const effectiveNegotiate = (negotiate: boolean, faults: Faults | undefined): boolean =>
  negotiate || hasFault(faults, 'ignore-negotiate-setting');

/**
 * Whether the TLS front asks for a certificate in the first handshake. With renegotiate-on-tls13-h2 it asks on every
 * connection of a front that can speak TLS 1.3 or h2 (Node cannot renegotiate there, and renegotiate() on an h2
 * session aborts the process); keepsHandshakeCertificate then drops what a TLS 1.2 HTTP/1.1 connection sent, so
 * only the TLS 1.3 / h2 connections misbehave.
 */
export const handshakeRequestsCertificate = (requested: boolean, front: { http2: boolean; tls13: boolean }, faults: Faults | undefined): boolean =>
  requested || (hasFault(faults, 'renegotiate-on-tls13-h2') && (front.http2 || front.tls13));

/** Whether a certificate received in the first handshake stays on the connection (see handshakeRequestsCertificate). */
export const keepsHandshakeCertificate = (requested: boolean, conn: { tlsVersion: string | null; alpn: string | false | null }): boolean =>
  requested || conn.tlsVersion === 'TLSv1.3' || conn.alpn === 'h2';

/** The revocation check validate() performs. */
export const revocationCheck = (checkRevocation: boolean, faults: Faults | undefined): boolean => checkRevocation && !hasFault(faults, 'skip-revocation');

/** The status a failed validate-client-certificate answers with (documented: 401). */
export const validateFailureStatus = (documented: number, faults: Faults | undefined): number =>
  hasFault(faults, 'wrong-status-on-validate-failure') ? 403 : documented;
