// The assembled emulator — real PKI (ca/), real policy pipeline, real TLS — driven by curl and undici, read back
// through the loopback introspection endpoint. Expected results come from the docs (apim-behaviour.md §1, §3, §5,
// §7): the documented policies accept the valid certificate they were written for and refuse expired, revoked,
// self-signed and missing ones; negotiate off means the certificate arrives by renegotiation.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { startEmulator, type RunningEmulator } from './index';
import { curl } from './front/test-clients';
import { pemToDer } from '../ca/der';

const KiB = 1024;
let work: string;
let pkiDir: string;
let emu: RunningEmulator;

const client = (name: string) => ({ caFile: join(pkiDir, 'trusted-roots.pem'), certFile: join(pkiDir, `${name}.pem`), keyFile: join(pkiDir, `${name}.key.pem`) });
const anonymous = () => ({ caFile: join(pkiDir, 'trusted-roots.pem') });

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'certgate-emulator-test-'));
  pkiDir = join(work, 'pki');
  emu = await startEmulator(undefined, { port: 0, pkiDir });
});
afterAll(async () => {
  await emu?.close();
  rmSync(work, { recursive: true, force: true });
});

describe('the default configuration (classic Developer, negotiate off, documented policies)', () => {
  it('the thumbprint policy: the valid client passes after a real renegotiation; others get 403', async () => {
    const ok = await curl({ ...client('client-valid-rsa'), url: `${emu.url}/documented/thumbprint` });
    expect(ok.status).toBe(200);
    const id = ok.headers['x-certgate-request-id']!;
    const t = emu.timeline(id)!;
    expect(t.events.map((e) => e.kind)).toEqual(expect.arrayContaining(['renegotiation-requested', 'renegotiation-completed']));
    for (const name of ['client-valid-ec', 'client-expired', 'client-revoked', 'client-self-signed']) {
      const r = await curl({ ...client(name), url: `${emu.url}/documented/thumbprint` });
      expect(r.status, name).toBe(403);
    }
    expect((await curl({ ...anonymous(), url: `${emu.url}/documented/thumbprint` })).status).toBe(403);
  });
  it('uploaded-thumbprint accepts both uploaded clients; validate-client-certificate answers 401 with the observed bodies', async () => {
    for (const name of ['client-valid-rsa', 'client-valid-ec']) {
      expect((await curl({ ...client(name), url: `${emu.url}/documented/uploaded-thumbprint` })).status).toBe(200);
    }
    const revoked = await curl({ ...client('client-revoked'), url: `${emu.url}/validate/x` });
    expect(revoked.status).toBe(401);
    expect(JSON.parse(revoked.body)).toEqual({ statusCode: 401, message: 'Invalid client certificate' });
    const missing = await curl({ ...anonymous(), url: `${emu.url}/validate/x` });
    expect(JSON.parse(missing.body)).toEqual({ statusCode: 401, message: 'Client certificate missing' });
  });
  it('answers with the standard reason phrase (200 OK), not an empty one', async () => {
    const { get } = await import('node:https');
    const line = await new Promise<string>((resolve, reject) => {
      get(`${emu.url}/open/reason`, { ca: readFileSync(join(pkiDir, 'trusted-roots.pem')) }, (res) => {
        res.resume();
        resolve(`${res.statusCode} ${res.statusMessage}`);
      }).on('error', reject);
    });
    expect(line).toBe('200 OK');
  });
  it('an API whose policies never read the certificate does not renegotiate', async () => {
    const r = await curl({ ...client('client-valid-rsa'), url: `${emu.url}/open/thing?x=1` });
    expect(r.status).toBe(200);
    const echo = JSON.parse(r.body);
    expect(echo).toMatchObject({ method: 'GET', path: '/open/thing', query: { x: ['1'] }, clientCertificate: null });
    expect(emu.timeline(r.headers['x-certgate-request-id']!)!.events.map((e) => e.kind)).not.toContain('renegotiation-requested');
  });
  it('the introspection endpoint serves the same timeline, only on loopback paths it knows', async () => {
    const r = await curl({ ...client('client-valid-rsa'), url: `${emu.url}/documented/issuer-subject` });
    const id = r.headers['x-certgate-request-id']!;
    const res = await request(`${emu.introspectionUrl}/requests/${id}`);
    const body = (await res.body.json()) as { id: string; status: number; events: { kind: string }[]; connectionId: string };
    expect(body).toMatchObject({ id, status: 200 });
    expect(body.events.map((e) => e.kind)).toContain('renegotiation-completed');
    const conns = (await (await request(`${emu.introspectionUrl}/connections`)).body.json()) as { id: string }[];
    expect(conns.map((c) => c.id)).toContain(body.connectionId);
    expect((await request(`${emu.introspectionUrl}/health`)).statusCode).toBe(200);
    const missing = await request(`${emu.introspectionUrl}/requests/nope`);
    expect(missing.statusCode).toBe(404);
    await missing.body.dump();
  });
});

