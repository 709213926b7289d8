import { describe, expect, it } from 'vitest';
import type { ScenarioResult, Verdict } from '../scenarios/result';
import { diffRuns, formatDiff, hasRegressions } from './diff';
import { makeReport, multiProfileReport, multiProfileResults, sampleResults, TWIN_ID } from './test-fixtures';

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

describe('diffRuns with several profiles (one scenario id under two profiles)', () => {
  const TWIN_PASS = 'tier.classic.negotiate-on.h1.valid-certificate'; // pass under apim-developer, skipped under apim-standardv2

  it('matches results by id and profile: a twin changing under one profile is reported under that profile only', () => {
    const before = multiProfileResults();
    const after = before.map((r) => (r.id === TWIN_PASS && r.profile === 'apim-developer' ? { ...r, verdict: 'fail' as const } : r));
    const d = diffRuns(multiProfileReport(before), multiProfileReport(after));
    expect(d.newlyFailing.map((c) => [c.id, c.profile, c.label])).toEqual([[TWIN_PASS, 'apim-developer', `${TWIN_PASS} [apim-developer]`]]);
    // The unexpected pass under apim-developer is a regression; its apim-standardv2 twin passed and is not.
    expect(d.regressions).toEqual([`${TWIN_PASS} [apim-developer]`, `${UP} [apim-developer]`]);
    expect(d.regressed.map((r) => [r.id, r.profile])).toEqual([[TWIN_PASS, 'apim-developer'], [UP, 'apim-developer']]);
    expect(d.added).toEqual([]);
    expect(d.removed).toEqual([]);
    expect(d.changedOutcome).toEqual([]);
  });

  it('a single-profile baseline against a families run: the shared profile is compared, the others are added', () => {
    const single = makeReport(base);
    const multi = multiProfileReport();
    const d = diffRuns(single, multi);
    const twins = multi.results.filter((r) => r.profile === 'apim-standardv2');
    expect(d.added.map((r) => d.labelOf(r))).toEqual(twins.map((r) => `${r.id} [apim-standardv2]`));
    expect(d.removed).toEqual([]);
    expect(d.newlyFailing).toEqual([]);
    expect(d.metadataChanges).toEqual(['profile apim-developer → apim-developer,apim-standardv2']);
    const text = formatDiff(d);
    expect(text).toContain(`  ${TWIN_ID} [apim-standardv2]: fail`);
  });
});
