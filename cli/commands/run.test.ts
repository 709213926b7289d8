// `certgate run` through the real entry point (bin/certgate.mjs), as CI calls it.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { XMLParser } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readRunReport } from '../../reports/index';
import { loadCatalogue } from '../../scenarios/catalogue';
import { getProfile } from '../../scenarios/profiles';
import { FAMILY_PROFILES, selectScenarios } from '../../scenarios/selection';
import { EmulatorTarget } from '../../scenarios/targets/emulator-target';
import { UrlTarget } from '../../scenarios/targets/url-target';
import { defaultProfiles } from './run';

const BIN = fileURLToPath(new URL('../../bin/certgate.mjs', import.meta.url));
const SELECT = 'tier.classic.negotiate-off.h1.*';

interface Ran {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function certgate(args: readonly string[], cwd: string): Promise<Ran> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd, env: { ...process.env, CI: 'true' }, timeout: 90_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'certgate-run-cli-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('certgate run on the emulator', () => {
  const selected = selectScenarios(loadCatalogue(), { select: [SELECT] }).map((s) => s.id);
  let ran: Ran;
  beforeAll(async () => {
    ran = await certgate(['run', '--select', SELECT, '--out', 'tmp'], dir);
  });

  it('exits 0, prints one plain line per scenario and closes with the summary line', () => {
    expect(ran.stderr).toBe('');
    expect(ran.code).toBe(0);
    expect(ran.stdout).not.toMatch(/[\x1b\r]/);
    const lines = ran.stdout.trimEnd().split('\n');
    for (const id of selected) expect(lines.filter((l) => new RegExp(`^(PASS|SKIP) +${id.replace(/\./g, '\\.')}\\b`).test(l))).toHaveLength(1);
    const m = /^(\d+) passed, (\d+) failed, (\d+) skipped$/.exec(lines.at(-1)!);
    expect(m).not.toBeNull();
    expect(Number(m![2])).toBe(0);
    expect(Number(m![1]) + Number(m![3])).toBe(selected.length);
    expect(Number(m![1])).toBeGreaterThan(0);
  });

  it('writes the four reports, and they parse', async () => {
    const out = join(dir, 'tmp');
    const report = await readRunReport(join(out, 'certgate-report.json'));
    expect(report.results.map((r) => r.id).sort()).toEqual([...selected].sort());
    expect(report.metadata.target).toBe('emulator');
    const junit = new XMLParser({ ignoreAttributes: false }).parse(readFileSync(join(out, 'certgate-junit.xml'), 'utf8'));
    expect(junit.testsuites).toBeDefined();
    expect(readFileSync(join(out, 'certgate-summary.md'), 'utf8')).toMatch(/\S/);
    expect(readFileSync(join(out, 'certgate-report.html'), 'utf8')).toMatch(/^<!DOCTYPE html>/i);
  });
});

