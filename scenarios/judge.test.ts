import { describe, expect, it } from 'vitest';
import { judge } from './judge';
import type { Expectation, Observation } from './result';

const obs = (o: Partial<Observation>): Observation => ({ outcome: 'response', durationMs: 5, ...o });

describe('judge', () => {
  const ok: Expectation = { outcome: ['response'], status: [200], backendSawCertificate: true, certificateThumbprint: 'AB12', confidence: 'DOC' };

  it('passes a matching response, thumbprint compared case-insensitively', () => {
    expect(judge(ok, obs({ status: 200, backendSawCertificate: true, certificateThumbprint: 'ab12' })).verdict).toBe('pass');
  });

  it('fails on each differing field and says which', () => {
    expect(judge(ok, obs({ status: 403, backendSawCertificate: true, certificateThumbprint: 'AB12' })).message).toMatch(/status 403, expected 200/);
    expect(judge(ok, obs({ status: 200, backendSawCertificate: false })).message).toMatch(/did not see/);
    expect(judge(ok, obs({ status: 200, backendSawCertificate: true, certificateThumbprint: 'FF' })).message).toMatch(/FF, expected AB12/);
    expect(judge(ok, obs({ outcome: 'stall' })).message).toMatch(/outcome stall, expected response/);
  });

  it('a missing observation of a required field fails rather than passing silently', () => {
    expect(judge(ok, obs({ status: 200 })).verdict).toBe('fail');
  });

  it('checks the LastError reason and error codes', () => {
    const e: Expectation = { outcome: ['response'], status: [401], lastErrorReason: 'ClientCertificateExpired', confidence: 'OBS' };
    expect(judge(e, obs({ status: 401, lastErrorReason: 'ClientCertificateExpired' })).verdict).toBe('pass');
    expect(judge(e, obs({ status: 401, lastErrorReason: 'ClientCertificateNotTrusted' })).verdict).toBe('fail');
    const reset: Expectation = { outcome: ['reset'], errorCode: '0xd', confidence: 'SPEC' };
    expect(judge(reset, obs({ outcome: 'reset', errorCode: '0xD' })).verdict).toBe('pass');
    expect(judge(reset, obs({ outcome: 'reset', errorCode: '0x8' })).verdict).toBe('fail');
  });

  it('records which alternative matched, and fails when none does', () => {
    const e: Expectation = {
      outcome: ['response', 'reset'],
      confidence: 'undocumented',
      renegotiationSeen: false,
      alternatives: [
        { name: 'null-certificate', outcome: ['response'], status: [200], backendSawCertificate: false },
        { name: 'http-1-1-required', outcome: ['reset'], errorCode: '0xd' },
      ],
    };
    expect(judge(e, obs({ outcome: 'reset', errorCode: '0xd' }))).toMatchObject({ verdict: 'pass', alternativeChosen: 'http-1-1-required' });
    expect(judge(e, obs({ status: 200, backendSawCertificate: false }))).toMatchObject({ verdict: 'pass', alternativeChosen: 'null-certificate' });
    const r = judge(e, obs({ outcome: 'tls-error' }));
    expect(r.verdict).toBe('fail');
    expect(r.message).toMatch(/null-certificate: .*http-1-1-required: /);
    // the inherited top-level constraint applies inside alternatives
    expect(judge(e, obs({ status: 200, backendSawCertificate: false, renegotiationSeen: true })).verdict).toBe('fail');
  });

  it('ignores status for outcomes without a response', () => {
    const e: Expectation = { outcome: ['stall', 'timeout'], status: [403], confidence: 'DOC' };
    expect(judge(e, obs({ outcome: 'stall' })).verdict).toBe('pass');
  });
});
