import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ExpectedFailuresError, loadExpectedFailures, parseExpectedFailures } from './expected-failures';

describe('expected-failures file', () => {
  it('maps ids and globs to reasons; the first matching entry wins', () => {
    const ef = parseExpectedFailures(
      ['# our gateway', 'tier.classic.negotiate-off.h2.*: resets h2 streams', 'validate.shape.responder-down: "fails open"', 'validate.*: catch-all'].join('\n'),
      'ef.yaml',
    );
    expect(ef.reasonFor('tier.classic.negotiate-off.h2.tls12.valid-certificate')).toBe('resets h2 streams');
    expect(ef.reasonFor('tier.classic.negotiate-on.h2.tls12.valid-certificate')).toBeUndefined();
    expect(ef.reasonFor('validate.shape.responder-down')).toBe('fails open');
    expect(ef.reasonFor('validate.identity.thumbprint.match')).toBe('catch-all');
    expect(ef.unused(['validate.shape.responder-down']).map((e) => e.pattern)).toEqual(['tier.classic.negotiate-off.h2.*']);
  });

  it('an entry naming a profile (@profile) applies under that profile only; one without applies under all', () => {
    const ef = parseExpectedFailures(
      ['validate.shape.expired@apim-standardv2: "v2 only"', 'body.*: everywhere', 'ca.upload.*@apim-consumption: never used'].join('\n'),
      'ef.yaml',
    );
    expect(ef.reasonFor('validate.shape.expired', 'apim-standardv2')).toBe('v2 only');
    expect(ef.reasonFor('validate.shape.expired', 'apim-developer')).toBeUndefined();
    expect(ef.reasonFor('validate.shape.expired')).toBeUndefined();
    for (const profile of ['apim-developer', 'apim-selfhosted', undefined]) expect(ef.reasonFor('body.v2.post', profile)).toBe('everywhere');
    expect(ef.entries.map((e) => [e.pattern, e.profile])).toEqual([
      ['validate.shape.expired', 'apim-standardv2'],
      ['body.*', undefined],
      ['ca.upload.*', 'apim-consumption'],
    ]);
    // Used only when a scenario ran under the named profile.
    const ran = [
      { id: 'validate.shape.expired', profile: 'apim-standardv2' },
      { id: 'body.v2.post', profile: 'apim-standardv2' },
      { id: 'ca.upload.root-store', profile: 'apim-developer' },
    ];
    expect(ef.unused(ran).map((e) => e.line)).toEqual([3]);
  });

  it('refuses an unknown profile after @, naming the line', () => {
    expect(() => parseExpectedFailures('ok.id: fine\nvalidate.x@apim-gold: nope\n', 'ef.yaml')).toThrow(/ef\.yaml:2: "validate\.x@apim-gold": unknown profile "apim-gold"/);
    expect(() => parseExpectedFailures('validate.x@: nope\n', 'ef.yaml')).toThrow(/ef\.yaml:1: .*unknown profile ""/);
  });

  it('reads JSON too', () => {
    const ef = parseExpectedFailures('{ "ca.upload.root-store": "no CA store" }', 'ef.json');
    expect(ef.reasonFor('ca.upload.root-store')).toBe('no CA store');
  });

  it('names the file and line of a bad entry', () => {
    const text = ['ok.id: fine', 'Bad Id: upper case and a space', 'other.id: 42', 'empty.id: ""'].join('\n');
    let err: unknown;
    try {
      parseExpectedFailures(text, 'ef.yaml');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ExpectedFailuresError);
    const msg = (err as Error).message;
    expect(msg).toMatch(/ef\.yaml:2: "Bad Id"/);
    expect(msg).toMatch(/ef\.yaml:3: other\.id: the reason must be a non-empty string/);
    expect(msg).toMatch(/ef\.yaml:4: empty\.id/);
    expect(msg).not.toMatch(/:1:/);
  });

  it('refuses a list, duplicate keys and broken YAML with the line', () => {
    expect(() => parseExpectedFailures('\n- a.b\n', 'x.yaml')).toThrow(/x\.yaml:2: expected a mapping/);
    expect(() => parseExpectedFailures('a.b: x\na.b: y\n', 'x.yaml')).toThrow(/x\.yaml:2/);
    expect(() => parseExpectedFailures('a.b: [unclosed\n', 'x.yaml')).toThrow(/x\.yaml:\d+/);
  });

  it('loads from disk and says when the file is missing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'certgate-ef-'));
    try {
      writeFileSync(join(dir, 'ef.yaml'), 'body.*: slow\n');
      expect(loadExpectedFailures(join(dir, 'ef.yaml')).reasonFor('body.v2.x')).toBe('slow');
      expect(() => loadExpectedFailures(join(dir, 'nope.yaml'))).toThrow(/nope\.yaml: cannot read/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
