// Sample RunReports for the reports/ tests: every verdict, every outcome class, long ids, and hostile strings
// (markup, quotes, ampersands, control characters, non-ASCII) in every free-text field a renderer prints.
// Shaped after what the runner records (scenarios/result.ts); timelines follow the documented deadlock story.
import {
  RESULT_SCHEMA_VERSION,
  type OutcomeClass,
  type RunReport,
  type ScenarioResult,
  type TimelinePoint,
  type Verdict,
} from '../scenarios/result';
import { countVerdicts } from './report-schema';

export const HOSTILE = {
  script: '</script><script>window.__pwned = 1</script>',
  img: '<img src=x onerror="window.__pwned=2">',
  quotes: `"double" & 'single' &amp; <b>bold</b>`,
  control: 'bell\u0007 nul\u0000 esc\u001b[31m vt\u000b ff\u000c del\u007f nonchar\uffff',
  unicode: 'Zürich — 東京 ✓ 🚀 Ωμέγα',
  cdata: 'a ]]> b --> c <!-- d',
  newline: 'line one\nline two\r\n| pipe | `tick` *star* _under_ [link](http://example.invalid)',
} as const;

const T0 = '2026-03-14T09:26:53.589Z';

/** A large POST with negotiate off on a classic tier: the body stalls once the server asks to renegotiate. */
export function deadlockTimelines(bodyBytes: number, stallAt = 1180): { client: TimelinePoint[]; server: TimelinePoint[] } {
  const stuckAt = Math.min(bodyBytes, 49_152 + 16_384);
  const client: TimelinePoint[] = [
    { at: 0, kind: 'connect' },
    { at: 9.4, kind: 'tls-handshake', bytesSent: 0, bytesReceived: 3_612, detail: { protocol: 'TLSv1.2' } },
    { at: 10.1, kind: 'request-sent', bytesSent: 0, bytesReceived: 3_612 },
  ];
  for (let sent = 16_384, t = 11; sent <= stuckAt; sent += 16_384, t += 4) {
    client.push({ at: t, kind: 'bytes-sent', bytesSent: sent, bytesReceived: 3_612 });
  }
  client.push({ at: 24.2, kind: 'bytes-received', bytesSent: stuckAt, bytesReceived: 3_649, detail: { what: 'HelloRequest' } });
  client.push({ at: 24.3, kind: 'renegotiation', bytesSent: stuckAt, bytesReceived: 3_649, detail: { state: 'requested' } });
  client.push({ at: stallAt, kind: 'stall', bytesSent: stuckAt, bytesReceived: 3_649, detail: { windowMs: 1000 } });
  const server: TimelinePoint[] = [
    { at: 1.2, kind: 'connect' },
    { at: 9.0, kind: 'tls-handshake', detail: { clientCertificate: false } },
    { at: 10.8, kind: 'request-headers', bytesReceived: 412 },
    { at: 12.6, kind: 'policy', detail: { reads: 'context.Request.Certificate' } },
    { at: 23.9, kind: 'renegotiation-requested', bytesReceived: 16_796 },
    { at: stallAt, kind: 'stall', bytesReceived: 16_796 },
  ];
  return { client, server };
}

function quickResponseTimeline(status: number, renegotiation?: 'completed' | 'refused'): TimelinePoint[] {
  const t: TimelinePoint[] = [
    { at: 0, kind: 'connect' },
    { at: 8.1, kind: 'tls-handshake', bytesSent: 0, bytesReceived: 3_580 },
    { at: 8.9, kind: 'request-sent', bytesSent: 2_048, bytesReceived: 3_580 },
  ];
  if (renegotiation) {
    t.push({ at: 12.5, kind: 'renegotiation', bytesSent: 2_048, bytesReceived: 3_617, detail: { state: 'requested' } });
    t.push({ at: 19.7, kind: `renegotiation-${renegotiation}`, bytesSent: 2_048, bytesReceived: 6_020 });
  }
  const last = renegotiation === 'refused' ? 21 : 31.5;
  if (renegotiation === 'refused') {
    t.push({ at: last, kind: 'error', bytesSent: 2_048, bytesReceived: 6_020, detail: { code: 'ERR_SSL_NO_RENEGOTIATION' } });
  } else {
    t.push({ at: last, kind: 'response', bytesSent: 2_048, bytesReceived: 6_950, detail: { status } });
  }
  return t;
}

