// The pure decision at the heart of the front: from the tier, its settings and what is known about one request
// (ALPN protocol, TLS version, method, body framing, what the policies read, what the connection already holds),
// decide how the client certificate is obtained and how the body is handled. No sockets here: tls-server.ts
// carries the plan out, and every branch below cites the apim-behaviour.md row it encodes.

import { effectiveNegotiate, hasFault, type Faults } from '../faults';

export type Sku =
  | 'developer' | 'basic' | 'standard' | 'premium'
  | 'consumption' | 'basicv2' | 'standardv2' | 'premiumv2'
  | 'selfhosted';

export type TierFamily = 'classic' | 'consumption' | 'v2' | 'selfhosted';

export function tierFamily(sku: Sku): TierFamily {
  switch (sku) {
    case 'consumption': return 'consumption';
    case 'basicv2': case 'standardv2': case 'premiumv2': return 'v2';
    case 'selfhosted': return 'selfhosted';
    default: return 'classic';
  }
}

/** What the timeout of a stalled renegotiation yields (apim-behaviour §3: freeze, 403 after a timeout, or null). */
export type RenegotiationTimeoutOutcome = 'freeze' | '403' | 'null-certificate';
/** What h2 with negotiate off yields (apim-behaviour §2, INF). */
export type H2WithoutNegotiate = 'null-certificate' | 'http-1.1-required';
/** What a call without a certificate gets where one is required on every call (consumption; §1 OBS, exact answer INF). */
export type MissingRequiredCertificate = '403' | 'tls-handshake-failure';

export interface TierSettings {
  readonly sku: Sku;
  /** hostnameConfigurations[].negotiateClientCertificate (classic, self-hosted). */
  readonly negotiateClientCertificate: boolean;
  /** Service-level enableClientCertificate (consumption, v2). */
  readonly enableClientCertificate: boolean;
  readonly renegotiationBufferBytes: number;
  readonly onRenegotiationTimeout: RenegotiationTimeoutOutcome;
  readonly h2WithoutNegotiate: H2WithoutNegotiate;
  readonly missingRequiredCertificate: MissingRequiredCertificate;
  /** Test-only fault switches (emulator/faults.ts); absent = none. */
  readonly faults?: Faults;
}

/** Whether the first handshake carries a CertificateRequest (§1: negotiate on / enableClientCertificate). */
export function requestsCertificateInHandshake(s: Pick<TierSettings, 'sku' | 'negotiateClientCertificate' | 'enableClientCertificate' | 'faults'>): boolean {
  const family = tierFamily(s.sku);
  return family === 'consumption' || family === 'v2' ? s.enableClientCertificate : effectiveNegotiate(s.negotiateClientCertificate, s.faults);
}

/** Consumption with enableClientCertificate wants a certificate on every call, policies or not (§1 OBS). */
export function requiresCertificateOnEveryCall(s: Pick<TierSettings, 'sku' | 'enableClientCertificate'>): boolean {
  return tierFamily(s.sku) === 'consumption' && s.enableClientCertificate;
}

export type BodyFraming =
  | { readonly kind: 'none' }
  | { readonly kind: 'length'; readonly bytes: number }
  | { readonly kind: 'chunked' };

export interface RequestFacts {
  readonly protocol: 'HTTP/1.1' | 'HTTP/2';
  /** As Node's getProtocol() spells it: 'TLSv1.2', 'TLSv1.3'. */
  readonly tlsVersion: string;
  readonly method: string;
  readonly body: BodyFraming;
  readonly expectContinue: boolean;
  readonly readsClientCertificate: boolean;
  /** A certificate is already on the connection (first handshake, or an earlier renegotiation). */
  readonly certificateOnConnection: boolean;
  /** This connection already renegotiated once (whatever it yielded): never again (node-tls-notes, reneg limit). */
  readonly renegotiatedBefore: boolean;
}

export type Obtain = 'handshake' | 'renegotiate' | 'none';

export type BodyRule =
  /** No renegotiation: the body is read as it comes. */
  | 'stream'
  /** Body within the buffer (or none): read it all, then renegotiate. */
  | 'read-then-renegotiate'
  /** Chunked: read up to the buffer; if it ends in time renegotiate, if it overflows it is the deadlock. */
  | 'read-up-to-buffer'
  /** Body beyond the buffer: stop reading, send HelloRequest, hold for the timeout, then the configured outcome. */
  | 'deadlock'
  /** Expect: 100-continue: renegotiate before asking for the body (§3 client-side mitigation). */
  | 'renegotiate-before-continue';

