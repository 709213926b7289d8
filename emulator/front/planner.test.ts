// Expectations written from apim-behaviour.md §1–3 (the rows cited per case), not from the planner's code.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { fcParams } from '../../test/fc';
import { planRequest, requestsCertificateInHandshake, requiresCertificateOnEveryCall, type RequestFacts, type Sku, type TierSettings } from './planner';

const settings = (over: Partial<TierSettings> = {}): TierSettings => ({
  sku: 'developer', negotiateClientCertificate: false, enableClientCertificate: false,
  renegotiationBufferBytes: 61440, onRenegotiationTimeout: '403', h2WithoutNegotiate: 'null-certificate',
  missingRequiredCertificate: '403', ...over,
});
const facts = (over: Partial<RequestFacts> = {}): RequestFacts => ({
  protocol: 'HTTP/1.1', tlsVersion: 'TLSv1.2', method: 'GET', body: { kind: 'none' }, expectContinue: false,
  readsClientCertificate: true, certificateOnConnection: false, renegotiatedBefore: false, ...over,
});
const KiB = 1024;

describe('first handshake (§1)', () => {
  it('classic and self-hosted ask in the handshake only when negotiate is on; consumption/v2 only with enableClientCertificate', () => {
    for (const sku of ['developer', 'basic', 'standard', 'premium', 'selfhosted'] as Sku[]) {
      expect(requestsCertificateInHandshake({ sku, negotiateClientCertificate: true, enableClientCertificate: false })).toBe(true);
      expect(requestsCertificateInHandshake({ sku, negotiateClientCertificate: false, enableClientCertificate: true })).toBe(false);
    }
    for (const sku of ['consumption', 'basicv2', 'standardv2', 'premiumv2'] as Sku[]) {
      expect(requestsCertificateInHandshake({ sku, negotiateClientCertificate: true, enableClientCertificate: false })).toBe(false);
      expect(requestsCertificateInHandshake({ sku, negotiateClientCertificate: false, enableClientCertificate: true })).toBe(true);
    }
  });
  it('only consumption with enableClientCertificate requires a certificate on every call', () => {
    expect(requiresCertificateOnEveryCall({ sku: 'consumption', enableClientCertificate: true })).toBe(true);
    expect(requiresCertificateOnEveryCall({ sku: 'standardv2', enableClientCertificate: true })).toBe(false);
    expect(requiresCertificateOnEveryCall({ sku: 'consumption', enableClientCertificate: false })).toBe(false);
  });
  it('consumption: a call without a certificate is refused even when no policy reads it', () => {
    const p = planRequest(settings({ sku: 'consumption', enableClientCertificate: true }), facts({ readsClientCertificate: false }));
    expect(p.reject).toEqual({ kind: 'status', status: 403, message: expect.any(String) });
    const q = planRequest(settings({ sku: 'consumption', enableClientCertificate: true, missingRequiredCertificate: 'tls-handshake-failure' }), facts());
    expect(q.reject).toEqual({ kind: 'close-connection' });
  });
  it('a certificate from the handshake is used as is, on any protocol and TLS version', () => {
    for (const protocol of ['HTTP/1.1', 'HTTP/2'] as const) {
      for (const tlsVersion of ['TLSv1.2', 'TLSv1.3']) {
        const p = planRequest(settings({ negotiateClientCertificate: true }), facts({ protocol, tlsVersion, certificateOnConnection: true, body: { kind: 'length', bytes: 1024 * KiB } }));
        expect(p).toMatchObject({ obtain: 'handshake', certificate: 'connection', bodyRule: 'stream' });
        expect(p.reject).toBeUndefined();
      }
    }
  });
  it('negotiate on and the client sent nothing: null, never a renegotiation', () => {
    expect(planRequest(settings({ negotiateClientCertificate: true }), facts())).toMatchObject({ obtain: 'none', certificate: 'null' });
  });
});

