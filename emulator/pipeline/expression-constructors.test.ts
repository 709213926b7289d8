// `new X509Certificate2(byte[])` in policy expressions (how a policy decodes the PEM Application Gateway forwards),
// checked against a certificate and SHA-1 fingerprint made by the openssl CLI.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileExpression, CsDictionary, ExpressionRuntimeError, ExpressionSyntaxError } from '../expressions/index';
import { FakeHost } from '../expressions/test-hosts';
import { POLICY_CONSTRUCTORS } from './expression-constructors';

const where = { file: 'policy.xml', line: 3, column: 5 };
let dir: string;
let pem: string;
let thumbprint: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'certgate-ctor-'));
  const crt = join(dir, 'c.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', join(dir, 'k.pem'), '-out', crt, '-subj', '/CN=forwarded.example', '-days', '2'], { stdio: 'pipe' });
  pem = readFileSync(crt, 'utf8');
  thumbprint = execFileSync('openssl', ['x509', '-in', crt, '-noout', '-fingerprint', '-sha1'], { encoding: 'utf8' }).trim().split('=')[1]!.replace(/:/g, '');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const run = (text: string, vars: [string, unknown][]): unknown =>
  compileExpression(text, where, { constructors: POLICY_CONSTRUCTORS }).evaluate({ context: new FakeHost('IProxyContext', { Variables: new CsDictionary(vars) }) });

describe('new X509Certificate2(byte[]) in policy expressions', () => {
  it('decodes a URL-encoded forwarded PEM (the Application Gateway header) to the certificate openssl made', () => {
    const text = '@(new System.Security.Cryptography.X509Certificates.X509Certificate2(System.Text.Encoding.ASCII.GetBytes(System.Net.WebUtility.UrlDecode((string)context.Variables["pem"]))).Thumbprint)';
    expect(run(text, [['pem', encodeURIComponent(pem)]])).toBe(thumbprint);
  });

  it('takes DER bytes from Convert.FromBase64String, by its short name', () => {
    const b64 = pem.replace(/-----[^-]+-----|\s/g, '');
    expect(run('@(new X509Certificate2(Convert.FromBase64String((string)context.Variables["b64"])).Subject)', [['b64', b64]])).toBe('CN=forwarded.example');
  });

  it('bytes that are no certificate throw CryptographicException in the policy, not a JS error', () => {
    const err = (() => {
      try {
        run('@(new X509Certificate2(System.Text.Encoding.ASCII.GetBytes("not a certificate")).Thumbprint)', []);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(ExpressionRuntimeError);
    expect((err as ExpressionRuntimeError).exceptionType).toBe('CryptographicException');
  });

  it('only allow-listed types can be constructed: others, and any type without the host list, fail at load', () => {
    for (const text of ['@(new System.Diagnostics.Process())', '@(new Object())', '@(new Function("return 1"))', '@(new X509Certificate2Collection())']) {
      expect(() => compileExpression(text, where, { constructors: POLICY_CONSTRUCTORS }), text).toThrow(ExpressionSyntaxError);
    }
    expect(() => compileExpression('@(new X509Certificate2(new byte[] { 1 }))', where)).toThrow(ExpressionSyntaxError);
    expect(() => compileExpression('@(new X509Certificate2())', where, { constructors: POLICY_CONSTRUCTORS })).toThrow(ExpressionSyntaxError);
  });
});
