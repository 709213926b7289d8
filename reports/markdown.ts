// The pull-request comment: a totals line, regressions first (when there is a baseline), then one line per failure
// with expected vs observed and a citation as plain text (no links), skipped scenarios grouped by reason.
// A run under several profiles adds a totals table per profile, and names every scenario as "id [profile]".
// Scenario strings are untrusted: everything printed goes through mdText or mdCode.
import type { RunReport, ScenarioResult, Verdict } from '../scenarios/result';
import type { RunDiff } from './diff';
import { formatCitation, formatExpected, formatMs, formatObserved, formatReason, oneLine, VERDICT_LABEL } from './format';
import { isMultiProfile, labeller, profilesOf, resultsByProfile } from './profiles';
import { assertNoPrivateKeyInValue, assertNoPrivateKeyMaterial } from './redact';
import { countVerdicts } from './report-schema';

export interface MarkdownOptions {
  readonly diff?: RunDiff;
  /** Lines per list before "… and N more"; GitHub comments stop at 65 536 characters. */
  readonly maxItems?: number;
}

const ICON: Readonly<Record<Verdict, string>> = {
  pass: '✅',
  fail: '❌',
  'expected-failure': '☑️',
  'unexpected-pass': '⚠️',
  skipped: '⏭️',
  error: '💥',
};

export function renderMarkdown(report: RunReport, options: MarkdownOptions = {}): string {
  assertNoPrivateKeyInValue(report, 'the Markdown report (its input run)');
  const max = options.maxItems ?? 50;
  const { totals, metadata: m } = report;
  const failing = totals.fail + totals['unexpected-pass'] + totals.error;
  const out: string[] = [];
  const label = labeller(report);
  const head = failing > 0 ? `❌ ${failing} failing` : '✅ conformant';
  out.push(`### certgate: ${head} — ${profilesOf(report).map(mdCode).join(', ') || mdCode(m.profile)} on ${mdCode(m.target)}`, '');
  const counts = (Object.keys(VERDICT_LABEL) as Verdict[])
    .filter((v) => totals[v] > 0)
    .map((v) => `${totals[v]} ${VERDICT_LABEL[v]}`);
  const multi = isMultiProfile(report);
  const what = multi
    ? `${totals.total} results** (${new Set(report.results.map((r) => r.id)).size} scenarios under ${profilesOf(report).length} profiles)`
    : `${totals.total} scenarios**`;
  out.push(
    `**${what}: ${counts.join(' · ') || 'none'} — ${formatMs(m.durationMs)}, ` +
      `certgate ${mdText(m.certgateVersion)}, seed ${m.seed}, Node ${mdText(m.node)}, OpenSSL ${mdText(m.openssl)}` +
      (m.shard ? `, shard ${mdText(m.shard)}` : ''),
    '',
  );
  if (multi) out.push(...profileTable(report), '');

  const diff = options.diff;
  if (diff) {
    out.push(`#### Regressions since the baseline (${diff.regressions.length})`, '');
    if (diff.regressions.length === 0) out.push('None.', '');
    else {
      const lines = diff.regressed.map((r, i) => {
        const change = diff.newlyFailing.find((c) => c.after === r);
        const what = change ? change.changes.join('; ') : 'passed, but listed as expected to fail';
        return `- ${mdCode(diff.regressions[i] ?? diff.labelOf(r))} — ${mdText(what)} — ${citation(r)}`;
      });
      out.push(...capped(lines, max), '');
    }
    if (diff.newlyPassing.length || diff.added.length || diff.removed.length) {
      out.push(
        `Also: ${diff.newlyPassing.length} newly passing, ${diff.changedOutcome.length} changed outcome, ` +
          `${diff.added.length} added, ${diff.removed.length} removed.`,
        '',
      );
    }
  }

  const failures = report.results.filter((r) => r.verdict === 'fail' || r.verdict === 'unexpected-pass' || r.verdict === 'error');
  if (failures.length) {
    out.push(`#### Failures (${failures.length})`, '');
    out.push(...capped(failures.map((r) => failureLine(r, label(r))), max), '');
  }

  const skipped = report.results.filter((r) => r.verdict === 'skipped');
  if (skipped.length) {
    out.push(`#### Skipped (${skipped.length})`, '');
    const byReason = new Map<string, ScenarioResult[]>();
    for (const r of skipped) {
      const reason = oneLine(r.skipReason ?? 'no reason given');
      byReason.set(reason, [...(byReason.get(reason) ?? []), r]);
    }
    const lines = [...byReason.entries()]
      .sort((a, b) => b[1].length - a[1].length)
      .map(([reason, rs]) => `- ${rs.length} × ${mdText(reason)}: ${capIds(rs.map(label), 10)}`);
    out.push(...capped(lines, max), '');
  }

  const xfail = report.results.filter((r) => r.verdict === 'expected-failure');
  if (xfail.length) {
    out.push('<details><summary>Expected failures (' + xfail.length + ')</summary>', '');
    out.push(...capped(xfail.map((r) => `- ${mdCode(label(r))} — ${mdText(formatReason(r))}`), max), '', '</details>', '');
  }

  const text = `${out.join('\n').trimEnd()}\n`;
  assertNoPrivateKeyMaterial(text, 'the Markdown report');
  return text;
}

