// `certgate repro deadlock`: the large-body renegotiation deadlock on demand, then the two documented ways out.
//   1. negotiate off, POST of --size bytes with a client certificate, a policy that reads it → the upload stalls;
//   2. the same request with negotiate on (the certificate comes in the first handshake) → answered, certificate seen;
//   3. negotiate off again, with Expect: 100-continue (renegotiate before the body is sent) → answered, certificate seen.
// Each attempt is judged with the catalogue's judge, so "reproduced" and "avoided" mean what a scenario would mean.

import { readFileSync } from 'node:fs';
import { judge } from '../judge';
import { RESULT_SCHEMA_VERSION, type Citation, type Expectation, type RunReport, type ScenarioResult, type Verdict } from '../result';
import type { ReproGateways, ReproEndpoint } from './endpoints';
import { probe, type ProbeResult } from './probe';
import { formatSize } from './size';
import { renderTimelineText } from './timeline-text';

export interface DeadlockReproOptions {
  readonly gateways: ReproGateways;
  readonly protocol: 'h1' | 'h2';
  readonly bodyBytes: number;
  readonly method?: string;
  readonly stallWindowMs: number;
  /** For the report: what was tested ("emulator", a URL) and as what (a tier / profile). */
  readonly targetLabel: string;
  readonly profileLabel: string;
  /** Called with each attempt's text as soon as it is known. */
  readonly onAttempt?: (a: ReproAttempt, text: string) => void;
}

export type AttemptId = 'negotiate-off' | 'negotiate-on' | 'expect-100-continue';

export interface ReproAttempt {
  readonly id: AttemptId;
  readonly title: string;
  readonly expected: Expectation;
  readonly citation: Citation;
  /** Absent when the attempt could not be made (no negotiate-on endpoint given). */
  readonly probe?: ProbeResult;
  readonly skipReason?: string;
  /** The attempt behaved as the repro says it should (stalled for 1, answered with the certificate for 2 and 3). */
  readonly asExpected: boolean;
  readonly message: string;
}

export interface DeadlockReproResult {
  readonly attempts: readonly ReproAttempt[];
  readonly reproduced: boolean;
  readonly negotiateOnAvoids: boolean;
  readonly expect100Avoids: boolean;
  /** Reproduced, and both mitigations avoided it. */
  readonly ok: boolean;
  readonly report: RunReport;
}

const STALLED: Expectation = {
  outcome: ['stall', 'timeout', 'response-before-body-sent'],
  confidence: 'DOC',
  note: 'negotiate off: a body beyond the renegotiation buffer stalls once the gateway asks for the certificate',
};
const ANSWERED: Expectation = {
  outcome: ['response'],
  backendSawCertificate: true,
  confidence: 'DOC',
  note: 'answered without a stall, and the policy saw the client certificate',
};

interface Plan {
  readonly id: AttemptId;
  readonly title: string;
  readonly endpoint?: ReproEndpoint;
  readonly expect100: boolean;
  readonly expected: Expectation;
  readonly citation: Citation;
}