describe('renegotiation on classic tiers, negotiate off (§1, §3)', () => {
  it('HTTP/1.1 over TLS 1.2 with a body within the buffer: read, then renegotiate', () => {
    for (const bytes of [0, 60 * KiB, 61440]) {
      expect(planRequest(settings(), facts({ method: 'POST', body: { kind: 'length', bytes } })))
        .toMatchObject({ obtain: 'renegotiate', bodyRule: 'read-then-renegotiate', certificate: 'renegotiation' });
    }
  });
  it('a body over the buffer is the deadlock, with the configured outcome', () => {
    for (const onRenegotiationTimeout of ['freeze', '403', 'null-certificate'] as const) {
      const p = planRequest(settings({ onRenegotiationTimeout }), facts({ method: 'POST', body: { kind: 'length', bytes: 61441 } }));
      expect(p).toMatchObject({ obtain: 'renegotiate', bodyRule: 'deadlock', onTimeout: onRenegotiationTimeout });
    }
  });
  it('the buffer size is a setting: 40 KiB buffer makes 48 KiB a deadlock', () => {
    expect(planRequest(settings({ renegotiationBufferBytes: 40 * KiB }), facts({ body: { kind: 'length', bytes: 48 * KiB } })).bodyRule).toBe('deadlock');
  });
  it('Expect: 100-continue renegotiates before the body, whatever its size', () => {
    const p = planRequest(settings(), facts({ method: 'PUT', expectContinue: true, body: { kind: 'length', bytes: 1024 * KiB } }));
    expect(p).toMatchObject({ obtain: 'renegotiate', bodyRule: 'renegotiate-before-continue' });
  });
  it('chunked bodies are read up to the buffer', () => {
    expect(planRequest(settings(), facts({ body: { kind: 'chunked' } })).bodyRule).toBe('read-up-to-buffer');
  });
  it('the renegotiation happens once per connection: afterwards the cached certificate or null', () => {
    expect(planRequest(settings(), facts({ renegotiatedBefore: true, certificateOnConnection: true }))).toMatchObject({ obtain: 'none', certificate: 'connection' });
    expect(planRequest(settings(), facts({ renegotiatedBefore: true }))).toMatchObject({ obtain: 'none', certificate: 'null' });
  });
  it('no policy reads the certificate: nothing is obtained, even for big bodies', () => {
    expect(planRequest(settings(), facts({ readsClientCertificate: false, body: { kind: 'length', bytes: 1024 * KiB } })))
      .toMatchObject({ obtain: 'none', bodyRule: 'stream' });
  });
});

describe('no renegotiation ever: TLS 1.3, v2, HTTP/2 (§1, §2)', () => {
  it('TLS 1.3: null certificate', () => {
    expect(planRequest(settings(), facts({ tlsVersion: 'TLSv1.3' }))).toMatchObject({ obtain: 'none', certificate: 'null' });
  });
  it('v2 and consumption without the setting: null certificate', () => {
    for (const sku of ['basicv2', 'standardv2', 'premiumv2', 'consumption'] as Sku[]) {
      expect(planRequest(settings({ sku }), facts())).toMatchObject({ obtain: 'none', certificate: 'null' });
    }
  });
  it('HTTP/2 with negotiate off follows h2WithoutNegotiate', () => {
    expect(planRequest(settings(), facts({ protocol: 'HTTP/2' }))).toMatchObject({ obtain: 'none', certificate: 'null' });
    expect(planRequest(settings({ h2WithoutNegotiate: 'http-1.1-required' }), facts({ protocol: 'HTTP/2' })).reject)
      .toEqual({ kind: 'rst-stream-http-1.1-required' });
  });
  it('property: renegotiation is planned only for HTTP/1.1 over TLS 1.2 on classic/self-hosted, negotiate off, not yet renegotiated', () => {
    const skus: Sku[] = ['developer', 'basic', 'standard', 'premium', 'consumption', 'basicv2', 'standardv2', 'premiumv2', 'selfhosted'];
    fc.assert(fc.property(
      fc.constantFrom(...skus), fc.boolean(), fc.boolean(), fc.constantFrom('HTTP/1.1', 'HTTP/2' as const),
      fc.constantFrom('TLSv1.2', 'TLSv1.3'), fc.boolean(), fc.boolean(), fc.boolean(), fc.nat(2_000_000),
      (sku, negotiate, enable, protocol, tlsVersion, reads, onConn, reneg, bytes) => {
        const p = planRequest(settings({ sku, negotiateClientCertificate: negotiate, enableClientCertificate: enable }),
          facts({ protocol: protocol as 'HTTP/1.1' | 'HTTP/2', tlsVersion, readsClientCertificate: reads, certificateOnConnection: onConn, renegotiatedBefore: reneg, body: { kind: 'length', bytes } }));
        const classic = !['consumption', 'basicv2', 'standardv2', 'premiumv2'].includes(sku);
        const allowed = classic && !negotiate && protocol === 'HTTP/1.1' && tlsVersion === 'TLSv1.2' && reads && !onConn && !reneg;
        expect(p.obtain === 'renegotiate').toBe(allowed);
        if (p.bodyRule === 'deadlock') expect(bytes).toBeGreaterThan(61440);
      }), fcParams(300));
  });
});