describe('certgate run under several profiles (the emulator default: one profile per family)', () => {
  const FAMILIES = ['apim-developer', 'apim-standardv2', 'apim-consumption', 'apim-selfhosted'];
  // An "any" scenario (judged by all four), a classic one (apim-developer only) and a v2 one (apim-standardv2 only).
  const ANY = 'validate.identity.thumbprint.match';
  const CLASSIC = 'tier.classic.negotiate-on.h1.tls12.valid-certificate';
  const V2 = loadCatalogue().find((s) => s.setup.tier === 'v2')!.id;
  const select = ['--select', ANY, '--select', CLASSIC, '--select', V2];
  let ran: Ran;
  beforeAll(async () => {
    ran = await certgate(['run', ...select, '--out', 'families'], dir);
  });

  it('runs each scenario once per profile whose tier it covers, and the summary line counts results', async () => {
    expect(ran.stderr).toBe('');
    expect(ran.code).toBe(0);
    const report = await readRunReport(join(dir, 'families', 'certgate-report.json'));
    expect(report.metadata.profile).toBe(FAMILIES.join(','));
    const pairs = report.results.map((r) => `${r.id} ${r.profile}`).sort();
    expect(pairs).toEqual([...FAMILIES.map((p) => `${ANY} ${p}`), `${CLASSIC} apim-developer`, `${V2} apim-standardv2`].sort());
    const lines = ran.stdout.trimEnd().split('\n');
    const m = /^(\d+) passed, (\d+) failed, (\d+) skipped$/.exec(lines.at(-1)!)!;
    expect(Number(m[1]) + Number(m[2]) + Number(m[3])).toBe(6);
    expect(Number(m[2])).toBe(0);
    // Progress lines name the profile, once per result.
    for (const p of FAMILIES) expect(lines.filter((l) => new RegExp(`^(PASS|SKIP) +${ANY.replace(/\./g, '\\.')} \\[${p}\\]`).test(l))).toHaveLength(1);
    const junit = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', isArray: (n) => n === 'testsuite' || n === 'testcase' }).parse(
      readFileSync(join(dir, 'families', 'certgate-junit.xml'), 'utf8'),
    );
    const names = (junit.testsuites.testsuite as { testcase: { name: string }[] }[]).flatMap((s) => s.testcase.map((c) => c.name));
    expect(names.sort()).toEqual(report.results.map((r) => `${r.id} [${r.profile}]`).sort());
    expect(readFileSync(join(dir, 'families', 'certgate-summary.md'), 'utf8')).toMatch(/^\| apim-selfhosted \| 1 \|/m);
  });

  it('--profile with one profile judges everything under it: the v2 scenario is skipped with the reason, ids stay bare', async () => {
    const r = await certgate(['run', ...select, '--profile', 'apim-developer', '--report', 'json', '--out', 'developer'], dir);
    expect(r.code).toBe(0);
    const report = await readRunReport(join(dir, 'developer', 'certgate-report.json'));
    expect(report.metadata.profile).toBe('apim-developer');
    expect(report.results.map((x) => x.id).sort()).toEqual([ANY, CLASSIC, V2].sort());
    const v2 = report.results.find((x) => x.id === V2)!;
    expect(v2.verdict).toBe('skipped');
    expect(v2.skipReason).toContain(`scenario is for v2 gateways; apim-developer is ${getProfile('apim-developer').tier}`);
    expect(r.stdout).toMatch(new RegExp(`^SKIP +${V2.replace(/\./g, '\\.')} — `, 'm'));
  });

  it('an expected failure naming a profile applies under that profile only; one naming an unused profile is warned about', async () => {
    writeFileSync(join(dir, 'by-profile.yaml'), `${ANY}@apim-selfhosted: "listed for self-hosted only"\n${CLASSIC}@apim-consumption: "never runs there"\n`);
    const r = await certgate(['run', ...select, '--expected-failures', 'by-profile.yaml', '--report', 'json', '--out', 'by-profile'], dir);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(new RegExp(`^XPASS +${ANY.replace(/\./g, '\\.')} \\[apim-selfhosted\\]`, 'm'));
    const report = await readRunReport(join(dir, 'by-profile', 'certgate-report.json'));
    expect(report.results.filter((x) => x.verdict === 'unexpected-pass').map((x) => x.profile)).toEqual(['apim-selfhosted']);
    expect(r.stderr).toMatch(/by-profile\.yaml:2: ".*@apim-consumption" matches no selected scenario under apim-consumption/);
    expect(r.stderr).not.toMatch(/by-profile\.yaml:1/);
  });

  it('without --profile: the emulator is judged under every family, a url target under its own single profile', () => {
    expect(defaultProfiles(new EmulatorTarget())).toEqual(FAMILY_PROFILES);
    expect(defaultProfiles(new UrlTarget({ profile: 'apim-premium', setups: new Map() }))).toEqual(['apim-premium']);
  });

  it('--help says what "families" means', async () => {
    const r = await certgate(['run', '--help'], dir);
    expect(r.code).toBe(0);
    expect(r.stdout.replace(/\s+/g, ' ')).toContain(`families = ${FAMILIES.join(', ')}`);
  });
});

describe('certgate run refuses what it cannot do (exit 2)', () => {
  const cases: [string[], RegExp][] = [
    [['--profile', 'apim-developer,apim-gold'], /option '--profile <profiles>' argument 'apim-developer,apim-gold' is invalid. unknown profile "apim-gold"/],
    [['--target', 'nowhere'], /option '--target <target>' argument 'nowhere' is invalid/],
    [['--shard', '3/2'], /option '--shard <i\/n>' argument '3\/2' is invalid/],
    [['--report', 'json,pdf'], /unknown report format "pdf"/],
    [['--frobnicate'], /unknown option '--frobnicate'/],
    [['--target', 'url'], /--target url needs --url-map FILE/],
    [['--select', 'no.such.scenario.*'], /no scenario matches --select no\.such\.scenario\.\*/],
    [['--select', SELECT, '--expected-failures', 'missing.yaml'], /missing\.yaml: cannot read/],
  ];
  it('with exit 2 and a message naming the flag or file', async () => {
    // In parallel: each is a process start, and none of them runs a scenario.
    const runs = await Promise.all(cases.map(([args]) => certgate(['run', ...args, '--out', 'refused'], dir)));
    runs.forEach((r, i) => {
      expect({ args: cases[i]![0], code: r.code }).toEqual({ args: cases[i]![0], code: 2 });
      expect(r.stderr).toMatch(cases[i]![1]);
    });
  });
});

