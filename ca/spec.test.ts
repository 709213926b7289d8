// Bad specs fail with a message naming the field (and, for files, the line); good ones parse with defaults.

import { describe, expect, it } from 'vitest';
import { defaultSpec } from './default-spec';
import { parseSpec, parseSpecText, resolveTime, SpecError, type PkiSpecInput } from './spec';

const now = new Date('2026-03-01T00:00:00Z');
const base = (): PkiSpecInput => ({
  certificates: [
    { name: 'root', role: 'root-ca', keyType: 'ec-p256' },
    { name: 'alice', role: 'client', issuer: 'root', keyType: 'ec-p256' },
  ],
});

function errorOf(fn: () => unknown): SpecError {
  try {
    fn();
  } catch (err) {
    if (err instanceof SpecError) return err;
    throw err;
  }
  throw new Error('expected a SpecError');
}

describe('parseSpec', () => {
  it('accepts the default spec and fills defaults', () => {
    const spec = parseSpec(defaultSpec(), now);
    expect(spec.certificates.length).toBeGreaterThan(15);
    const minimal = parseSpec(base(), now);
    expect(minimal.seed).toBe('certgate');
    expect(minimal.responder).toEqual({ host: '127.0.0.1', port: 8780 });
    expect(minimal.certificates[1]!.shapes).toEqual([]);
  });

  it('unknown key type names the field and the allowed values', () => {
    const spec = base();
    (spec.certificates[1] as { keyType: string }).keyType = 'dsa1024';
    const err = errorOf(() => parseSpec(spec, now));
    expect(err.message).toMatch(/^certificates\[1\]\.keyType: .*"rsa2048".*"ec-p256"/);
  });

  it('a leaf signed by a missing CA names the issuer field and lists the CAs', () => {
    const spec = base();
    spec.certificates[1]!.issuer = 'nobody';
    expect(errorOf(() => parseSpec(spec, now)).message).toBe('certificates[1].issuer: no certificate named "nobody" in this spec (CAs: root)');
  });

  it('a leaf signed by a non-CA is refused', () => {
    const spec = base();
    spec.certificates.push({ name: 'bob', role: 'client', issuer: 'alice', keyType: 'ec-p256' });
    expect(errorOf(() => parseSpec(spec, now)).message).toMatch(/^certificates\[2\]\.issuer: "alice" is not a CA/);
  });

  it('validity ending before it starts names notAfter, also with absolute times', () => {
    const spec = base();
    spec.certificates[1]!.validity = { notBefore: '+10d', notAfter: '+5d' };
    expect(errorOf(() => parseSpec(spec, now)).message).toMatch(/^certificates\[1\]\.validity\.notAfter: ends \(2026-03-06T00:00:00\.000Z\) before it starts \(2026-03-11/);
    spec.certificates[1]!.validity = { notBefore: '2026-01-02T00:00:00Z', notAfter: '2026-01-01T00:00:00Z' };
    expect(errorOf(() => parseSpec(spec, now)).issues[0]!.path).toEqual(['certificates', 1, 'validity', 'notAfter']);
  });

  it('a malformed time says what is expected', () => {
    const spec = base();
    spec.certificates[1]!.validity = { notAfter: 'next tuesday' };
    expect(errorOf(() => parseSpec(spec, now)).message).toMatch(/^certificates\[1\]\.validity\.notAfter: expected a time relative to now like "-1d"/);
  });

  it('duplicate names, unknown fields and issuer loops are caught', () => {
    const dup = base();
    dup.certificates.push({ name: 'alice', role: 'client', issuer: 'root', keyType: 'rsa2048' });
    expect(errorOf(() => parseSpec(dup, now)).message).toBe('certificates[2].name: duplicate name "alice" (also certificates[1])');

    const extra = base() as { certificates: Record<string, unknown>[] };
    extra.certificates[0]!.colour = 'blue';
    expect(errorOf(() => parseSpec(extra, now)).message).toMatch(/^certificates\[0\]: .*colour/);

    const loop: PkiSpecInput = {
      certificates: [
        { name: 'a', role: 'intermediate-ca', issuer: 'b', keyType: 'ec-p256' },
        { name: 'b', role: 'intermediate-ca', issuer: 'a', keyType: 'ec-p256' },
      ],
    };
    expect(errorOf(() => parseSpec(loop, now)).message).toMatch(/certificates\[0\]\.issuer: issuer chain loops back/);
  });

  it('a bad DN attribute in a subject is named', () => {
    const spec = base();
    spec.certificates[1]!.subject = [{ CN: 'x', FAVOURITE: 'y' }];
    expect(errorOf(() => parseSpec(spec, now)).message).toMatch(/^certificates\[1\]\.subject/);
  });

  it('resolves relative and absolute times against the clock', () => {
    expect(resolveTime('-1d', now).toISOString()).toBe('2026-02-28T00:00:00.000Z');
    expect(resolveTime('+12h', now).toISOString()).toBe('2026-03-01T12:00:00.000Z');
    expect(resolveTime('2030-01-01T00:00:00Z', now).toISOString()).toBe('2030-01-01T00:00:00.000Z');
  });
});

describe('parseSpecText', () => {
  const yaml = [
    'seed: demo', // 1
    'certificates:', // 2
    '  - name: root', // 3
    '    role: root-ca', // 4
    '    keyType: ec-p256', // 5
    '  - name: alice', // 6
    '    role: client', // 7
    '    issuer: root', // 8
    '    keyType: ed25519', // 9
    '',
  ].join('\n');

  it('YAML errors carry the file and the line of the bad field', () => {
    const err = errorOf(() => parseSpecText(yaml, 'pki.yaml', now));
    expect(err.message).toMatch(/^pki\.yaml:9: certificates\[1\]\.keyType: /);
  });

  it('a missing CA points at the issuer line', () => {
    const text = yaml.replace('keyType: ed25519', 'keyType: rsa2048').replace('issuer: root', 'issuer: roo');
    expect(errorOf(() => parseSpecText(text, 'pki.yaml', now)).message).toMatch(/^pki\.yaml:8: certificates\[1\]\.issuer: no certificate named "roo"/);
  });

  it('a missing required field points at its object', () => {
    const text = yaml.replace('    keyType: ed25519\n', '');
    expect(errorOf(() => parseSpecText(text, 'pki.yaml', now)).message).toMatch(/^pki\.yaml:6: certificates\[1\]\.keyType: /);
  });

  it('YAML syntax errors give the line', () => {
    const err = errorOf(() => parseSpecText('certificates:\n  - name: a\n   role: [oops\n', 'bad.yaml', now));
    expect(err.message).toMatch(/^bad\.yaml:3: \(spec\): syntax error/);
  });

  it('JSON is read too, with lines', () => {
    const json = JSON.stringify({ certificates: [{ name: 'root', role: 'root-ca', keyType: 'ec-p256', validity: { notBefore: '+2d', notAfter: '+1d' } }] }, null, 2);
    const line = json.split('\n').findIndex((l) => l.includes('"notAfter"')) + 1;
    expect(errorOf(() => parseSpecText(json, 'pki.json', now)).message).toMatch(new RegExp(`^pki\\.json:${line}: certificates\\[0\\]\\.validity\\.notAfter`));
  });
});