type Partial1 = Omit<ScenarioResult, 'profile' | 'target' | 'startedAt' | 'clientTimeline' | 'tags' | 'citation'> &
  Partial<Pick<ScenarioResult, 'clientTimeline' | 'tags' | 'citation'>>;

function scenario(p: Partial1): ScenarioResult {
  return {
    profile: 'apim-developer',
    target: 'emulator',
    startedAt: T0,
    tags: [],
    citation: { page: 'MTLS-PAGE' },
    clientTimeline: quickResponseTimeline(p.observed?.status ?? 200),
    ...p,
  };
}

const dl = deadlockTimelines(65_536);

/** One of each verdict and each outcome class, realistic ids and citations. */
export function sampleResults(): ScenarioResult[] {
  return [
    scenario({
      id: 'tier.classic.negotiate-on.h1.valid-certificate',
      title: 'Classic tier with negotiate on asks for the certificate in the first handshake',
      namespace: 'tier',
      tags: ['tier:classic', 'negotiate-on', 'h1'],
      importance: 'critical',
      citation: { page: 'MTLS-PAGE', section: 'Negotiate client certificate', fact: '1.classic-negotiate-on' },
      expected: { outcome: ['response'], status: [200], backendSawCertificate: true, confidence: 'DOC' },
      observed: { outcome: 'response', status: 200, statusText: 'OK', backendSawCertificate: true, durationMs: 31.5 },
      verdict: 'pass',
      durationMs: 31.5,
    }),
    scenario({
      id: 'tier.classic.negotiate-off.h1.renegotiation-refused-by-client',
      title: 'A client that refuses renegotiation sees a TLS error when the policy reads the certificate',
      namespace: 'tier',
      tags: ['tier:classic', 'negotiate-off', 'renegotiation'],
      citation: { page: 'MTLS-PAGE', section: 'Important', fact: '1.reneg-disabled-client' },
      expected: { outcome: ['tls-error'], confidence: 'DOC' },
      observed: { outcome: 'tls-error', errorCode: 'ERR_SSL_NO_RENEGOTIATION', durationMs: 21 },
      verdict: 'pass',
      durationMs: 21,
      clientTimeline: quickResponseTimeline(0, 'refused'),
      // The emulator's own shape: byte counters in detail (bytesRead/bytesWritten), its own event names.
      serverTimeline: [
        { at: 0.6, kind: 'handshake', detail: { tlsVersion: 'TLSv1.2', bytesRead: 517, bytesWritten: 3_580 } },
        { at: 9.2, kind: 'pipeline-start', detail: { certificate: false, bytesRead: 2_560, bytesWritten: 3_580 } },
        { at: 12.1, kind: 'renegotiation-requested', detail: { bytesRead: 2_560, bytesWritten: 3_617 } },
        { at: 20.4, kind: 'renegotiation-refused', detail: { code: 'ERR_SSL_NO_RENEGOTIATION', bytesRead: 2_591, bytesWritten: 3_617 } },
      ],
    }),
    scenario({
      id: 'config.consumption.ca-upload-refused',
      title: 'Consumption refuses an uploaded CA certificate',
      namespace: 'config',
      tags: ['tier:consumption', 'ca-upload'],
      citation: { page: 'MTLS-PAGE', section: 'CA certificates', fact: '6.ca-consumption' },
      expected: { outcome: ['setup-rejected'], confidence: 'DOC' },
      observed: { outcome: 'setup-rejected', durationMs: 2 },
      verdict: 'pass',
      durationMs: 2,
      clientTimeline: [],
    }),
    scenario({
      id: 'deadlock.classic.negotiate-off.post.64k',
      title: 'POST of 64 KiB with negotiate off freezes on the renegotiation',
      namespace: 'deadlock',
      tags: ['tier:classic', 'negotiate-off', 'deadlock', 'body-size'],
      importance: 'high',
      citation: { page: 'MTLS-PAGE', section: 'Tip', fact: '3.deadlock-60k' },
      expected: { outcome: ['stall', 'timeout', 'response'], status: [403], confidence: 'DOC', note: 'freeze, or 403 after a timeout' },
      observed: { outcome: 'stall', durationMs: 1180 },
      verdict: 'pass',
      durationMs: 1180,
      clientTimeline: dl.client,
      serverTimeline: dl.server,
    }),
    scenario({
      id: 'deadlock.classic.negotiate-off.put.128k.expect-100-continue',
      title: 'PUT of 128 KiB with Expect: 100-continue renegotiates before the body and succeeds',
      namespace: 'deadlock',
      tags: ['tier:classic', 'negotiate-off', 'deadlock', 'mitigation'],
      citation: { page: 'App Service blog 2017', fact: '3.mitigations' },
      expected: { outcome: ['response'], status: [200], backendSawCertificate: true, confidence: 'SPEC' },
      observed: { outcome: 'stall', durationMs: 1190, backendSawCertificate: false },
      verdict: 'fail',
      message: 'expected response 200 but the upload stalled at 65536 bytes',
      durationMs: 1190,
      clientTimeline: deadlockTimelines(131_072, 1190).client,
      serverTimeline: deadlockTimelines(131_072, 1190).server,
    }),
    scenario({
      id: 'h2.classic.negotiate-off.null-certificate',
      title: 'HTTP/2 with negotiate off: the certificate is null or the stream is reset',
      namespace: 'h2',
      tags: ['tier:classic', 'h2', 'undocumented'],
      citation: { page: 'https://www.rfc-editor.org/rfc/rfc9113', section: '9.2.1', fact: '2.h2-negotiate-off' },
      expected: {
        outcome: ['response', 'reset'],
        confidence: 'undocumented',
        alternatives: [
          { name: 'null-certificate', outcome: ['response'], status: [200], httpVersion: '2', backendSawCertificate: false },
          { name: 'rst-stream', outcome: ['reset'], errorCode: '0xd' },
        ],
      },
      observed: { outcome: 'reset', errorCode: '0xc', alternativeChosen: 'rst-stream', httpVersion: '2', tlsVersion: 'TLSv1.2', durationMs: 14 },
      verdict: 'expected-failure',
      message: 'gateway resets the stream; known limitation',
      durationMs: 14,
    }),
    scenario({
      id: 'validate.identity.thumbprint.lower-case',
      title: 'validate-client-certificate matches a lower-case thumbprint',
      namespace: 'validate',
      tags: ['tier:v2', 'policy', 'validate-client-certificate'],
      citation: { page: 'validate-client-certificate-policy', fact: '4.thumbprint-case' },
      expected: { outcome: ['response'], status: [401], lastErrorReason: 'ClientCertificateIdentityNotMatched', confidence: 'OBS' },
      observed: { outcome: 'response', status: 200, statusText: 'OK', backendSawCertificate: true, durationMs: 29 },
      verdict: 'unexpected-pass',
      message: 'listed in expected-failures (thumbprint case) but the gateway answered 200',
      durationMs: 29,
    }),
    scenario({
      id: 'deadlock.consumption.request-certificate.post.60k',
      title: 'Consumption: the response arrives while the upload is still stuck',
      namespace: 'deadlock',
      tags: ['tier:consumption', 'deadlock'],
      citation: { page: 'MTLS-PAGE', section: 'Tip', fact: '3.deadlock-60k' },
      expected: { outcome: ['response-before-body-sent'], status: [403], confidence: 'INF' },
      observed: { outcome: 'response-before-body-sent', status: 403, statusText: 'Forbidden', durationMs: 840 },
      verdict: 'pass',
      durationMs: 840,
    }),
    scenario({
      id: 'deadlock.premium.negotiate-off.post.1m',
      title: 'POST of 1 MiB with negotiate off hits the hard timeout',
      namespace: 'deadlock',
      tags: ['tier:premium', 'deadlock', 'body-size'],
      citation: { page: 'custom-domain include', fact: '3.deadlock-40k' },
      expected: { outcome: ['stall'], confidence: 'DOC' },
      observed: { outcome: 'timeout', durationMs: 5000 },
      verdict: 'fail',
      durationMs: 5000,
    }),
    scenario({
      id: 'tier.basicv2.request-certificate.renegotiation-unsupported',
      title: 'v2 tiers do not renegotiate',
      namespace: 'tier',
      tags: ['tier:v2', 'renegotiation'],
      citation: { page: 'MTLS-PAGE', fact: '1.v2-no-renegotiation' },
      verdict: 'skipped',
      skipReason: 'target lacks setup "basicv2-request-cert" in the mapping file',
      durationMs: 0,
      clientTimeline: [],
    }),
    scenario({
      id: 'tier.selfhosted.negotiate-on.h1.ca-upload',
      title: 'Self-hosted gateway uses its own CA list',
      namespace: 'tier',
      tags: ['tier:selfhosted'],
      citation: { page: 'self-hosted gateway overview', fact: '6.ca-selfhosted' },
      expected: { outcome: ['response'], status: [200], confidence: 'DOC' },
      verdict: 'error',
      message: 'emulator failed to start: EADDRINUSE 127.0.0.1:0',
      durationMs: 3,
      clientTimeline: [],
    }),
    scenario({
      id: 'policy.verify.expired-certificate',
      title: 'Verify() rejects an expired certificate',
      namespace: 'policy',
      tags: ['tier:classic', 'policy', 'expression'],
      citation: { page: 'MTLS-PAGE', section: 'Policy samples', fact: '5.verify-expired' },
      expected: { outcome: ['response'], status: [403], confidence: 'OBS' },
      observed: { outcome: 'response', status: 403, statusText: 'Forbidden', backendSawCertificate: false, durationMs: 33 },
      verdict: 'pass',
      durationMs: 33,
    }),
    scenario({
      id: 'appgw.strict.untrusted-certificate',
      title: 'Application Gateway in strict mode answers 400 for an untrusted certificate',
      namespace: 'appgw',
      tags: ['tier:classic', 'appgw'],
      citation: { page: 'MTLS-PAGE', section: 'Application Gateway', fact: '7.strict-400' },
      expected: { outcome: ['response'], status: [400], confidence: 'OBS' },
      observed: { outcome: 'reset', errorCode: 'ECONNRESET', durationMs: 12 },
      verdict: 'fail',
      durationMs: 12,
      clientTimeline: [
        { at: 0, kind: 'connect' },
        { at: 7.5, kind: 'tls-handshake', bytesSent: 0, bytesReceived: 2_980 },
        { at: 8, kind: 'request-sent', bytesSent: 512, bytesReceived: 2_980 },
        { at: 12, kind: 'error', bytesSent: 512, bytesReceived: 2_980, detail: { code: 'ECONNRESET' } },
      ],
    }),
  ];
}

