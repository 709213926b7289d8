// The echo's fast JSON path must be byte for byte what JSON.stringify of its report gives, for every shape of
// request: the report is what scenarios read, the fast path only avoids re-serialising the certificate summary.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { X509Certificate2 } from '../certificates/x509-certificate2';
import type { BackendRequest } from '../pipeline/contract';
import { echoBackend, echoJson, echoReport } from './echo';

let dir: string;
let cert: X509Certificate2;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'certgate-echo-test-'));
  // A certificate made by the openssl CLI, so the summary is of a real certificate and not one shaped by our code.
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-subj', '/CN=echo test/O=Contoso, Inc.',
    '-days', '2', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
  cert = X509Certificate2.fromPem(readFileSync(join(dir, 'cert.pem'), 'utf8'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const request = (over: Partial<BackendRequest> = {}): BackendRequest => ({
  method: 'POST',
  url: new URL('https://gateway.test/api/items?a=1&a=2&b=%22x%22'),
  headers: { host: ['gateway.test'], 'x-many': ['1', '2'], 'x-quote': ['"\\\u2028'] },
  body: Buffer.from('hello'),
  clientCertificate: cert,
  ...over,
});

describe('echo JSON', () => {
  it('is JSON.stringify(echoReport) with a certificate, without one, with and without query and body', () => {
    const shapes: BackendRequest[] = [
      request(),
      request({ clientCertificate: null }),
      request({ url: new URL('https://gateway.test/plain'), body: Buffer.alloc(0) }),
      request({ headers: {} }),
    ];
    for (const r of shapes) {
      const first = echoJson(r);
      expect(first).toBe(JSON.stringify(echoReport(r)));
      expect(echoJson(r)).toBe(first); // the cached certificate part does not drift
    }
  });

  it('reports the certificate openssl made and the request as received', () => {
    const report = JSON.parse(echoJson(request()));
    const fingerprint = execFileSync('openssl', ['x509', '-in', join(dir, 'cert.pem'), '-noout', '-fingerprint', '-sha1'], { encoding: 'utf8' });
    expect(report.clientCertificate.thumbprint).toBe(fingerprint.split('=')[1]!.trim().replace(/:/g, ''));
    expect(report.query).toEqual({ a: ['1', '2'], b: ['"x"'] });
    expect(report.body.length).toBe(5);
  });

  it('answers at once (a response, not a promise), so forward-request needs no timer', () => {
    const answer = echoBackend(request());
    expect(typeof (answer as unknown as { then?: unknown }).then).toBe('undefined');
    expect(answer.body.toString()).toBe(echoJson(request()));
  });
});
