import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { XMLParser } from 'fast-xml-parser';
import { afterAll, describe, expect, it } from 'vitest';
import type { RunReport, Verdict } from '../scenarios/result';
import { renderJunit } from './junit';
import { HOSTILE, hostileReport, largeReport, MULTI_PROFILES, multiProfileReport, sampleReport, TWIN_ID } from './test-fixtures';

const dir = mkdtempSync(join(tmpdir(), 'certgate-junit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const XSDS = ['jenkins-junit-10.xsd', 'ant-junit.xsd'].map((f) => fileURLToPath(new URL(`./schemas/${f}`, import.meta.url)));
const hasXmllint = spawnSync('xmllint', ['--version']).status === 0;
const needsXmllint = hasXmllint ? '' : 'SKIPPED, xmllint not found (Debian libxml2-utils): ';

const reports: [string, () => RunReport][] = [
  ['sample', sampleReport],
  ['hostile', hostileReport],
  ['large (300 scenarios)', () => largeReport(300)],
];

// The JUnit element each verdict must become (the contract of junit.ts, stated independently of its code).
const ELEMENT: Readonly<Record<Verdict, 'failure' | 'error' | 'skipped' | undefined>> = {
  pass: undefined,
  fail: 'failure',
  'unexpected-pass': 'failure',
  error: 'error',
  skipped: 'skipped',
  'expected-failure': 'skipped',
};

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '',
  isArray: (name) => ['testsuite', 'testcase', 'property'].includes(name),
  processEntities: true,
  htmlEntities: false,
});

interface Case { name: string; classname: string; time: string; failure?: unknown; error?: unknown; skipped?: unknown }
interface Suite { name: string; tests: string; failures: string; errors: string; skipped: string; testcase?: Case[]; properties: { property: { name: string; value: string }[] } }
const parse = (xml: string) => (parser.parse(xml) as { testsuites: { testsuite: Suite[] } }).testsuites.testsuite;
const attrOf = (el: unknown, a: string) => (el as Record<string, string>)[a];

describe('JUnit XML', () => {
  it.skipIf(!hasXmllint).each([...reports, ['multi-profile', () => multiProfileReport()] as [string, () => RunReport]])(`${needsXmllint}%s report validates against Jenkins junit-10.xsd and the Ant JUnit.xsd (xmllint)`, (name, make) => {
    const file = join(dir, `${name.split(' ')[0]}.xml`);
    writeFileSync(file, renderJunit(make()));
    for (const xsd of XSDS) {
      const r = spawnSync('xmllint', ['--noout', '--schema', xsd, file], { encoding: 'utf8' });
      expect(r.stderr).toContain('validates');
      expect(r.status).toBe(0);
    }
  });

  it.skipIf(!hasXmllint)(`${needsXmllint}the XSD check is not vacuous: a testcase without a name fails both schemas`, () => {
    const file = join(dir, 'broken.xml');
    writeFileSync(file, renderJunit(sampleReport()).replace(/<testcase name="[^"]*"/, '<testcase'));
    for (const xsd of XSDS) expect(spawnSync('xmllint', ['--noout', '--schema', xsd, file]).status).not.toBe(0);
  });

  it.each(reports)('%s: one testsuite per namespace, each verdict as its element, counts that add up', (_name, make) => {
    const report = make();
    const suites = parse(renderJunit(report));
    expect(suites.map((s) => s.name)).toEqual([...new Set(report.results.map((r) => r.namespace))]);
    for (const suite of suites) {
      const members = report.results.filter((r) => r.namespace === suite.name);
      const cases = suite.testcase ?? [];
      expect(cases.map((c) => c.name)).toEqual(members.map((r) => r.id));
      members.forEach((r, i) => {
        const c = cases[i]!;
        expect(c.classname).toBe(`certgate.${r.namespace}`);
        expect(Math.abs(Number(c.time) - r.durationMs / 1000)).toBeLessThanOrEqual(0.0005 + 1e-9); // millisecond resolution
        const present = (['failure', 'error', 'skipped'] as const).filter((e) => c[e] !== undefined);
        expect(present).toEqual(ELEMENT[r.verdict] ? [ELEMENT[r.verdict]] : []);
      });
      const count = (v: Verdict[]) => String(members.filter((r) => v.includes(r.verdict)).length);
      expect(suite.tests).toBe(String(members.length));
      expect(suite.failures).toBe(count(['fail', 'unexpected-pass']));
      expect(suite.errors).toBe(count(['error']));
      expect(suite.skipped).toBe(count(['skipped', 'expected-failure']));
    }
  });

  it('carries the run metadata as properties', () => {
    const report = sampleReport();
    const props = Object.fromEntries(parse(renderJunit(report))[0]!.properties.property.map((p) => [p.name, p.value]));
    expect(props['certgate.seed']).toBe(String(report.metadata.seed));
    expect(props['certgate.profile']).toBe(report.metadata.profile);
    expect(props['certgate.openssl']).toBe(report.metadata.openssl);
    expect(props['certgate.version']).toBe(report.metadata.certgateVersion);
  });

  it('puts expected and observed in the failure message, and the skip reason in <skipped message>', () => {
    const report = sampleReport();
    const cases = parse(renderJunit(report)).flatMap((s) => s.testcase ?? []);
    const failed = cases.find((c) => c.name === 'deadlock.premium.negotiate-off.post.1m')!;
    expect(attrOf(failed.failure, 'message')).toMatch(/^expected stall.*; observed timeout after 5\.00 s$/);
    expect(attrOf(failed.failure, 'type')).toBe('fail');
    const skipped = cases.find((c) => c.name === 'tier.basicv2.request-certificate.renegotiation-unsupported')!;
    expect(attrOf(skipped.skipped, 'message')).toBe('target lacks setup "basicv2-request-cert" in the mapping file');
    const up = cases.find((c) => c.name === 'validate.identity.thumbprint.lower-case')!;
    expect(attrOf(up.failure, 'type')).toBe('unexpected-pass');
    const err = cases.find((c) => c.name === 'tier.selfhosted.negotiate-on.h1.ca-upload')!;
    expect(attrOf(err.error, 'message')).toBe('emulator failed to start: EADDRINUSE 127.0.0.1:0');
  });

  it('escapes hostile strings: markup and quotes survive as text, forbidden control characters become visible', () => {
    const xml = renderJunit(hostileReport());
    const cases = parse(xml).flatMap((s) => s.testcase ?? []);
    const longId = hostileReport().results.find((r) => r.id.includes('very-long-segment'))!.id;
    const c = cases.find((x) => x.name === longId)!;
    const body = String((c.failure as Record<string, string>)['#text']);
    expect(body).toContain(HOSTILE.script);
    expect(body).toContain(HOSTILE.img);
    expect(body).toContain('a ]]> b --> c <!-- d');
    expect(body).toContain('bell\\x07 nul\\x00 esc\\x1B[31m');
    expect(body).toContain(HOSTILE.unicode);
    // eslint-disable-next-line no-control-regex
    expect(xml).not.toMatch(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\uffff]/);
    const skippedCase = cases.find((x) => x.name.startsWith('h2.<img'))!;
    expect(attrOf(skippedCase.skipped, 'message')).toContain(`"double" & 'single' &amp; <b>bold</b>`);
  });
});

