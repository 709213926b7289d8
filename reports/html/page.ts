// The HTML report: one self-contained file (inline CSS and JS, no network). A header with the verdict, totals and run
// facts; the matrix of scenario cells grouped by namespace and topic, coloured by verdict; filters and search; details
// on demand in a drawer. A run under several profiles has one cell per scenario × profile (the profile's short name in
// the cell, a scenario's profiles side by side), profile chips and a profile filter. A Content-Security-Policy pins the one inline script and stylesheet by hash, so even a
// missed escape could not run script or fetch anything.
import { createHash } from 'node:crypto';
import type { RunReport, ScenarioResult, Verdict } from '../../scenarios/result';
import type { RunDiff } from '../diff';
import { FAILING_VERDICTS, formatCitation, formatMs, VERDICT_LABEL } from '../format';
import { assertNoPrivateKeyInValue, assertNoPrivateKeyMaterial } from '../redact';
import { CLIENT_SCRIPT } from './client-script';
import { renderDetails, VERDICT_GLYPH } from './details';
import { htmlAttr, htmlText, jsonForScript } from './escape';
import { groupResults, tierOf } from './grouping';
import { isMultiProfile, labeller, profilesOf, resultKey, resultsByProfile } from '../profiles';
import { countVerdicts } from '../report-schema';
import { STYLES } from './styles';

export interface HtmlOptions {
  /** Comparison with a baseline run: regressions are ringed in the matrix and counted in the header. */
  readonly diff?: RunDiff;
}

const VERDICT_ORDER: readonly Verdict[] = ['fail', 'unexpected-pass', 'error', 'expected-failure', 'skipped', 'pass'];

const sha256 = (s: string) => `'sha256-${createHash('sha256').update(s, 'utf8').digest('base64')}'`;