describe('certgate run with an expected-failures file', () => {
  it('exits 1 when a listed scenario passes (unexpected pass)', async () => {
    const id = 'tier.classic.negotiate-off.h1.tls12.valid-certificate';
    writeFileSync(join(dir, 'expected.yaml'), `${id}: "listed by mistake"\n`);
    const r = await certgate(['run', '--select', id, '--expected-failures', 'expected.yaml', '--report', 'json', '--out', 'xpass'], dir);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(new RegExp(`^XPASS +${id.replace(/\./g, '\\.')}\\b`, 'm'));
    expect(r.stdout.trimEnd().split('\n').at(-1)).toBe('0 passed, 1 failed, 0 skipped');
    const report = await readRunReport(join(dir, 'xpass', 'certgate-report.json'));
    expect(report.results.map((x) => x.verdict)).toEqual(['unexpected-pass']);
  });
});

describe('certgate run against a real gateway', async () => {
  const { nginxDriver } = await import('../../scenarios/gateways/nginx');
  const { apacheDriver } = await import('../../scenarios/gateways/apache');
  const nginx = await nginxDriver.detect();
  const apache = await apacheDriver.detect();

  it.skipIf('unavailable' in nginx)(`--target nginx runs the catalogue under the nginx profile and exits 0 with passes${'unavailable' in nginx ? ` (skipped: ${nginx.unavailable})` : ''}`, async () => {
    const r = await certgate(['run', '--target', 'nginx', '--report', 'json', '--out', 'nginx'], dir);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const m = /^(\d+) passed, (\d+) failed, (\d+) skipped$/.exec(r.stdout.trimEnd().split('\n').at(-1)!);
    expect(m).not.toBeNull();
    expect(Number(m![1])).toBeGreaterThanOrEqual(40);
    expect(Number(m![2])).toBe(0);
    const report = await readRunReport(join(dir, 'nginx', 'certgate-report.json'));
    expect(report.metadata).toMatchObject({ target: 'nginx', profile: 'nginx' });
    // skipped scenarios carry their reason into the report
    const skipped = report.results.filter((x) => x.verdict === 'skipped');
    expect(skipped.length).toBeGreaterThan(0);
    for (const s of skipped) expect(s.skipReason, s.id).toMatch(/\S/);
    expect(skipped.find((s) => s.id === 'tier.classic.negotiate-off.h1.tls12.valid-certificate')?.skipReason).toMatch(/first handshake/);
  });

  it('--gateway-bin naming a missing binary: exit 2 with the reason', async () => {
    const r = await certgate(['run', '--target', 'haproxy', '--gateway-bin', join(dir, 'no-such-haproxy'), '--out', 'nobin'], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/target haproxy is not available: .*no-such-haproxy/);
  });

  it.skipIf('unavailable' in apache)('SIGINT during a run stops the gateways it started and removes their directories (exit 130)', async () => {
    const { spawn } = await import('node:child_process');
    const { mkdirSync, readdirSync, readFileSync: read } = await import('node:fs');
    const tmp = join(dir, 'interrupt-tmp');
    mkdirSync(tmp);
    const child = spawn(process.execPath, [BIN, 'run', '--target', 'apache', '--select', 'body.classic.negotiate-off.*', '--concurrency', '1', '--report', 'json', '--out', 'interrupted'], {
      cwd: dir,
      env: { ...process.env, CI: 'true', TMPDIR: tmp },
      stdio: 'ignore',
    });
    const gatewayDirs = () => readdirSync(tmp).filter((n) => n.startsWith('certgate-apache-'));
    // Interrupt as soon as a gateway exists.
    for (let i = 0; i < 400 && gatewayDirs().length === 0 && child.exitCode === null; i++) await new Promise((r) => setTimeout(r, 25));
    expect(gatewayDirs().length, 'a gateway was started').toBeGreaterThan(0);
    const started = gatewayDirs();
    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
    expect(code).toBe(130);
    expect(gatewayDirs()).toEqual([]);
    // No process still runs from one of those directories.
    const left = readdirSync('/proc').filter((p) => /^\d+$/.test(p)).filter((p) => {
      try {
        return started.some((d) => read(`/proc/${p}/cmdline`, 'utf8').includes(d));
      } catch {
        return false;
      }
    });
    expect(left).toEqual([]);
  });
});
