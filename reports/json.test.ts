import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseRunReport, readRunReport, ReportFileError, serializeRunReport } from './json';
import { hostileReport, multiProfileReport, sampleReport, TWIN_ID } from './test-fixtures';
import { SCHEMA_FILE, schemaFileText } from './write-schema';
import { OUTCOME_CLASSES, VERDICTS } from './report-schema';

const dir = mkdtempSync(join(tmpdir(), 'certgate-json-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, value: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, typeof value === 'string' ? value : JSON.stringify(value));
  return path;
}

// A real, independent JSON Schema validator (Python jsonschema), not zod checking its own output.
const python = spawnSync('python3', ['-c', 'import jsonschema'], { encoding: 'utf8' });
const hasJsonschema = python.status === 0;
const needsPython = hasJsonschema ? '' : 'SKIPPED, python3 with jsonschema not found (Debian python3-jsonschema): ';

describe('JSON report', () => {
  it('the committed run-report.schema.json is what the zod schema generates (run reports/write-schema.ts)', () => {
    expect(readFileSync(SCHEMA_FILE, 'utf8')).toBe(schemaFileText());
  });

  it('the fixtures really cover every verdict and every outcome class', () => {
    const r = hostileReport();
    expect(new Set(r.results.map((x) => x.verdict))).toEqual(new Set(VERDICTS));
    expect(new Set(r.results.flatMap((x) => (x.observed ? [x.observed.outcome] : [])))).toEqual(new Set(OUTCOME_CLASSES));
  });

  it('round-trips a report with hostile strings through serialize → file → readRunReport', async () => {
    const report = hostileReport();
    const path = write('run.json', serializeRunReport(report));
    expect(await readRunReport(path)).toEqual(JSON.parse(JSON.stringify(report)));
  });

  it.skipIf(!hasJsonschema)(
    needsPython + 'sample, hostile and multi-profile reports validate against the committed JSON Schema with python jsonschema',
    () => {
      for (const [name, report] of [['sample', sampleReport()], ['hostile', hostileReport()], ['multi-profile', multiProfileReport()]] as const) {
        const path = write(`${name}.json`, serializeRunReport(report));
        const out = execFileSync('python3', [
          '-c',
          'import json,sys,jsonschema; s=json.load(open(sys.argv[1])); jsonschema.Draft202012Validator.check_schema(s); ' +
            'jsonschema.Draft202012Validator(s).validate(json.load(open(sys.argv[2]))); print("valid")',
          SCHEMA_FILE,
          path,
        ], { encoding: 'utf8' });
        expect(out.trim()).toBe('valid');
      }
    },
  );

  it.skipIf(!hasJsonschema)(needsPython + 'the committed JSON Schema rejects a report with an unknown verdict (python jsonschema)', () => {
    const bad = JSON.parse(serializeRunReport(sampleReport()));
    bad.results[0].verdict = 'passed';
    const path = write('bad-verdict.json', bad);
    const r = spawnSync('python3', [
      '-c',
      'import json,sys,jsonschema; jsonschema.validate(json.load(open(sys.argv[2])), json.load(open(sys.argv[1])))',
      SCHEMA_FILE,
      path,
    ], { encoding: 'utf8' });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('passed');
  });
});

describe('readRunReport errors name the file, the field and what was expected', () => {
  it('missing file', async () => {
    const p = join(dir, 'nope.json');
    await expect(readRunReport(p)).rejects.toThrow(`${p}: no such file`);
  });

  it('not JSON', async () => {
    const p = write('garbage.json', '{"schemaVersion": "1.0", oops');
    await expect(readRunReport(p)).rejects.toThrow(/garbage\.json: not valid JSON/);
  });

  it('a bad verdict is located by index and scenario id', async () => {
    const bad = JSON.parse(serializeRunReport(sampleReport()));
    bad.results[2].verdict = 'passed';
    const p = write('bad.json', bad);
    const err = await readRunReport(p).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ReportFileError);
    expect((err as Error).message).toContain(`results[2] (id ${bad.results[2].id}).verdict`);
  });

  it('totals that disagree with the results', () => {
    const bad = JSON.parse(serializeRunReport(sampleReport()));
    bad.totals.fail += 1;
    expect(() => parseRunReport(JSON.stringify(bad), 'x.json')).toThrow(/totals\.fail: totals\.fail is \d+ but the results contain \d+/);
  });

  it('a skipped scenario without a reason', () => {
    const bad = JSON.parse(serializeRunReport(sampleReport()));
    const i = bad.results.findIndex((r: { verdict: string }) => r.verdict === 'skipped');
    delete bad.results[i].skipReason;
    expect(() => parseRunReport(JSON.stringify(bad), 'x.json')).toThrow(/skipReason: a skipped scenario must carry a non-empty skipReason/);
  });

  it('an unreadable schema version', () => {
    const bad = { ...JSON.parse(serializeRunReport(sampleReport())), schemaVersion: '2.0' };
    expect(() => parseRunReport(JSON.stringify(bad), 'future.json')).toThrow(/future\.json: schemaVersion "2\.0" is not readable/);
  });

  it('duplicate ids under one profile', () => {
    const bad = JSON.parse(serializeRunReport(sampleReport()));
    bad.results[1].id = bad.results[0].id;
    expect(() => parseRunReport(JSON.stringify(bad), 'x.json')).toThrow(/results\[1\] \(id [^)]*\)\.id: duplicate id \S+ under profile apim-developer/);
  });

  it('one id under several profiles is read back; the same id twice under one of them is not', () => {
    const report = multiProfileReport();
    expect(report.results.filter((r) => r.id === TWIN_ID).map((r) => r.profile)).toEqual(['apim-developer', 'apim-standardv2']);
    expect(parseRunReport(serializeRunReport(report), 'multi.json')).toEqual(JSON.parse(JSON.stringify(report)));
    const bad = JSON.parse(serializeRunReport(report));
    const i = bad.results.findIndex((r: { id: string; profile: string }) => r.id === TWIN_ID && r.profile === 'apim-standardv2');
    bad.results[i].profile = 'apim-developer';
    expect(() => parseRunReport(JSON.stringify(bad), 'x.json')).toThrow(new RegExp(`duplicate id ${TWIN_ID.replace(/\./g, '\\.')} under profile apim-developer`));
  });
});
