// GatewayTarget against the real gateways: a prepared setup answers on its baseUrl with the forwarding convention
// (x-certgate-client-thumbprint = the certificate's SHA-1, as `openssl x509 -fingerprint -sha1` computes it, or
// "none"); setups a gateway cannot express are skipped with the reason; release and close stop the processes.

import { execFile } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apacheDriver } from '../gateways/apache';
import type { GatewayDriver } from '../gateways/driver';
import { haproxyDriver } from '../gateways/haproxy';
import { tlsAnswers } from '../gateways/gateway-process';
import { nginxDriver } from '../gateways/nginx';
import { issueTestPki, type TestPki } from '../gateways/test-support';
import { Setup } from '../schema';
import { GatewayTarget } from './gateway-target';
import { isSkipped, type ConcreteSetup, type PreparedSetup } from './target';

const run = (cmd: string, args: string[]) =>
  new Promise<{ code: number; stdout: string }>((resolve) =>
    execFile(cmd, args, (err, stdout) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout })),
  );

/** The response header curl saw (HTTP/1.1, trusting the PKI roots), with the client certificate when given. */
async function thumbprintHeader(t: TestPki, url: string, cert?: string): Promise<string | undefined> {
  const args = ['-sS', '--http1.1', '--max-time', '10', '--cacert', t.rootFile, '-D', '-', '-o', '/dev/null'];
  if (cert) args.push('--cert', t.files(cert).cert, '--key', t.files(cert).key);
  const r = await run('curl', [...args, `${url}/echo`]);
  return /^x-certgate-client-thumbprint:\s*(\S+)/im.exec(r.stdout)?.[1];
}

async function opensslSha1(t: TestPki, name: string): Promise<string> {
  const r = await run('openssl', ['x509', '-noout', '-fingerprint', '-sha1', '-in', t.files(name).cert]);
  return r.stdout.split('=')[1]!.trim().replace(/:/g, '');
}

const setup = (input: Record<string, unknown>): ConcreteSetup => ({ ...Setup.parse(input), tier: 'developer' }) as ConcreteSetup;
const forwarding = setup({ negotiateClientCertificate: true, policy: { library: 'forward-certificate', params: {} } });
const withholding = setup({ negotiateClientCertificate: true });

for (const driver of [nginxDriver, apacheDriver, haproxyDriver] as GatewayDriver[]) {
  const detection = await driver.detect();
  const unavailable = 'unavailable' in detection ? detection.unavailable : undefined;
  describe.skipIf(!!unavailable)(`GatewayTarget(${driver.name}) against the real server${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
    let t: TestPki;
    let target: GatewayTarget;
    let fwd: PreparedSetup;
    let none: PreparedSetup;

    beforeAll(async () => {
      t = await issueTestPki();
      target = new GatewayTarget(driver);
      [fwd, none] = (await Promise.all([target.prepare('fwd', forwarding, t.pki), target.prepare('none', withholding, t.pki)])) as PreparedSetup[];
    });
    afterAll(async () => {
      await target?.close();
      t?.cleanup();
    });

    it('names itself after the driver and follows its own profile', () => {
      expect(target.name).toBe(driver.name);
      expect(target.profileDefault).toBe(driver.name === 'apache' ? 'apache-httpd' : driver.name);
    });

    it('forward-certificate: the echo reports the SHA-1 that openssl computes; without a certificate "none"', async () => {
      const expected = await opensslSha1(t, 'client-valid-rsa');
      expect((await thumbprintHeader(t, fwd.baseUrl, 'client-valid-rsa'))?.toUpperCase()).toBe(expected.toUpperCase());
      expect(await thumbprintHeader(t, fwd.baseUrl)).toBe('none');
    });

    it('policy none: the certificate is asked for, but the backend is told of none', async () => {
      expect(await thumbprintHeader(t, none.baseUrl, 'client-valid-rsa')).toBe('none');
    });

    it('skips what it cannot express, with the reason', async () => {
      const v2 = await target.prepare('v2', { ...withholding, tier: 'standardv2' }, t.pki);
      expect(isSkipped(v2) && v2.skip).toMatch(/standardv2 .* no .* counterpart/);
      const perRequest = await target.prepare('off', setup({ policy: { library: 'forward-certificate', params: {} } }), t.pki);
      if (driver.name === 'apache') expect(isSkipped(perRequest)).toBe(false);
      else expect(isSkipped(perRequest) && perRequest.skip).toMatch(/handshake/);
      await target.release('off');
    });

    it('release stops that gateway only; close stops the rest', async () => {
      const port = (u: string) => Number(new URL(u).port);
      await target.release('none');
      expect(await tlsAnswers('127.0.0.1', port(none.baseUrl))).toBe(false);
      expect(await tlsAnswers('127.0.0.1', port(fwd.baseUrl))).toBe(true);
      await target.close();
      expect(await tlsAnswers('127.0.0.1', port(fwd.baseUrl))).toBe(false);
      await expect(target.prepare('late', withholding, t.pki)).rejects.toThrow(/closed/);
    });
  });
}