/** The same shapes with hostile strings in every free-text field and a very long id. */
export function hostileResults(): ScenarioResult[] {
  const longId = `tier.classic.negotiate-off.${'very-long-segment-'.repeat(12)}end`;
  return [
    scenario({
      id: longId,
      title: `Title with ${HOSTILE.script} and ${HOSTILE.img}`,
      namespace: 'tier',
      tags: ['tier:classic', HOSTILE.quotes],
      citation: { page: HOSTILE.quotes, section: HOSTILE.unicode, fact: HOSTILE.cdata },
      expected: { outcome: ['response'], status: [200], confidence: 'DOC', note: HOSTILE.newline },
      observed: { outcome: 'response', status: 500, statusText: HOSTILE.control, durationMs: 40, errorCode: HOSTILE.img },
      verdict: 'fail',
      message: `${HOSTILE.script} ${HOSTILE.control} ${HOSTILE.newline}`,
      durationMs: 40,
    }),
    scenario({
      id: `h2.${HOSTILE.img.replace(/\s/g, '_')}`,
      title: HOSTILE.unicode,
      namespace: 'h2',
      tags: [HOSTILE.script],
      citation: { page: HOSTILE.script },
      verdict: 'skipped',
      skipReason: `${HOSTILE.quotes} ${HOSTILE.control} ${HOSTILE.unicode}`,
      durationMs: 0,
      clientTimeline: [],
    }),
    scenario({
      id: 'validate.error.with-detail',
      title: HOSTILE.cdata,
      namespace: 'validate',
      citation: { page: 'validate-client-certificate-policy' },
      verdict: 'error',
      message: `${HOSTILE.cdata} ${HOSTILE.unicode} ${HOSTILE.control}`,
      durationMs: 1,
      clientTimeline: [{ at: 0, kind: 'error', detail: { code: HOSTILE.script } }],
    }),
    scenario({
      id: 'validate.unexpected-pass.hostile',
      title: HOSTILE.quotes,
      namespace: 'validate',
      citation: { page: 'MTLS-PAGE' },
      expected: { outcome: ['reset'], confidence: 'INF' },
      observed: { outcome: 'response', status: 200, durationMs: 5, alternativeChosen: HOSTILE.quotes },
      verdict: 'unexpected-pass',
      message: HOSTILE.newline,
      durationMs: 5,
    }),
  ];
}