export type Rejection =
  | { readonly kind: 'status'; readonly status: number; readonly message: string }
  | { readonly kind: 'rst-stream-http-1.1-required' }
  | { readonly kind: 'close-connection' };

export type CertificateSource = 'connection' | 'renegotiation' | 'null';

export interface Plan {
  readonly obtain: Obtain;
  readonly bodyRule: BodyRule;
  /** Where the certificate the policies see comes from (before any failure at run time). */
  readonly certificate: CertificateSource;
  /** Answer without running the pipeline. */
  readonly reject?: Rejection;
  /** read-then-renegotiate reads at most this much (default: the renegotiation buffer). */
  readonly readLimitBytes?: number;
  /** The outcome if the deadlock happens (deadlock / read-up-to-buffer). */
  readonly onTimeout?: RenegotiationTimeoutOutcome;
  /** One line for the timeline: why this plan. */
  readonly why: string;
}

const fromConnection = (cached: boolean, why: string): Plan => ({ obtain: cached ? 'none' : 'handshake', bodyRule: 'stream', certificate: 'connection', why });
const nullCertificate = (why: string): Plan => ({ obtain: 'none', bodyRule: 'stream', certificate: 'null', why });

// The plans of nearly every request (a connection that holds its certificate; a route no policy reads it on) are
// constants: no object per request, and the front reuses their frozen timeline detail (request-handler.ts).
const FROM_RENEGOTIATION = Object.freeze(fromConnection(true, 'certificate cached on the connection from its renegotiation'));
const FROM_HANDSHAKE = Object.freeze(fromConnection(false, 'certificate from the first handshake'));
const NOT_READ = Object.freeze(nullCertificate('no policy reads the certificate'));

export function planRequest(s: TierSettings, r: RequestFacts): Plan {
  const family = tierFamily(s.sku);
  if (r.certificateOnConnection) return r.renegotiatedBefore ? FROM_RENEGOTIATION : FROM_HANDSHAKE;
  if (requiresCertificateOnEveryCall(s)) {
    return {
      ...nullCertificate('consumption with enableClientCertificate requires a certificate on every call'),
      reject: s.missingRequiredCertificate === '403'
        ? { kind: 'status', status: 403, message: 'Client certificate is required' }
        : { kind: 'close-connection' },
    };
  }
  if (!r.readsClientCertificate) return NOT_READ;
  if (requestsCertificateInHandshake(s)) return nullCertificate('the certificate was requested in the first handshake and the client sent none');
  if (family === 'consumption' || family === 'v2') return nullCertificate(`${family} tiers never renegotiate`);
  if (r.renegotiatedBefore) return nullCertificate('this connection renegotiated already and got no certificate');
  if (r.protocol === 'HTTP/2') {
    return s.h2WithoutNegotiate === 'http-1.1-required'
      ? { ...nullCertificate('HTTP/2 forbids renegotiation (RFC 9113 §9.2.1)'), reject: { kind: 'rst-stream-http-1.1-required' } }
      : nullCertificate('HTTP/2 forbids renegotiation; setting h2WithoutNegotiate = null-certificate');
  }
  if (r.tlsVersion !== 'TLSv1.2') return nullCertificate(`${r.tlsVersion} has no renegotiation`);

  const renegotiate = (bodyRule: BodyRule, why: string): Plan => ({
    obtain: 'renegotiate', bodyRule, certificate: 'renegotiation', onTimeout: s.onRenegotiationTimeout, why,
  });
  const body = r.body;
  // Test-only fault: read any body whole, then renegotiate, so the documented deadlock never happens.
  if (hasFault(s.faults, 'never-deadlock') && !r.expectContinue && body.kind !== 'none') {
    return { ...renegotiate('read-then-renegotiate', 'fault never-deadlock: read the whole body, then renegotiate'), readLimitBytes: Number.MAX_SAFE_INTEGER };
  }
  if (r.expectContinue && body.kind !== 'none') {
    return renegotiate('renegotiate-before-continue', 'Expect: 100-continue: renegotiate before the body is sent');
  }
  if (body.kind === 'chunked') {
    return renegotiate('read-up-to-buffer', `chunked body: read up to ${s.renegotiationBufferBytes} bytes, then renegotiate or stall`);
  }
  if (body.kind === 'length' && body.bytes > s.renegotiationBufferBytes) {
    return renegotiate('deadlock', `body of ${body.bytes} bytes exceeds the ${s.renegotiationBufferBytes}-byte renegotiation buffer`);
  }
  return renegotiate('read-then-renegotiate', 'body within the renegotiation buffer: read it, then renegotiate');
}
