// JUnit XML in the Ant shape that Jenkins, GitLab, Azure DevOps and GitHub test-report actions read: one <testsuite>
// per namespace, <failure> for fail and unexpected-pass, <error> for harness errors, <skipped> for skipped and for
// expected failures (as pytest's xunit2 does with xfail: they neither fail the build nor count as passes).
// A run under several profiles has one suite per profile and namespace, and the profile in every testcase's name and
// classname ("id [profile]", certgate.<profile>.<namespace>), so the same scenario under two profiles is two tests.
// Validated in tests against both the Jenkins xunit junit-10.xsd and the stricter Ant schema (reports/schemas/).
import type { RunReport, ScenarioResult } from '../scenarios/result';
import { formatCitation, formatExpected, formatObserved, formatReason, oneLine } from './format';
import { isMultiProfile, profilesOf } from './profiles';
import { assertNoPrivateKeyInValue, assertNoPrivateKeyMaterial } from './redact';
import { xmlAttr, xmlText } from './xml-escape';

export function renderJunit(report: RunReport): string {
  assertNoPrivateKeyInValue(report, 'the JUnit report (its input run)');
  const multi = isMultiProfile(report);
  // Suites of one profile together, in the run's profile order (a scenario's profiles are adjacent in the results).
  const rank = (p: string) => (profilesOf(report).indexOf(p) + 1 || Number.MAX_SAFE_INTEGER);
  const suites = [...groupBySuite(report.results, multi).values()].sort((a, b) => rank(a.profile) - rank(b.profile));
  const props = runProperties(report);
  const timestamp = antTimestamp(report.metadata.startedAt);
  const out: string[] = ['<?xml version="1.0" encoding="UTF-8"?>', '<testsuites>'];
  suites.forEach(({ name, pkg, results }, id) => {
    const failures = results.filter((r) => r.verdict === 'fail' || r.verdict === 'unexpected-pass').length;
    const errors = results.filter((r) => r.verdict === 'error').length;
    const skipped = results.filter((r) => r.verdict === 'skipped' || r.verdict === 'expected-failure').length;
    const time = seconds(results.reduce((s, r) => s + r.durationMs, 0));
    out.push(
      `  <testsuite name="${xmlAttr(name)}" package="${xmlAttr(pkg)}" id="${id}" tests="${results.length}" ` +
        `failures="${failures}" errors="${errors}" skipped="${skipped}" time="${time}" timestamp="${timestamp}" hostname="localhost">`,
      '    <properties>',
      ...props.map(([k, v]) => `      <property name="${xmlAttr(k)}" value="${xmlAttr(v)}"/>`),
      '    </properties>',
      ...results.map((r) => testcase(r, multi)),
      '    <system-out/>',
      '    <system-err/>',
      '  </testsuite>',
    );
  });
  out.push('</testsuites>', '');
  const xml = out.join('\n');
  assertNoPrivateKeyMaterial(xml, 'the JUnit report');
  return xml;
}

function testcase(r: ScenarioResult, multi: boolean): string {
  const name = multi ? `${r.id} [${r.profile}]` : r.id;
  const classname = multi ? `certgate.${r.profile}.${r.namespace}` : `certgate.${r.namespace}`;
  const open = `    <testcase name="${xmlAttr(name)}" classname="${xmlAttr(classname)}" time="${seconds(r.durationMs)}"`;
  const child = outcomeElement(r);
  return child ? `${open}>\n      ${child}\n    </testcase>` : `${open}/>`;
}

function outcomeElement(r: ScenarioResult): string | undefined {
  const message = oneLine(formatReason(r));
  switch (r.verdict) {
    case 'pass':
      return undefined;
    case 'skipped':
      return `<skipped message="${xmlAttr(message)}"/>`;
    case 'expected-failure':
      return `<skipped type="expected-failure" message="${xmlAttr(`expected failure: ${message}`)}"/>`;
    case 'fail':
      return element('failure', 'fail', `expected ${formatExpected(r.expected)}; observed ${formatObserved(r.observed)}`, r);
    case 'unexpected-pass':
      return element('failure', 'unexpected-pass', `unexpected pass: ${message}`, r);
    case 'error':
      return element('error', 'error', message, r);
  }
}

function element(tag: 'failure' | 'error', type: string, message: string, r: ScenarioResult): string {
  const body = [
    r.title,
    `expected: ${formatExpected(r.expected)}`,
    `observed: ${formatObserved(r.observed)}`,
    `citation: ${formatCitation(r.citation)}`,
    r.message ? `message:  ${r.message}` : undefined,
    r.expected?.note ? `note:     ${r.expected.note}` : undefined,
    `profile:  ${r.profile}  target: ${r.target}  tags: ${r.tags.join(', ')}`,
  ].filter((l): l is string => l !== undefined);
  return `<${tag} type="${type}" message="${xmlAttr(oneLine(message))}">${xmlText(body.join('\n'))}</${tag}>`;
}

interface Suite {
  readonly name: string;
  readonly profile: string;
  readonly pkg: string;
  readonly results: ScenarioResult[];
}

/** One suite per namespace, or per profile and namespace when the run used several profiles. */
function groupBySuite(results: readonly ScenarioResult[], multi: boolean): Map<string, Suite> {
  const groups = new Map<string, Suite>();
  for (const r of results) {
    const name = multi ? `${r.namespace} [${r.profile}]` : r.namespace;
    const suite = groups.get(name) ?? { name, profile: r.profile, pkg: multi ? `${r.profile}.${r.namespace}` : r.namespace, results: [] };
    suite.results.push(r);
    groups.set(name, suite);
  }
  return groups;
}

function runProperties(report: RunReport): [string, string][] {
  const m = report.metadata;
  const props: [string, string | number | undefined][] = [
    ['certgate.schemaVersion', report.schemaVersion],
    ['certgate.version', m.certgateVersion],
    ['certgate.target', m.target],
    ['certgate.profile', m.profile],
    ['certgate.seed', m.seed],
    ['certgate.node', m.node],
    ['certgate.openssl', m.openssl],
    ['certgate.startedAt', m.startedAt],
    ['certgate.durationMs', m.durationMs],
    ['certgate.selection', m.selection],
    ['certgate.shard', m.shard],
  ];
  return props.filter((p): p is [string, string | number] => p[1] !== undefined).map(([k, v]) => [k, String(v)]);
}

/** The Ant schema wants local-style "YYYY-MM-DDTHH:MM:SS" (no zone, no fraction); we print UTC. */
function antTimestamp(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? '1970-01-01T00:00:00' : d.toISOString().slice(0, 19);
}

function seconds(ms: number): string {
  return (ms / 1000).toFixed(3);
}