export function makeReport(results: readonly ScenarioResult[], over: Partial<RunReport['metadata']> = {}): RunReport {
  return {
    schemaVersion: RESULT_SCHEMA_VERSION,
    metadata: {
      certgateVersion: '0.1.0',
      target: 'emulator',
      profile: 'apim-developer',
      seed: 20261123,
      node: 'v20.20.2',
      openssl: '3.0.17',
      startedAt: T0,
      durationMs: results.reduce((s, r) => s + r.durationMs, 0),
      selection: 'tier.*,deadlock.*',
      ...over,
    },
    results,
    totals: countVerdicts(results),
  };
}

export const sampleReport = (): RunReport => makeReport(sampleResults());
export const hostileReport = (): RunReport => makeReport([...sampleResults(), ...hostileResults()]);

/** n synthetic results cycling through verdicts and outcomes (benchmarks, big-matrix tests). */
export function largeReport(n: number): RunReport {
  const verdicts: Verdict[] = ['pass', 'pass', 'pass', 'fail', 'expected-failure', 'unexpected-pass', 'skipped', 'error'];
  const outcomes: OutcomeClass[] = ['response', 'stall', 'tls-error', 'reset', 'response-before-body-sent', 'timeout', 'setup-rejected'];
  const namespaces = ['tier', 'deadlock', 'h2', 'validate', 'policy', 'appgw'];
  const results: ScenarioResult[] = [];
  for (let i = 0; i < n; i++) {
    const verdict = verdicts[i % verdicts.length]!;
    const ns = namespaces[i % namespaces.length]!;
    const outcome = outcomes[i % outcomes.length]!;
    const timelines = deadlockTimelines(16_384 * (1 + (i % 8)));
    results.push(
      scenario({
        id: `${ns}.topic-${i % 5}.case-${String(i).padStart(4, '0')}`,
        title: `Synthetic scenario ${i}`,
        namespace: ns,
        tags: [`tier:${['classic', 'v2', 'consumption'][i % 3]}`, `t${i % 4}`],
        expected: { outcome: [outcome], confidence: 'DOC' },
        observed: verdict === 'skipped' || verdict === 'error' ? undefined : { outcome, durationMs: 20 + (i % 50) },
        verdict,
        skipReason: verdict === 'skipped' ? 'not deployed on target' : undefined,
        message: verdict === 'error' ? 'harness error' : undefined,
        durationMs: 20 + (i % 50),
        clientTimeline: timelines.client,
        serverTimeline: timelines.server,
      }),
    );
  }
  return makeReport(results);
}

