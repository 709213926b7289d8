import { describe, expect, it } from 'vitest';
import type { ScenarioResult, Verdict } from '../scenarios/result';
import { diffRuns, formatDiff, hasRegressions } from './diff';
import { makeReport, sampleResults } from './test-fixtures';

const base = sampleResults();
const byId = (id: string) => base.find((r) => r.id === id)!;
const PASS = 'tier.classic.negotiate-on.h1.valid-certificate';
const FAIL = 'deadlock.premium.negotiate-off.post.1m';
const XFAIL = 'h2.classic.negotiate-off.null-certificate';
const SKIP = 'tier.basicv2.request-certificate.renegotiation-unsupported';
const UP = 'validate.identity.thumbprint.lower-case';

function withVerdicts(changes: Record<string, Partial<ScenarioResult> & { verdict?: Verdict }>): ScenarioResult[] {
  return base.map((r) => (changes[r.id] ? { ...r, ...changes[r.id] } : r));
}

describe('diffRuns', () => {
  it('an identical run has no changes and no regressions except the unexpected passes it already had', () => {
    const d = diffRuns(makeReport(base), makeReport(base));
    expect(d.newlyFailing).toEqual([]);
    expect(d.newlyPassing).toEqual([]);
    expect(d.changedOutcome).toEqual([]);
    expect(d.added).toEqual([]);
    expect(d.removed).toEqual([]);
    // An unexpected pass fails every run it appears in, baseline or not.
    expect(d.regressions).toEqual([UP]);
  });

  it('pass → fail and skipped → error are newly failing regressions; fail → pass is newly passing', () => {
    const after = withVerdicts({
      [PASS]: { verdict: 'fail', observed: { outcome: 'stall', durationMs: 1000 } },
      [SKIP]: { verdict: 'error', skipReason: undefined, message: 'boom' },
      [FAIL]: { verdict: 'pass', observed: { outcome: 'stall', durationMs: 1100 } },
    });
    const d = diffRuns(makeReport(base), makeReport(after));
    expect(d.newlyFailing.map((c) => c.id)).toEqual([PASS, SKIP]);
    expect(d.newlyPassing.map((c) => c.id)).toEqual([FAIL]);
    expect(d.regressions).toEqual([PASS, SKIP, UP]);
    expect(hasRegressions(d)).toBe(true);
    expect(d.newlyFailing[0]!.changes).toEqual(['verdict pass → fail', 'observed response 200 → stall']);
  });

  it('expected-failure → unexpected-pass is a regression; fail → expected-failure is only a changed outcome', () => {
    const after = withVerdicts({
      [XFAIL]: { verdict: 'unexpected-pass' },
      [FAIL]: { verdict: 'expected-failure' },
      [UP]: { verdict: 'pass' },
    });
    const d = diffRuns(makeReport(base), makeReport(after));
    expect(d.newlyFailing.map((c) => c.id)).toEqual([XFAIL]);
    expect(d.regressions).toEqual([XFAIL]);
    expect(d.changedOutcome.map((c) => [c.id, c.changes])).toEqual([[FAIL, ['verdict fail → expected-failure']]]);
    expect(d.newlyPassing.map((c) => c.id)).toEqual([UP]);
  });

  it('a pass that now passes differently (another documented alternative) is a changed outcome, not a regression', () => {
    const r = byId(XFAIL);
    const after = withVerdicts({
      [PASS]: { observed: { ...byId(PASS).observed!, backendSawCertificate: false } },
      [XFAIL]: { observed: { ...r.observed!, outcome: 'response', status: 200, alternativeChosen: 'null-certificate' } },
    });
    const d = diffRuns(makeReport(base), makeReport(after));
    expect(d.changedOutcome.map((c) => c.id)).toEqual([PASS, XFAIL]);
    expect(d.changedOutcome[0]!.changes).toEqual(['backend no longer sees the certificate']);
    expect(d.changedOutcome[1]!.changes).toEqual(['observed reset (chose rst-stream) → response 200 (chose null-certificate)']);
    expect(d.newlyFailing).toEqual([]);
  });

  it('added and removed scenarios are listed, not counted as regressions', () => {
    const extra: ScenarioResult = { ...byId(FAIL), id: 'deadlock.premium.negotiate-off.post.2m' };
    const after = [...base.filter((r) => r.id !== PASS), extra];
    const d = diffRuns(makeReport(base), makeReport(after, { profile: 'apim-premium' }));
    expect(d.added.map((r) => r.id)).toEqual([extra.id]);
    expect(d.removed.map((r) => r.id)).toEqual([PASS]);
    expect(d.regressions).toEqual([UP]);
    expect(d.metadataChanges).toEqual(['profile apim-developer → apim-premium']);
  });

  it('formatDiff lists regressions first and strips terminal escape sequences from scenario strings', () => {
    const after = withVerdicts({ [PASS]: { verdict: 'fail', observed: { outcome: 'reset', errorCode: 'X', durationMs: 1 } } });
    const evil: ScenarioResult = { ...byId(FAIL), id: 'evil.\u001b]0;pwned\u0007.id' };
    const text = formatDiff(diffRuns(makeReport(base), makeReport([...after, evil])));
    const lines = text.split('\n');
    expect(lines[0]).toBe('Newly failing (1)');
    expect(lines[1]).toBe(`  ${PASS}: verdict pass → fail; observed response 200 → reset`);
    expect(text).toContain('Unexpected passes (1)');
    // eslint-disable-next-line no-control-regex
    expect(text).not.toMatch(/[\u0000-\u0009\u000b-\u001f]/);
    expect(lines.at(-2)).toBe('2 regression(s), 0 newly passing, 0 changed, 1 added, 0 removed');
  });
});
