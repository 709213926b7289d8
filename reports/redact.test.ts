import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { RunReport } from '../scenarios/result';
import { writeReports } from './index';
import { renderHtml } from './html/page';
import { serializeRunReport } from './json';
import { renderJunit } from './junit';
import { renderMarkdown } from './markdown';
import { findPrivateKeyMaterial, PrivateKeyInReportError } from './redact';
import { makeReport, sampleResults } from './test-fixtures';

const dir = mkdtempSync(join(tmpdir(), 'certgate-redact-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const ed = generateKeyPairSync('ed25519');
const b64 = (buf: Buffer) => buf.toString('base64');

// Real keys in every encoding a key could leak through, each as it would sit inside a JSON string.
const leaks: [string, string][] = [
  ['PKCS#8 PEM', rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string],
  ['PKCS#1 PEM', rsa.privateKey.export({ type: 'pkcs1', format: 'pem' }) as string],
  ['SEC1 PEM', ec.privateKey.export({ type: 'sec1', format: 'pem' }) as string],
  ['RSA PKCS#8 DER base64', b64(rsa.privateKey.export({ type: 'pkcs8', format: 'der' }))],
  ['RSA PKCS#1 DER base64', b64(rsa.privateKey.export({ type: 'pkcs1', format: 'der' }))],
  ['EC SEC1 DER base64', b64(ec.privateKey.export({ type: 'sec1', format: 'der' }))],
  ['EC PKCS#8 DER base64', b64(ec.privateKey.export({ type: 'pkcs8', format: 'der' }))],
  ['Ed25519 PKCS#8 DER base64', b64(ed.privateKey.export({ type: 'pkcs8', format: 'der' }))],
  [
    'encrypted PKCS#8 DER base64',
    b64(rsa.privateKey.export({ type: 'pkcs8', format: 'der', cipher: 'aes-256-cbc', passphrase: 'x' })),
  ],
  ['base64url PKCS#8', rsa.privateKey.export({ type: 'pkcs8', format: 'der' }).toString('base64url')],
];

describe('findPrivateKeyMaterial', () => {
  it.each(leaks)('finds a %s embedded in report JSON', (_name, key) => {
    const text = JSON.stringify({ message: `oops: ${key}`, other: 'fine' }, null, 2);
    expect(findPrivateKeyMaterial(text).length).toBeGreaterThan(0);
  });

  it('reports line and column, never the key text', () => {
    const key = leaks[0]![1];
    const text = `line one\nline two ${key}`;
    const [first] = findPrivateKeyMaterial(text);
    expect(first).toEqual({ kind: 'pem-marker', line: 2, column: 10 });
    const err = new PrivateKeyInReportError('out.json', findPrivateKeyMaterial(text));
    expect(err.message).not.toContain(key.split('\n')[1]!.slice(0, 20));
  });

  it('does not flag public material: a real certificate (PEM and base64 DER), public keys, thumbprints', () => {
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-subj', '/CN=redact-test',
      '-days', '1', '-keyout', join(dir, 'k.pem'), '-out', join(dir, 'c.pem'),
    ], { stdio: 'ignore' });
    const certPem = readFileSync(join(dir, 'c.pem'), 'utf8');
    const certDer = execFileSync('openssl', ['x509', '-in', join(dir, 'c.pem'), '-outform', 'DER']);
    const text = JSON.stringify({
      certPem,
      certDer: b64(certDer),
      spki: b64(rsa.publicKey.export({ type: 'spki', format: 'der' })),
      rsaPublic: b64(rsa.publicKey.export({ type: 'pkcs1', format: 'der' })),
      spkiPem: ec.publicKey.export({ type: 'spki', format: 'pem' }),
      thumbprint: 'A94A8FE5CCB19BA61C4C0873D391E987982FBBD3',
      id: 'tier.classic.negotiate-off.h2.null-certificate',
      prose: 'The gateway never asks for the PRIVATE KEY; a title may say so.',
    });
    expect(findPrivateKeyMaterial(text)).toEqual([]);
  });
});

describe('every writer refuses a report carrying a private key', () => {
  const pem = leaks[0]![1];
  const leaky = (): RunReport => {
    const results = sampleResults();
    results[0] = { ...results[0]!, message: `client key: ${pem}` };
    return makeReport(results);
  };

  it.each([
    ['json', () => serializeRunReport(leaky())],
    ['junit', () => renderJunit(leaky())],
    ['md', () => renderMarkdown(leaky())],
    ['html', () => renderHtml(leaky())],
  ])('%s renderer throws PrivateKeyInReportError', (_name, render) => {
    expect(render).toThrow(PrivateKeyInReportError);
  });

  it('writeReports writes nothing at all when one format refuses', async () => {
    const out = join(dir, 'refused');
    await expect(writeReports(leaky(), { formats: ['json', 'junit', 'md', 'html'], outDir: out })).rejects.toThrow(
      /refusing to write the JSON report: it contains private key material/,
    );
    expect(existsSync(out) ? readdirSync(out) : []).toEqual([]);
  });

  it('a key hidden in a timeline detail or a tag is found too', () => {
    const results = sampleResults();
    results[1] = {
      ...results[1]!,
      tags: [...results[1]!.tags, leaks[7]![1]],
      clientTimeline: [{ at: 0, kind: 'error', detail: { key: leaks[3]![1] } }],
    };
    expect(() => renderHtml(makeReport(results))).toThrow(PrivateKeyInReportError);
    expect(() => renderJunit(makeReport(results))).toThrow(PrivateKeyInReportError);
  });
});
