import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { serializeRunReport } from '../../reports/json';
import { makeReport, multiProfileReport, multiProfileResults, sampleReport, sampleResults, TWIN_ID } from '../../reports/test-fixtures';
import { runReportDiff, runReportRender } from './report';

const dir = mkdtempSync(join(tmpdir(), 'certgate-report-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const write = (name: string, text: string) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};
const capture = () => {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (t: string) => void out.push(t), err: (t: string) => void err.push(t) }, out, err };
};

// No unexpected pass in the baseline, so "no regressions" is reachable.
const clean = sampleResults().filter((r) => r.verdict !== 'unexpected-pass');
const oldPath = write('old.json', serializeRunReport(makeReport(clean)));
const samePath = write('same.json', serializeRunReport(makeReport(clean)));
const worsePath = write(
  'new.json',
  serializeRunReport(
    makeReport(clean.map((r) => (r.id === 'policy.verify.expired-certificate' ? { ...r, verdict: 'fail' as const } : r))),
  ),
);

describe('certgate report diff', () => {
  it('exits 0 and says so when nothing regressed', async () => {
    const c = capture();
    expect(await runReportDiff(oldPath, samePath, {}, c.io)).toBe(0);
    expect(c.out.join('')).toBe('0 regression(s), 0 newly passing, 0 changed, 0 added, 0 removed\n');
  });

  it('exits 1 on a regression and lists it first', async () => {
    const c = capture();
    expect(await runReportDiff(oldPath, worsePath, {}, c.io)).toBe(1);
    expect(c.out.join('').split('\n').slice(0, 2)).toEqual([
      'Newly failing (1)',
      '  policy.verify.expired-certificate: verdict pass → fail',
    ]);
  });

  it('--json prints machine-readable ids', async () => {
    const c = capture();
    expect(await runReportDiff(oldPath, worsePath, { json: true }, c.io)).toBe(1);
    expect(JSON.parse(c.out.join('')).regressions).toEqual(['policy.verify.expired-certificate']);
  });

  it('runs under several profiles: a regression under one profile is named with it, its twin under the other is not', async () => {
    // The twin already fails under apim-standardv2; under apim-developer it passed and now fails.
    const clean2 = multiProfileResults().filter((r) => r.verdict !== 'unexpected-pass');
    const before = write('multi-old.json', serializeRunReport(multiProfileReport(clean2)));
    const after = write(
      'multi-new.json',
      serializeRunReport(multiProfileReport(clean2.map((r) => (r.id === TWIN_ID && r.profile === 'apim-developer' ? { ...r, verdict: 'fail' as const } : r)))),
    );
    const c = capture();
    expect(await runReportDiff(before, after, { json: true }, c.io)).toBe(1);
    const json = JSON.parse(c.out.join(''));
    expect(json.regressions).toEqual([`${TWIN_ID} [apim-developer]`]);
    expect(json.newlyFailing).toEqual([`${TWIN_ID} [apim-developer]`]);
    const t = capture();
    expect(await runReportDiff(before, after, {}, t.io)).toBe(1);
    expect(t.out.join('').split('\n').slice(0, 2)).toEqual(['Newly failing (1)', `  ${TWIN_ID} [apim-developer]: verdict pass → fail`]);
    // The same run against itself: the twin failing under apim-standardv2 in both is no regression.
    expect(await runReportDiff(after, after, {}, capture().io)).toBe(0);
  });

  it('exits 2 naming the file when a report is missing or invalid', async () => {
    const c = capture();
    expect(await runReportDiff(join(dir, 'missing.json'), worsePath, {}, c.io)).toBe(2);
    expect(c.err.join('')).toContain('missing.json: no such file');
    const bad = write('bad.json', '{"schemaVersion":"1.0","results":[]}');
    const c2 = capture();
    expect(await runReportDiff(oldPath, bad, {}, c2.io)).toBe(2);
    expect(c2.err.join('')).toMatch(/bad\.json: not a valid certgate run report:\n {2}metadata: /);
  });
});

describe('certgate report render', () => {
  it('writes the requested formats into --out', async () => {
    const out = join(dir, 'rendered');
    const c = capture();
    expect(await runReportRender(oldPath, { format: 'html,junit,md', out }, c.io)).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['certgate-junit.xml', 'certgate-report.html', 'certgate-summary.md']);
    expect(c.out).toHaveLength(3);
    expect(readFileSync(join(out, 'certgate-summary.md'), 'utf8')).toContain('### certgate:');
  });

  it('--baseline puts regressions into the summary', async () => {
    const out = join(dir, 'with-baseline');
    expect(await runReportRender(worsePath, { format: 'md', out, baseline: oldPath }, capture().io)).toBe(0);
    expect(readFileSync(join(out, 'certgate-summary.md'), 'utf8')).toContain('#### Regressions since the baseline (1)');
  });

  it('exits 2 on an unknown format, naming it and the accepted ones', async () => {
    const c = capture();
    expect(await runReportRender(oldPath, { format: 'html,pdf', out: join(dir, 'x') }, c.io)).toBe(2);
    expect(c.err.join('')).toContain('unknown report format "pdf" (expected a comma-separated list of json, junit, md, html)');
  });
});

describe('through commander, in a child process (exit codes and --help)', () => {
  // cli/main.ts wires the room's commands; this stands in for it so the test does not depend on that wiring.
  // .mts: outside the package, a .ts file would be read as CommonJS; modules are imported by absolute URL.
  const commander = pathToFileURL(createRequire(import.meta.url).resolve('commander')).href;
  const entry = write(
    'entry.mts',
    `import { Command, CommanderError } from ${JSON.stringify(commander)};
import { registerReportCommands } from ${JSON.stringify(pathToFileURL(fileURLToPath(new URL('./report.ts', import.meta.url))).href)};
const program = new Command('certgate').exitOverride();
registerReportCommands(program);
try { await program.parseAsync(process.argv); } catch (e) { process.exitCode = e instanceof CommanderError && e.exitCode === 0 ? 0 : 2; }
`,
  );
  const run = (...args: string[]) =>
    spawnSync(process.execPath, ['--import', 'tsx', entry, ...args], {
      cwd: fileURLToPath(new URL('../..', import.meta.url)),
      encoding: 'utf8',
    });

  it('report diff exits 1 on a regression, 0 without', () => {
    expect(run('report', 'diff', oldPath, worsePath).status).toBe(1);
    expect(run('report', 'diff', oldPath, samePath).status).toBe(0);
  });

  it('missing arguments and unknown flags are usage errors (2)', () => {
    const r = run('report', 'diff', oldPath);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("missing required argument 'new'");
    expect(run('report', 'render', oldPath, '--colour').status).toBe(2);
  });

  it('--help describes both subcommands', () => {
    const r = run('report', '--help');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/diff .*<old> <new>/);
    expect(r.stdout).toMatch(/render .*<run>/);
  });

  it('a hostile sample renders end to end', () => {
    const p = write('sample.json', serializeRunReport(sampleReport()));
    const r = run('report', 'render', p, '--format', 'json,junit,md,html', '--out', join(dir, 'all'));
    expect(r.status).toBe(0);
    expect(readdirSync(join(dir, 'all'))).toHaveLength(4);
  });
});