export async function reproduceDeadlock(o: DeadlockReproOptions): Promise<DeadlockReproResult> {
  const method = o.method ?? 'POST';
  const size = formatSize(o.bodyBytes);
  const plans: Plan[] = [
    { id: 'negotiate-off', title: `negotiate off: ${method} ${size} with a client certificate`, endpoint: o.gateways.negotiateOff, expect100: false, expected: STALLED, citation: { page: 'MTLS-PAGE', section: 'Tip', fact: '3.deadlock-60kb' } },
    { id: 'negotiate-on', title: `negotiate on: the same ${method}`, endpoint: o.gateways.negotiateOn, expect100: false, expected: ANSWERED, citation: { page: 'MTLS-PAGE', section: 'Tip', fact: '3.deadlock-fix-negotiate-on' } },
    { id: 'expect-100-continue', title: `negotiate off, Expect: 100-continue: the same ${method}`, endpoint: o.gateways.negotiateOff, expect100: true, expected: ANSWERED, citation: { page: 'MTLS-PAGE', fact: '3.mitigation-expect-100' } },
  ];
  const attempts: ReproAttempt[] = [];
  for (const p of plans) {
    let attempt: ReproAttempt;
    if (!p.endpoint) {
      attempt = { id: p.id, title: p.title, expected: p.expected, citation: p.citation, skipReason: 'no negotiate-on gateway given (--negotiate-url)', asExpected: false, message: 'not tried' };
    } else {
      const r = await probe({ endpoint: p.endpoint, protocol: o.protocol, method, bodyBytes: o.bodyBytes, expect100: p.expect100, stallWindowMs: o.stallWindowMs });
      const j = judge(p.expected, r.observation);
      attempt = { id: p.id, title: p.title, expected: p.expected, citation: p.citation, probe: r, asExpected: j.verdict === 'pass', message: j.message };
    }
    attempts.push(attempt);
    o.onAttempt?.(attempt, attemptText(attempt, o.bodyBytes, o.stallWindowMs));
  }
  const [off, on, expect] = attempts as [ReproAttempt, ReproAttempt, ReproAttempt];
  const report = reproReport(attempts, o);
  return {
    attempts,
    reproduced: off.asExpected,
    negotiateOnAvoids: on.asExpected,
    expect100Avoids: expect.asExpected,
    ok: off.asExpected && on.asExpected && expect.asExpected,
    report,
  };
}

/** One attempt as text: its title, the time bar and events, and what it means. */
export function attemptText(a: ReproAttempt, bodyBytes: number, stallWindowMs: number): string {
  if (!a.probe) return `${a.title}\n  skipped: ${a.skipReason}\n`;
  const verdict = a.id === 'negotiate-off'
    ? a.asExpected ? 'DEADLOCK REPRODUCED' : `deadlock NOT reproduced (${a.message})`
    : a.asExpected ? 'AVOIDED: answered, certificate seen' : `NOT avoided (${a.message})`;
  return `${renderTimelineText({ title: a.title, clientTimeline: a.probe.clientTimeline, serverTimeline: a.probe.serverTimeline, observation: a.probe.observation, bodyBytes, stallWindowMs })}  => ${verdict}\n`;
}

function certgateVersion(): string {
  try {
    return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string }).version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

/** The three attempts as a RunReport, so the HTML renderer draws their timelines like any scenario's. */
export function reproReport(attempts: readonly ReproAttempt[], o: Pick<DeadlockReproOptions, 'targetLabel' | 'profileLabel'>): RunReport {
  const results: ScenarioResult[] = attempts.map((a) => {
    const verdict: Verdict = a.probe ? (a.asExpected ? 'pass' : 'fail') : 'skipped';
    return {
      id: `repro.deadlock.${a.id}`,
      title: a.title,
      namespace: 'repro.deadlock',
      tags: ['repro', 'deadlock'],
      importance: 'critical',
      citation: a.citation,
      profile: o.profileLabel,
      target: o.targetLabel,
      expected: a.expected,
      ...(a.probe ? { observed: a.probe.observation } : {}),
      verdict,
      ...(a.skipReason ? { skipReason: a.skipReason } : { message: a.message }),
      startedAt: a.probe?.startedAt ?? new Date().toISOString(),
      durationMs: a.probe?.observation.durationMs ?? 0,
      clientTimeline: a.probe?.clientTimeline ?? [],
      ...(a.probe?.serverTimeline ? { serverTimeline: a.probe.serverTimeline } : {}),
    };
  });
  const totals = { pass: 0, fail: 0, 'expected-failure': 0, 'unexpected-pass': 0, skipped: 0, error: 0, total: results.length };
  for (const r of results) totals[r.verdict]++;
  const startedAt = results[0]?.startedAt ?? new Date().toISOString();
  return {
    schemaVersion: RESULT_SCHEMA_VERSION,
    metadata: {
      certgateVersion: certgateVersion(),
      target: o.targetLabel,
      profile: o.profileLabel,
      seed: 0,
      node: process.version,
      openssl: process.versions.openssl ?? 'unknown',
      startedAt,
      durationMs: results.reduce((s, r) => s + r.durationMs, 0),
      selection: 'repro deadlock',
    },
    results,
    totals,
  };
}
