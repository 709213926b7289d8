import { describe, expect, it } from 'vitest';
import type { ScenarioResult } from '../scenarios/result';
import { diffRuns } from './diff';
import { mdCode, mdText, renderMarkdown } from './markdown';
import { hostileReport, makeReport, multiProfileReport, multiProfileResults, sampleReport, sampleResults, TWIN_ID } from './test-fixtures';

describe('Markdown summary', () => {
  const report = sampleReport();
  const md = renderMarkdown(report);

  it('starts with the verdict and a totals line that matches the report', () => {
    const failing = report.results.filter((r) => ['fail', 'unexpected-pass', 'error'].includes(r.verdict)).length;
    expect(md.split('\n')[0]).toBe(`### certgate: ❌ ${failing} failing — \`apim-developer\` on \`emulator\``);
    const t = report.totals;
    expect(md).toContain(
      `**${t.total} scenarios**: ${t.pass} pass · ${t.fail} fail · ${t['expected-failure']} expected failure · ` +
        `${t['unexpected-pass']} unexpected pass · ${t.skipped} skipped · ${t.error} error`,
    );
  });

  it('lists each failure on one line with its id, expected vs observed, and a plain-text citation', () => {
    const section = md.slice(md.indexOf('#### Failures'), md.indexOf('#### Skipped'));
    const lines = section.split('\n').filter((l) => l.startsWith('- '));
    const failing = report.results.filter((r) => ['fail', 'unexpected-pass', 'error'].includes(r.verdict));
    expect(lines).toHaveLength(failing.length);
    failing.forEach((r, i) => expect(lines[i]).toContain(`\`${r.id}\``));
    const line = lines.find((l) => l.includes('deadlock.premium.negotiate-off.post.1m'))!;
    expect(line).toMatch(/expected stall, \\\[DOC\\\]; observed timeout after 5\.00 s — _custom-domain include, fact 3\.deadlock-40k_$/);
    expect(md).not.toMatch(/\]\(|https?:\/\//); // no links anywhere
  });

  it('counts and lists skipped scenarios by reason, expected failures folded away', () => {
    const results = sampleResults();
    const skip = results.find((r) => r.verdict === 'skipped')!;
    const more: ScenarioResult[] = [1, 2].map((n) => ({ ...skip, id: `${skip.id}-${n}` }));
    const text = renderMarkdown(makeReport([...results, ...more]));
    expect(text).toContain(`#### Skipped (3)`);
    expect(text).toContain(`- 3 × target lacks setup "basicv2-request-cert" in the mapping file: \`${skip.id}\`, \`${skip.id}-1\`, \`${skip.id}-2\``);
    expect(text).toMatch(/<details><summary>Expected failures \(1\)<\/summary>[\s\S]*h2\.classic\.negotiate-off\.null-certificate/);
  });

  it('puts regressions first when a baseline diff is given', () => {
    const before = sampleReport();
    const results = sampleResults().map((r) =>
      r.id === 'policy.verify.expired-certificate' ? { ...r, verdict: 'fail' as const, observed: { outcome: 'response' as const, status: 200, durationMs: 3 } } : r,
    );
    const after = makeReport(results);
    const text = renderMarkdown(after, { diff: diffRuns(before, after) });
    const reg = text.indexOf('#### Regressions since the baseline (2)');
    expect(reg).toBeGreaterThan(0);
    expect(reg).toBeLessThan(text.indexOf('#### Failures'));
    expect(text).toContain('- `policy.verify.expired-certificate` — verdict pass → fail; observed response 403 → response 200 — _MTLS-PAGE, § Policy samples, fact 5.verify-expired_');
  });

  it('a conformant run says so and has no failure section', () => {
    const text = renderMarkdown(makeReport(sampleResults().filter((r) => r.verdict === 'pass')));
    expect(text.split('\n')[0]).toBe('### certgate: ✅ conformant — `apim-developer` on `emulator`');
    expect(text).not.toContain('#### Failures');
  });

  it('neutralises hostile strings: no raw HTML tags, no line breaks inside an item, no @mentions', () => {
    const text = renderMarkdown(hostileReport());
    // Outside code spans (literal in CommonMark), every "<" that could open a tag is backslash-escaped.
    const outsideCode = text.replace(/(`+)[^`][\s\S]*?\1/g, '');
    expect(outsideCode).not.toMatch(/(?<!\\)<(?!details>|\/details>|summary>|\/summary>)[a-z/!]/i);
    expect(outsideCode).toContain('\\<img src=x onerror=');
    for (const line of text.split('\n').filter((l) => l.startsWith('- '))) expect(line).not.toMatch(/[\r\u0000-\u0008]/);
    expect(mdText('ping @octocat')).toBe('ping @\u2060octocat');
    expect(mdText('a|b *c* <img> [x](y)')).toBe('a\\|b \\*c\\* \\<img\\> \\[x\\](y)');
  });

  it('code spans survive backticks in ids', () => {
    expect(mdCode('a`b')).toBe('``a`b``');
    expect(mdCode('`x`')).toBe('`` `x` ``');
  });
});

describe('Markdown summary of a run under several profiles', () => {
  const report = multiProfileReport();
  const md = renderMarkdown(report);

  it('names both profiles and has one totals row per profile that matches the results', () => {
    expect(md.split('\n')[0]).toMatch(/— `apim-developer`, `apim-standardv2` on `emulator`$/);
    const ids = new Set(report.results.map((r) => r.id)).size;
    expect(md).toContain(`**${report.results.length} results** (${ids} scenarios under 2 profiles): `);
    const rows = md.split('\n').filter((l) => /^\| apim-/.test(l));
    expect(rows).toHaveLength(2);
    const header = md.split('\n').find((l) => l.startsWith('| Profile |'))!.split('|').map((c) => c.trim()).filter(Boolean);
    for (const row of rows) {
      const cells = row.split('|').map((c) => c.trim()).filter(Boolean);
      const mine = report.results.filter((r) => r.profile === cells[0]);
      expect(Number(cells[1])).toBe(mine.length);
      const verdictOf: Record<string, string> = { pass: 'pass', fail: 'fail', 'expected failure': 'expected-failure', 'unexpected pass': 'unexpected-pass', skipped: 'skipped', error: 'error' };
      expect(header.slice(2).sort()).toEqual(Object.keys(verdictOf).sort());
      header.slice(2).forEach((label, k) => {
        const n = mine.filter((r) => r.verdict === verdictOf[label]).length;
        expect({ profile: cells[0], label, n: Number(cells[k + 2]) }).toEqual({ profile: cells[0], label, n });
      });
    }
  });

  it('failures and skips name the profile', () => {
    expect(md).toContain(`\`${TWIN_ID} [apim-standardv2]\``);
    expect(md).not.toContain(`\`${TWIN_ID} [apim-developer]\``); // it passed there
    expect(md).toMatch(/- 1 × v2 has no negotiate setting: `tier\.classic\.negotiate-on\.h1\.valid-certificate \[apim-standardv2\]`/);
  });

  it('a regression under one profile is listed with that profile', () => {
    const before = multiProfileReport();
    const after = multiProfileReport(
      multiProfileResults().map((r) => (r.id === 'tier.classic.negotiate-on.h1.valid-certificate' && r.profile === 'apim-developer' ? { ...r, verdict: 'fail' as const } : r)),
    );
    const text = renderMarkdown(after, { diff: diffRuns(before, after) });
    expect(text).toContain('#### Regressions since the baseline (2)');
    expect(text).toContain('- `tier.classic.negotiate-on.h1.valid-certificate [apim-developer]` — verdict pass → fail');
    expect(text).toContain('- `validate.identity.thumbprint.lower-case [apim-developer]` — passed, but listed as expected to fail');
  });

  it('a single-profile run has no per-profile table and bare ids', () => {
    expect(renderMarkdown(sampleReport())).not.toContain('| Profile |');
  });
});