export function renderHtml(report: RunReport, options: HtmlOptions = {}): string {
  assertNoPrivateKeyInValue(report, 'the HTML report (its input run)');
  const { results } = report;
  const multi = isMultiProfile(report);
  const label = labeller(report);
  const regressions = new Set((options.diff?.regressed ?? []).map(resultKey));
  const view = results.map((r) => ({
    tier: tierOf(r),
    // What the URL fragment names: the id, or "id [profile]" when the id is not unique.
    key: label(r),
    search: [r.id, r.title, r.message, r.skipReason, formatCitation(r.citation), multi ? r.profile : undefined, ...r.tags]
      .filter((s): s is string => typeof s === 'string')
      .join(' ')
      .toLowerCase(),
  }));
  const csp = [
    "default-src 'none'",
    `script-src ${sha256(CLIENT_SCRIPT)}`,
    `style-src ${sha256(STYLES)}`,
    'img-src data:',
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
  const failing = results.filter((r) => FAILING_VERDICTS.has(r.verdict)).length;
  const html = [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${htmlAttr(csp)}">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<link rel="icon" href="data:,">',
    `<title>${htmlText(`certgate: ${failing ? `${failing} failing` : 'conformant'} · ${profilesOf(report).join(', ')} on ${report.metadata.target}`)}</title>`,
    `<style>${STYLES}</style>`,
    '</head><body>',
    header(report, failing, regressions.size, options.diff !== undefined, multi),
    controls(report, view.map((v) => v.tier), multi),
    `<main id="matrix">${matrix(results, regressions, multi)}<p id="empty" class="empty" hidden>No scenario matches the filters.</p></main>`,
    '<aside id="drawer" hidden aria-label="Scenario details"><button id="drawer-close" type="button" aria-label="Close details">×</button><div id="drawer-body"></div></aside>',
    results.map((r, i) => `<template id="d-${i}">${renderDetails(r)}</template>`).join('\n'),
    `<script type="application/json" id="certgate-data">${jsonForScript({ report, view, regressions: (options.diff?.regressed ?? []).map(label) })}</script>`,
    `<footer>certgate ${htmlText(report.metadata.certgateVersion)} · report schema ${htmlText(report.schemaVersion)} · ` +
      'this page is self-contained: it loads nothing from the network. The full run is embedded as JSON (#certgate-data).</footer>',
    `<script>${CLIENT_SCRIPT}</script>`,
    '</body></html>',
    '',
  ].join('\n');
  assertNoPrivateKeyMaterial(html, 'the HTML report');
  return html;
}

function header(report: RunReport, failing: number, regressionCount: number, hasBaseline: boolean, multi: boolean): string {
  const m = report.metadata;
  const t = report.totals;
  const verdictLine = failing
    ? `<span class="verdict bad">✗ ${failing} failing</span>`
    : '<span class="verdict ok">✓ conformant</span>';
  const facts: [string, string | undefined][] = [
    multi ? ['profiles', profilesOf(report).join(', ')] : ['profile', m.profile],
    ['target', m.target],
    ['started', m.startedAt],
    ['duration', formatMs(m.durationMs)],
    ['seed', String(m.seed)],
    ['certgate', m.certgateVersion],
    ['Node', m.node],
    ['OpenSSL', m.openssl],
    ['selection', m.selection],
    ['shard', m.shard],
    ['regressions since baseline', hasBaseline ? String(regressionCount) : undefined],
  ];
  const chips = [
    `<button class="chip total" type="button" data-verdict=""><span class="n">${t.total}</span>${multi ? 'results' : 'scenarios'}</button>`,
    ...VERDICT_ORDER.filter((v) => t[v] > 0).map(
      (v) =>
        `<button class="chip v-${v}" type="button" data-verdict="${v}" title="Show only ${VERDICT_LABEL[v]}">` +
        `<span class="n">${t[v]}</span>${htmlText(VERDICT_LABEL[v])}</button>`,
    ),
  ];
  return (
    '<header class="top">' +
    `<h1>${verdictLine}certgate conformance report</h1>` +
    `<div class="meta">${facts
      .filter((f): f is [string, string] => f[1] !== undefined)
      .map(([k, v]) => `<span>${htmlText(k)} <b>${htmlText(v)}</b></span>`)
      .join('')}</div>` +
    `<div class="totals">${chips.join('')}</div>` +
    (multi ? profileChips(report) : '') +
    '</header>'
  );
}

/** One chip per profile (click: show only that profile) with its counts, failing first. */
function profileChips(report: RunReport): string {
  const chips = [...resultsByProfile(report)].map(([profile, rs]) => {
    const c = countVerdicts(rs);
    const counts = VERDICT_ORDER.filter((v) => c[v] > 0).map((v) => `${c[v]} ${VERDICT_LABEL[v]}`).join(' · ');
    const bad = rs.some((r) => FAILING_VERDICTS.has(r.verdict));
    return (
      `<button class="chip profile${bad ? ' bad' : ''}" type="button" data-profile="${htmlAttr(profile)}" title="Show only ${htmlAttr(profile)}">` +
      `<span class="n">${htmlText(profile)}</span>${htmlText(counts || 'no scenario')}</button>`
    );
  });
  return `<div class="totals profiles">${chips.join('')}</div>`;
}

/** The profile's short name for a cell: "apim-standardv2" → "standardv2". */
const shortProfile = (p: string) => p.replace(/^apim-/, '');

function countBy(values: readonly string[]): [string, number][] {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => a[0].localeCompare(b[0]));
}

function options(entries: [string, number][]): string {
  return entries.map(([v, n]) => `<option value="${htmlAttr(v)}">${htmlText(v)} (${n})</option>`).join('');
}