describe('JUnit XML of a run under several profiles', () => {
  const report = multiProfileReport();
  const suites = parse(renderJunit(report));
  const cases = suites.flatMap((suite) => (suite.testcase ?? []).map((c) => ({ suite: suite.name, ...c })));

  it('one testcase per result, every (classname, name) unique, the profile in both', () => {
    expect(cases).toHaveLength(report.results.length);
    expect(new Set(cases.map((c) => `${c.classname}#${c.name}`)).size).toBe(cases.length);
    expect(new Set(cases.map((c) => c.name)).size).toBe(cases.length);
    for (const r of report.results) {
      const c = cases.find((x) => x.name === `${r.id} [${r.profile}]`);
      expect(c, `${r.id} under ${r.profile}`).toBeDefined();
      expect(c!.classname).toBe(`certgate.${r.profile}.${r.namespace}`);
      expect(c!.suite).toBe(`${r.namespace} [${r.profile}]`);
    }
  });

  it('the twin scenario passes under one profile and fails under the other, as two tests', () => {
    const dev = cases.find((c) => c.name === `${TWIN_ID} [apim-developer]`)!;
    const v2 = cases.find((c) => c.name === `${TWIN_ID} [apim-standardv2]`)!;
    expect(dev.failure).toBeUndefined();
    expect(attrOf(v2.failure, 'type')).toBe('fail');
  });

  it('suites of one profile are together, in the run\'s profile order, with counts that add up', () => {
    const order = suites.map((s) => MULTI_PROFILES.findIndex((p) => s.name.endsWith(`[${p}]`)));
    expect(order.every((p) => p >= 0)).toBe(true);
    expect(order).toEqual([...order].sort((a, b) => a - b));
    for (const suite of suites) {
      const members = report.results.filter((r) => suite.name === `${r.namespace} [${r.profile}]`);
      expect(suite.tests).toBe(String(members.length));
      expect(suite.failures).toBe(String(members.filter((r) => r.verdict === 'fail' || r.verdict === 'unexpected-pass').length));
    }
    const props = Object.fromEntries(suites[0]!.properties.property.map((p) => [p.name, p.value]));
    expect(props['certgate.profile']).toBe(MULTI_PROFILES.join(','));
  });
});
