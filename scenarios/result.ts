// The record a conformance run produces: the seam between scenarios/ (which fills it) and reports/ (which renders
// it). Versioned: reports/ exports it as JSON Schema; bump RESULT_SCHEMA_VERSION on any incompatible change.

export const RESULT_SCHEMA_VERSION = '1.0';

/**
 * What happened on the wire, as the client saw it. The lists below are the one source for these unions: the
 * scenario schema and the report schema both build their enums from them.
 */
export const OUTCOME_CLASSES = [
  'response', // a complete HTTP response
  'stall', // no progress for the stall window and no complete response
  'tls-error', // the TLS layer failed (alert, handshake failure)
  'reset', // the connection or stream was reset / closed without a response (incl. RST_STREAM)
  'response-before-body-sent', // a response arrived while the upload was still stuck
  'timeout', // the hard timeout fired (stall detection did not decide)
  'setup-rejected', // the gateway (or its management plane) refused the configuration the scenario needs
] as const;
export type OutcomeClass = (typeof OUTCOME_CLASSES)[number];

export const VERDICTS = [
  'pass',
  'fail',
  'expected-failure', // failed, and listed in the expected-failures file
  'unexpected-pass', // passed, but listed as expected to fail: fails the run
  'skipped', // not run; skipReason says why (every report shows it)
  'error', // the harness itself could not run the scenario (infrastructure)
] as const;
export type Verdict = (typeof VERDICTS)[number];

/** How sure the documentation is about the expected behaviour (apim-behaviour.md tags). */
export const CONFIDENCES = ['DOC', 'OBS', 'SPEC', 'INF', 'undocumented'] as const;
export type Confidence = (typeof CONFIDENCES)[number];

export interface Citation {
  /** e.g. "MTLS-PAGE", or a URL of another server's documentation. */
  readonly page: string;
  readonly section?: string;
  /** Fact id in apim-behaviour.md, e.g. "1.classic-negotiate-off". */
  readonly fact?: string;
}

export interface TimelinePoint {
  /** Milliseconds since the scenario's first connect. */
  readonly at: number;
  /** connect, tls-handshake, renegotiation, request-sent, bytes-sent, bytes-received, response, stall, error, … */
  readonly kind: string;
  /** Cumulative body bytes accepted by the kernel at this point. */
  readonly bytesSent?: number;
  /** Cumulative raw bytes read from the socket at this point. */
  readonly bytesReceived?: number;
  readonly detail?: Readonly<Record<string, unknown>>;
}

export interface Expectation {
  /** One or several acceptable outcomes (several where the documentation leaves a choice). */
  readonly outcome: readonly OutcomeClass[];
  readonly status?: readonly number[];
  readonly backendSawCertificate?: boolean;
  /** Thumbprint the backend must have seen, when it matters. */
  readonly certificateThumbprint?: string;
  readonly lastErrorReason?: string;
  readonly confidence: Confidence;
  /** Free text: what the documentation says, in our own words. */
  readonly note?: string;
  /** Manifest name of the certificate the backend must have seen (certificateThumbprint once resolved). */
  readonly certificateName?: string;
  /** Whether the client must (true) or must not (false) see a TLS renegotiation. */
  readonly renegotiationSeen?: boolean;
  /** HTTP version the response must come over ('1.1' or '2'). */
  readonly httpVersion?: '1.1' | '2';
  /** Error code the client must see (e.g. '0xd' for RST_STREAM HTTP_1_1_REQUIRED). */
  readonly errorCode?: string;
  /**
   * Where the documentation allows several behaviours: each one named; the observation passes when it matches any
   * (the top-level fields then hold the union, for display). The chosen one is recorded as alternativeChosen.
   */
  readonly alternatives?: readonly ExpectedAlternative[];
}

/** One acceptable behaviour among several (Expectation.alternatives). */
export interface ExpectedAlternative extends Omit<Expectation, 'alternatives' | 'confidence'> {
  readonly name: string;
}

export interface Observation {
  readonly outcome: OutcomeClass;
  readonly status?: number;
  readonly statusText?: string;
  readonly backendSawCertificate?: boolean;
  readonly certificateThumbprint?: string;
  readonly lastErrorReason?: string;
  /** Where the profile accepts alternatives: which one the gateway chose (recorded, never judged). */
  readonly alternativeChosen?: string;
  /** Error code from the client stack (ECONNRESET, ERR_SSL_…, curl exit code, …). */
  readonly errorCode?: string;
  readonly durationMs: number;
  /** The gateway's request id (x-certgate-request-id) when it sent one. */
  readonly requestId?: string;
  /** The client saw a second TLS handshake on the connection. */
  readonly renegotiationSeen?: boolean;
  /** HTTP version of the response ('1.1' or '2'). */
  readonly httpVersion?: '1.1' | '2';
  /** Negotiated TLS version ('TLSv1.2', 'TLSv1.3'). */
  readonly tlsVersion?: string;
}

export interface ScenarioResult {
  readonly id: string;
  readonly title: string;
  /** First segments of the id, used to group (JUnit testsuite, HTML sections). */
  readonly namespace: string;
  readonly tags: readonly string[];
  readonly importance?: 'critical' | 'high' | 'normal' | 'low';
  readonly citation: Citation;
  readonly profile: string;
  readonly target: string;
  readonly expected?: Expectation;
  readonly observed?: Observation;
  readonly verdict: Verdict;
  readonly skipReason?: string;
  /** Why it failed or errored, in one line. */
  readonly message?: string;
  readonly startedAt: string;
  readonly durationMs: number;
  readonly clientTimeline: readonly TimelinePoint[];
  readonly serverTimeline?: readonly TimelinePoint[];
}

export interface RunMetadata {
  readonly certgateVersion: string;
  readonly target: string;
  readonly profile: string;
  readonly seed: number;
  readonly node: string;
  readonly openssl: string;
  readonly startedAt: string;
  readonly durationMs: number;
  readonly selection?: string;
  readonly shard?: string;
}

export interface RunReport {
  readonly schemaVersion: typeof RESULT_SCHEMA_VERSION;
  readonly metadata: RunMetadata;
  readonly results: readonly ScenarioResult[];
  readonly totals: Readonly<Record<Verdict, number>> & { readonly total: number };
}