function controls(report: RunReport, tiers: readonly string[], multi: boolean): string {
  const t = report.totals;
  const verdictOptions = [
    '<option value="">all verdicts</option>',
    `<option value="failing">failing: fail, unexpected pass, error (${t.fail + t['unexpected-pass'] + t.error})</option>`,
    ...VERDICT_ORDER.map((v) => `<option value="${v}">${htmlText(VERDICT_LABEL[v])} (${t[v]})</option>`),
  ].join('');
  const profileFilter = multi
    ? `<label>Profile <select id="f-profile"><option value="">all profiles</option>${[...resultsByProfile(report)]
        .map(([p, rs]) => `<option value="${htmlAttr(p)}">${htmlText(p)} (${rs.length})</option>`)
        .join('')}</select></label>`
    : '';
  return (
    '<div class="controls" role="search">' +
    `<label>Verdict <select id="f-verdict">${verdictOptions}</select></label>` +
    profileFilter +
    `<label>Tier <select id="f-tier"><option value="">all tiers</option>${options(countBy(tiers))}</select></label>` +
    `<label>Tag <select id="f-tag"><option value="">all tags</option>${options(countBy(report.results.flatMap((r) => [...new Set(r.tags)])))}</select></label>` +
    '<label>Search <input id="f-search" type="search" placeholder="id, title, message, citation…  ( / )" autocomplete="off"></label>' +
    '<button id="f-clear" type="button">Clear</button>' +
    '<span id="shown" class="shown"></span>' +
    '</div>'
  );
}

function matrix(results: readonly ScenarioResult[], regressions: ReadonlySet<string>, multi: boolean): string {
  return groupResults(results)
    .map((g) => {
      const members = g.topics.flatMap((tp) => tp.items.map((it) => results[it.index]!));
      const failing = members.filter((r) => FAILING_VERDICTS.has(r.verdict)).length;
      const scenarios = new Set(members.map((r) => r.id)).size;
      const count = multi
        ? `${scenarios} scenario${scenarios === 1 ? '' : 's'}, ${members.length} result${members.length === 1 ? '' : 's'}`
        : `${members.length} scenario${members.length === 1 ? '' : 's'}`;
      const rows = g.topics
        .map((tp) => {
          const cells = tp.items
            .map(({ index, label }) => {
              const r = results[index]!;
              const regressed = regressions.has(resultKey(r));
              const under = multi ? ` under ${r.profile}` : '';
              const tip = `${r.id}${under} — ${VERDICT_LABEL[r.verdict]}${regressed ? ' (regression)' : ''}: ${r.title}`;
              return (
                `<button type="button" class="cell v-${r.verdict}${regressed ? ' regressed' : ''}" data-i="${index}" title="${htmlAttr(tip)}">` +
                `<span class="g" aria-hidden="true">${VERDICT_GLYPH[r.verdict]}</span>` +
                (multi ? `<span class="p">${htmlText(shortProfile(r.profile))}</span>` : '') +
                `${htmlText(label)}</button>`
              );
            })
            .join('');
          return `<div class="topic"><div class="name">${htmlText(tp.topic)}</div><div class="cells">${cells}</div></div>`;
        })
        .join('');
      return (
        `<section class="group"><h2>${htmlText(g.namespace)}${summaryBar(members)}` +
        `<span class="counts">${count}${failing ? ` · ${failing} failing` : ''}</span></h2>${rows}</section>`
      );
    })
    .join('');
}

/** A thin stacked bar of the group's verdicts, drawn in SVG so the CSP needs no inline style attributes. */
function summaryBar(members: readonly ScenarioResult[]): string {
  let x = 0;
  const rects = VERDICT_ORDER.map((v) => {
    const n = members.filter((r) => r.verdict === v).length;
    if (n === 0) return '';
    const w = (n / members.length) * 120;
    const rect = `<rect class="s-${v}" x="${x.toFixed(2)}" y="0" width="${w.toFixed(2)}" height="6"/>`;
    x += w;
    return rect;
  }).join('');
  return `<svg class="bar" viewBox="0 0 120 6" width="120" height="6" aria-hidden="true">${rects}</svg>`;
}