/** One row per profile: how many scenarios it judged and their verdicts. */
function profileTable(report: RunReport): string[] {
  const verdicts = Object.keys(VERDICT_LABEL) as Verdict[];
  const rows = [...resultsByProfile(report)].map(([profile, rs]) => {
    const c = countVerdicts(rs);
    return `| ${mdText(profile)} | ${c.total} | ${verdicts.map((v) => c[v]).join(' | ')} |`;
  });
  return [
    `| Profile | Results | ${verdicts.map((v) => VERDICT_LABEL[v]).join(' | ')} |`,
    `|---|--:|${verdicts.map(() => '--:').join('|')}|`,
    ...rows,
  ];
}

function failureLine(r: ScenarioResult, label: string): string {
  const tag = r.verdict === 'fail' ? '' : ` **${VERDICT_LABEL[r.verdict]}**`;
  const detail =
    r.verdict === 'error'
      ? mdText(formatReason(r))
      : `expected ${mdText(formatExpected(r.expected))}; observed ${mdText(formatObserved(r.observed))}` +
        (r.verdict === 'unexpected-pass' && r.message ? ` (${mdText(r.message)})` : '');
  return `- ${ICON[r.verdict]}${tag} ${mdCode(label)} — ${detail} — ${citation(r)}`;
}

function citation(r: ScenarioResult): string {
  return `_${mdText(formatCitation(r.citation))}_`;
}

function capped(lines: string[], max: number): string[] {
  return lines.length <= max ? lines : [...lines.slice(0, max), `- … and ${lines.length - max} more (see the HTML or JUnit report)`];
}

function capIds(ids: string[], max: number): string {
  const shown = ids.slice(0, max).map(mdCode).join(', ');
  return ids.length > max ? `${shown}, … ${ids.length - max} more` : shown;
}

/** Inline text: one line, Markdown and HTML syntax neutralised, no @mentions. */
export function mdText(s: string): string {
  return oneLine(s)
    .replace(/[\\`*_[\]<>|~#]/g, (c) => `\\${c}`)
    .replace(/&/g, '&amp;')
    .replace(/@/g, '@\u2060'); // a word joiner after @ stops GitHub from pinging whoever a string names
}

/** A code span that survives backticks inside (CommonMark: a longer fence, padded with spaces). */
export function mdCode(s: string): string {
  const text = oneLine(s);
  const longest = Math.max(0, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  const pad = text.startsWith('`') || text.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${text}${pad}${fence}`;
}
