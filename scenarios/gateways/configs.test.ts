// The config generators across the setup space, checked by each server's own syntax checker (nginx -t, apache2 -t,
// haproxy -c), plus the setup validation and the echo parser.
import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APACHE_MODULE_DIR, apacheConfig, apacheDriver } from './apache';
import { gatewaySetup, parseEcho, setupProblems, VERIFY_MODES, type GatewaySetup } from './driver';
import { haproxyConfig, haproxyDriver } from './haproxy';
import { writeGatewayMaterials } from './materials';
import { nginxConfig, nginxDriver } from './nginx';
import { issueTestPki, type TestPki } from './test-support';

const detected = Object.fromEntries(
  await Promise.all([nginxDriver, apacheDriver, haproxyDriver].map(async (d) => [d.name, await d.detect()] as const)),
);

function run(bin: string, args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => execFile(bin, args, (err, stdout, stderr) => resolve({ code: err ? Number(err.code ?? 1) : 0, out: `${stdout}${stderr}` })));
}

const setups: GatewaySetup[] = [];
for (const verify of VERIFY_MODES)
  for (const http2 of [false, true])
    setups.push(
      gatewaySetup({ verify, http2, ...(verify !== 'none' ? { crl: true, ocsp: http2 ? 'leaf' : 'off' } : {}) }),
      gatewaySetup({ verify, http2, tlsMin: '1.3', tlsMax: '1.3', locations: [{ path: '/secure', verify: 'require' }], renegotiationBufferBytes: 4096 }),
    );

describe('generated configurations pass the servers’ own syntax checks', () => {
  let t: TestPki;
  let dir: string;
  beforeAll(async () => {
    t = await issueTestPki();
    dir = mkdtempSync(join(tmpdir(), 'certgate-config-check-'));
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
    t?.cleanup();
  });

  const check = async (name: 'nginx' | 'apache' | 'haproxy', make: (s: GatewaySetup, d: string) => Promise<string[]>) => {
    const det = detected[name]!;
    if ('unavailable' in det) return;
    const driver = { nginx: nginxDriver, apache: apacheDriver, haproxy: haproxyDriver }[name];
    let checked = 0;
    for (const [i, setup] of setups.entries()) {
      if (driver.supports(setup) !== true) continue;
      const d = join(dir, `${name}-${i}`);
      const { mkdirSync } = await import('node:fs');
      mkdirSync(d);
      const args = await make(setup, d);
      const r = await run(det.binary, args);
      expect(r.code, `${name} setup #${i} ${JSON.stringify(setup)}:\n${r.out}`).toBe(0);
      checked++;
    }
    expect(checked).toBeGreaterThan(0);
  };

  it.skipIf('unavailable' in detected.nginx!)(`nginx -t accepts every supported setup ${'unavailable' in detected.nginx! ? '(skipped: nginx missing)' : ''}`, () =>
    check('nginx', async (setup, d) => {
      const files = await writeGatewayMaterials(d, t.pki, setup);
      writeFileSync(join(d, 'nginx.conf'), nginxConfig({ setup, files, dir: d, host: '127.0.0.1', port: 1, runAsRoot: process.getuid?.() === 0 }));
      return ['-t', '-q', '-p', d, '-c', join(d, 'nginx.conf'), '-e', join(d, 'error.log')];
    }));

  it.skipIf('unavailable' in detected.apache!)(`apache2 -t accepts every setup ${'unavailable' in detected.apache! ? '(skipped: apache2 missing)' : ''}`, () =>
    check('apache', async (setup, d) => {
      const files = await writeGatewayMaterials(d, t.pki, setup);
      copyFileSync(fileURLToPath(new URL('./echo/apache-echo.lua', import.meta.url)), join(d, 'echo.lua'));
      writeFileSync(join(d, 'httpd.conf'), apacheConfig({ setup, files, dir: d, host: '127.0.0.1', port: 1, moduleDir: APACHE_MODULE_DIR }));
      return ['-t', '-d', d, '-f', join(d, 'httpd.conf')];
    }));

  it.skipIf('unavailable' in detected.haproxy!)(`haproxy -c accepts every supported setup ${'unavailable' in detected.haproxy! ? '(skipped: haproxy missing)' : ''}`, () =>
    check('haproxy', async (setup, d) => {
      const files = await writeGatewayMaterials(d, t.pki, setup);
      copyFileSync(fileURLToPath(new URL('./echo/haproxy-echo.lua', import.meta.url)), join(d, 'echo.lua'));
      writeFileSync(join(d, 'haproxy.cfg'), haproxyConfig({ setup, files, dir: d, host: '127.0.0.1', port: 1 }));
      return ['-c', '-q', '-f', join(d, 'haproxy.cfg')];
    }));

  it('the key files are written with mode 0600', async () => {
    const { statSync } = await import('node:fs');
    const d = mkdtempSync(join(dir, 'keys-'));
    const files = await writeGatewayMaterials(d, t.pki, gatewaySetup());
    expect(statSync(files.serverKey).mode & 0o777).toBe(0o600);
    expect(statSync(files.serverCombined).mode & 0o777).toBe(0o600);
  });
});

describe('setup validation and the echo parser', () => {
  it('names every problem of a bad setup', () => {
    const problems = setupProblems(
      gatewaySetup({ verify: 'sometimes' as never, tlsMin: '1.3', tlsMax: '1.2', locations: [{ path: 'secure', verify: 'require' }], renegotiationBufferBytes: -1 }),
    );
    expect(problems.join('\n')).toMatch(/verify: "sometimes"/);
    expect(problems.join('\n')).toMatch(/locations\[0\]\.path/);
    expect(problems.join('\n')).toMatch(/tlsMin 1\.3 is above tlsMax 1\.2/);
    expect(problems.join('\n')).toMatch(/renegotiationBufferBytes/);
    expect(setupProblems(gatewaySetup({ crl: true }))).toEqual(['crl/ocsp: revocation checks need a verify mode other than none somewhere']);
    expect(setupProblems(gatewaySetup({ verify: 'require', crl: true }))).toEqual([]);
  });

  it('refuses a gateway error page as an echo, with the text', () => {
    expect(() => parseEcho('<html><head><title>400 No required SSL certificate was sent</title>')).toThrow(/not JSON.*400 No required/);
    expect(() => parseEcho('{"verify":"SUCCESS"}')).toThrow(/missing gateway/);
  });
});