export const MULTI_PROFILES = ['apim-developer', 'apim-standardv2'] as const;
/** A scenario judged under both profiles with different verdicts: passes under apim-developer, fails under apim-standardv2. */
export const TWIN_ID = 'policy.verify.expired-certificate';

/**
 * A run under two profiles, shaped as the runner orders it (a scenario's profiles adjacent): every sample result
 * under apim-developer, and the `any`-tier ones again under apim-standardv2, where TWIN_ID fails and another is skipped.
 */
export function multiProfileResults(): ScenarioResult[] {
  const twins = new Set([TWIN_ID, 'tier.classic.negotiate-on.h1.valid-certificate', 'validate.identity.thumbprint.lower-case']);
  return sampleResults().flatMap((r) => {
    if (!twins.has(r.id)) return [r];
    const v2: ScenarioResult =
      r.id === TWIN_ID
        ? { ...r, profile: 'apim-standardv2', verdict: 'fail', observed: { outcome: 'response', status: 200, durationMs: 9 }, message: 'status 200, expected 403' }
        : r.id === 'validate.identity.thumbprint.lower-case'
          ? { ...r, profile: 'apim-standardv2', verdict: 'pass', message: undefined }
          : { ...r, profile: 'apim-standardv2', verdict: 'skipped', skipReason: 'v2 has no negotiate setting', observed: undefined, expected: undefined, clientTimeline: [] };
    return [r, v2];
  });
}

export function multiProfileReport(results: readonly ScenarioResult[] = multiProfileResults()): RunReport {
  return makeReport(results, { profile: MULTI_PROFILES.join(',') });
}