describe('configured from a file', () => {
  let fileEmu: RunningEmulator;
  let certFile: string;
  beforeAll(async () => {
    certFile = join(work, 'uploaded.pem');
    copyFileSync(join(pkiDir, 'client-valid-rsa.pem'), certFile);
    writeFileSync(join(work, 'thumbprint.xml'), `<policies>
  <inbound>
    <choose>
      <when condition="@(context.Request.Certificate == null || !context.Deployment.Certificates.Any(c => c.Value.Thumbprint == context.Request.Certificate.Thumbprint))">
        <return-response><set-status code="403" reason="Invalid client certificate" /></return-response>
      </when>
    </choose>
    <base />
  </inbound>
  <backend><base /></backend>
  <outbound><base /></outbound>
  <on-error><base /></on-error>
</policies>`);
    writeFileSync(join(work, 'emulator.yaml'), [
      'sku: premium',
      'hostnameConfigurations:',
      '  - hostName: localhost',
      '    certificate: { pki: server }',
      'certificates:',
      '  kv-cert: { file: uploaded.pem }',
      'apis:',
      '  - name: orders',
      '    path: orders',
      '    policy: thumbprint.xml',
      '  - name: echo',
      '    path: echo',
      'emulation:',
      '  renegotiationTimeoutMs: 800',
      '  certificateRefreshMs: 100',
      'applicationGateway:',
      '  mode: strict',
      '  trustedRoots: [{ pki: root-ca }, { pki: intermediate-ca }]',
      'listen: { port: 0 }',
      '',
    ].join('\n'));
    fileEmu = await startEmulator(join(work, 'emulator.yaml'), { pkiDir });
  });
  afterAll(async () => fileEmu?.close());

  it('a certificate file reference is re-read when it changes (Key Vault rotation)', async () => {
    const first = await curl({ ...client('client-valid-rsa'), url: `${fileEmu.url}/orders/1` });
    expect(first.status, JSON.stringify(fileEmu.timeline(first.headers['x-certgate-request-id']!))).toBe(200);
    expect((await curl({ ...client('client-valid-ec'), url: `${fileEmu.url}/orders/1` })).status).toBe(403);
    copyFileSync(join(pkiDir, 'client-valid-ec.pem'), certFile);
    let status = 0;
    for (let i = 0; i < 40 && status !== 200; i++) {
      await new Promise((r) => setTimeout(r, 100));
      status = (await curl({ ...client('client-valid-ec'), url: `${fileEmu.url}/orders/1` })).status ?? 0;
    }
    expect(status).toBe(200);
    expect((await curl({ ...client('client-valid-rsa'), url: `${fileEmu.url}/orders/1` })).status).toBe(403);
  });
  it('64 KiB through the real policy deadlocks into 403 with Connection: close; 60 KiB passes', async () => {
    const big = await curl({ ...client('client-valid-ec'), url: `${fileEmu.url}/orders/up`, bodyBytes: 64 * KiB });
    expect(big.status).toBe(403);
    expect(big.headers.connection).toBe('close');
    expect(big.ms).toBeGreaterThanOrEqual(750);
    const small = await curl({ ...client('client-valid-ec'), url: `${fileEmu.url}/orders/up`, bodyBytes: 60 * KiB });
    expect(small.status).toBe(200);
  });
  it('Application Gateway (strict): 400 without or with an untrusted certificate; a valid one arrives only as a URL-encoded PEM header', async () => {
    const agw = fileEmu.applicationGatewayUrl!;
    expect((await curl({ ...anonymous(), url: `${agw}/echo/x` })).status).toBe(400);
    expect((await curl({ ...client('client-untrusted-issuer'), url: `${agw}/echo/x` })).status).toBe(400);
    const echoed = await curl({ ...client('client-valid-ec'), url: `${agw}/echo/x`, extraArgs: ['-H', 'X-ARR-ClientCert: forged'] });
    expect(echoed.status).toBe(200);
    const echo = JSON.parse(echoed.body);
    expect(echo.clientCertificate).toBeNull();
    expect(echo.headers['x-arr-clientcert']).toHaveLength(1);
    const pem = decodeURIComponent(echo.headers['x-arr-clientcert'][0]);
    expect(pemToDer(pem)[0]!.equals(pemToDer(readFileSync(join(pkiDir, 'client-valid-ec.pem'), 'utf8'))[0]!)).toBe(true);
    // A policy reading context.Request.Certificate behind the App Gateway gets null: its own connection has no cert.
    const behind = await curl({ ...client('client-valid-ec'), url: `${agw}/orders/1` });
    expect(behind.status).toBe(403);
    const completed = fileEmu.timeline(behind.headers['x-certgate-request-id']!)!.events.find((e) => e.kind === 'renegotiation-completed');
    expect(completed?.detail?.certificate).toBe(false);
  });
});

describe('certgate emulate', () => {
  it('prints the URL and the PKI directory, serves, and stops on SIGTERM', async () => {
    const p = spawn(process.execPath, ['bin/certgate.mjs', 'emulate', '--port', '0', '--pki-dir', pkiDir], { cwd: join(__dirname, '..'), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    p.stderr.on('data', (d: Buffer) => { out += d.toString(); });
    const closed = new Promise<number | null>((resolve) => p.on('close', resolve));
    try {
      for (let i = 0; i < 200 && !out.includes('Ctrl-C'); i++) await new Promise((r) => setTimeout(r, 100));
      const url = out.match(/gateway\s+(https:\/\/\S+)/)?.[1];
      expect(url, out).toBeTruthy();
      expect(out).toContain(pkiDir);
      const r = await curl({ ...client('client-valid-rsa'), url: `${url}/documented/thumbprint` });
      expect(r.status).toBe(200);
    } finally {
      p.kill('SIGTERM');
    }
    expect(await closed).toBe(0);
    expect(out).toContain('stopped');
  });
  it('a broken config file exits 2 naming the file and line', async () => {
    const bad = join(work, 'bad.yaml');
    writeFileSync(bad, 'sku: consumption\ncaCertificates:\n  - store: Root\n    certificate: { pki: root-ca }\n');
    const p = spawn(process.execPath, ['bin/certgate.mjs', 'emulate', '--config', bad], { cwd: join(__dirname, '..'), stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    p.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    const code = await new Promise<number | null>((resolve) => p.on('close', resolve));
    expect(code).toBe(2);
    expect(err, err).toContain(`${bad}:3:`);
    expect(err).toMatch(/Consumption/);
  });
});
