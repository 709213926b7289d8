// The emulator image and the testcontainers helper against a real Docker engine: build (or reuse) the image, start a
// container, make a real mTLS request with a client certificate from the PKI the container uses, check that the echo
// backend saw that certificate, then stop it and check the container is gone. Without an engine every test here is
// reported skipped with the reason in its suite's name — never passed.
import { X509Certificate } from 'node:crypto';
import { execFile } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultSpec, initPki } from '../../ca/index';
import type { EmulatorConfigInput } from '../../emulator/config/schema';
import { CertgateContainer, CONTAINER_PORT, type StartedCertgateContainer } from './certgate-container';
import { dockerAvailability } from './docker-availability';

const availability = await dockerAvailability();
const title = (suite: string): string =>
  availability.available ? `${suite} (Docker engine ${availability.serverVersion})` : `${suite} — SKIPPED: ${availability.reason}`;

/** The client certificate is asked for in the first handshake, so it reaches the backend without renegotiation. */
const ASK_IN_HANDSHAKE: EmulatorConfigInput = {
  hostnameConfigurations: [{ hostName: 'localhost', certificate: { pki: 'server' }, negotiateClientCertificate: true }],
  caCertificates: [
    { store: 'Root', certificate: { pki: 'root-ca' } },
    { store: 'CertificateAuthority', certificate: { pki: 'intermediate-ca' } },
  ],
  backend: 'echo',
  apis: [{ name: 'open', path: 'open' }],
};

interface Reply {
  readonly status: number;
  readonly body: string;
}

function get(url: string, tls: { cert?: string; key?: string; ca?: string }): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ...tls, agent: false, timeout: 15_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error(`no answer from ${url} within 15 s`)));
    req.on('error', reject);
    req.end();
  });
}

/** `docker container inspect`'s exit status and output: the docker CLI as an independent witness. */
function inspect(id: string): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile('docker', ['container', 'inspect', '--format', '{{json .NetworkSettings.Ports}}', id], (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: `${stdout}${stderr}` }),
    );
  });
}

describe(title('CertgateContainer with a config object'), () => {
  let emu: StartedCertgateContainer | undefined;

  beforeAll(async () => {
    if (!availability.available) return;
    // Cold: the image is built first (about a minute on 2 cores); warm: a source hash and a container start.
    emu = await new CertgateContainer().withConfig(ASK_IN_HANDSHAKE).start();
  }, 300_000);

  afterAll(async () => {
    await emu?.stop();
  }, 60_000);

  it.skipIf(!availability.available)('publishes the emulator port on 127.0.0.1 only', async () => {
    const { code, out } = await inspect(emu!.containerId);
    expect(code).toBe(0);
    const ports = JSON.parse(out) as Record<string, { HostIp: string; HostPort: string }[] | null>;
    const bindings = ports[`${CONTAINER_PORT}/tcp`] ?? [];
    expect(bindings.length).toBeGreaterThan(0);
    for (const b of bindings) expect(b.HostIp).toBe('127.0.0.1');
    expect(bindings.map((b) => Number(b.HostPort))).toContain(emu!.port);
  });

  it.skipIf(!availability.available)('an mTLS request reaches the echo backend with the client certificate from the PKI', async () => {
    const name = 'client-valid-rsa';
    const tls = await emu!.pki!.clientTls(name);
    const reply = await get(`${emu!.baseUrl}/open/hello?from=container-test`, tls);
    expect(reply.status, reply.body).toBe(200);
    const echo = JSON.parse(reply.body) as { path: string; query: Record<string, string[]>; clientCertificate: { thumbprint: string; subject: string } | null };
    expect(echo.path).toBe('/open/hello');
    expect(echo.query.from).toEqual(['container-test']);
    // The thumbprint is computed here from the certificate file the client sent (Node's X509, not ca/'s parser).
    const sent = new X509Certificate(tls.cert);
    expect(echo.clientCertificate?.thumbprint).toBe(sent.fingerprint.replaceAll(':', ''));
    expect(emu!.pki!.manifest.certificates.find((c) => c.name === name)?.thumbprint).toBe(sent.fingerprint.replaceAll(':', ''));
  });

  it.skipIf(!availability.available)('without a client certificate the backend sees none', async () => {
    const tls = await emu!.pki!.clientTls('client-valid-rsa');
    const reply = await get(`${emu!.baseUrl}/open/anonymous`, { ca: tls.ca });
    expect(reply.status, reply.body).toBe(200);
    expect((JSON.parse(reply.body) as { clientCertificate: unknown }).clientCertificate).toBeNull();
  });

  it.skipIf(!availability.available)('the server is trusted only through the PKI copied out, whose keys stay 0600', async () => {
    // With Node's public roots only, verification must fail: the trust above came from the copied PKI.
    await expect(get(`${emu!.baseUrl}/open/x`, {})).rejects.toThrow(/certificate/i);
    expect(statSync(emu!.pki!.files('client-valid-rsa').key).mode & 0o777).toBe(0o600);
  });

  it.skipIf(!availability.available)('stop() removes the container and the copied PKI', async () => {
    const { containerId, port } = emu!;
    const pki = emu!.pki!;
    await emu!.stop();
    emu = undefined;
    const { code, out } = await inspect(containerId);
    expect(code).not.toBe(0);
    expect(out).toMatch(/No such (container|object)/i);
    expect(existsSync(pki.dir)).toBe(false);
    await expect(get(`https://127.0.0.1:${port}/open/x`, {})).rejects.toThrow();
  });
});

describe(title('CertgateContainer with a YAML config file and a PKI issued on the host'), () => {
  let dir: string;
  let emu: StartedCertgateContainer | undefined;

  beforeAll(async () => {
    if (!availability.available) return;
    dir = await mkdtemp(join(tmpdir(), 'certgate-container-test-'));
    await initPki(defaultSpec(), join(dir, 'pki'));
    // The file is passed as it is: the responder port must be the one the PKI was issued for (the default spec's).
    await writeFile(
      join(dir, 'emulator.yaml'),
      [
        'hostnameConfigurations:',
        '  - hostName: localhost',
        '    certificate: { pki: server }',
        '    negotiateClientCertificate: true',
        'backend: echo',
        'apis:',
        '  - { name: open, path: open }',
        `pki: { responderPort: ${defaultSpec().responder!.port} }`,
        '',
      ].join('\n'),
    );
    emu = await new CertgateContainer().withConfig(join(dir, 'emulator.yaml')).withPki(join(dir, 'pki')).start();
  }, 300_000);

  afterAll(async () => {
    await emu?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  }, 60_000);

  it.skipIf(!availability.available)('the container presents the host PKI\'s server certificate and accepts its client certificate', async () => {
    const hostServer = new X509Certificate(await readFile(join(dir, 'pki', 'server.pem')));
    const presented = await new Promise<string>((resolve, reject) => {
      const s = tlsConnect({ host: '127.0.0.1', port: emu!.port, servername: 'localhost', rejectUnauthorized: false }, () => {
        resolve(s.getPeerX509Certificate()!.fingerprint256);
        s.destroy();
      });
      s.on('error', reject);
    });
    expect(presented).toBe(hostServer.fingerprint256);

    const cert = await readFile(join(dir, 'pki', 'client-valid-ec.pem'), 'utf8');
    const key = await readFile(join(dir, 'pki', 'client-valid-ec.key.pem'), 'utf8');
    const ca = (await readFile(join(dir, 'pki', 'trusted-roots.pem'), 'utf8')) + (await readFile(join(dir, 'pki', 'intermediates.pem'), 'utf8'));
    const reply = await get(`${emu!.baseUrl}/open/ec`, { cert, key, ca });
    expect(reply.status, reply.body).toBe(200);
    const seen = (JSON.parse(reply.body) as { clientCertificate: { thumbprint: string } | null }).clientCertificate;
    expect(seen?.thumbprint).toBe(new X509Certificate(cert).fingerprint.replaceAll(':', ''));
  });
});

describe(title('CertgateContainer with the emulator\'s built-in configuration'), () => {
  let emu: StartedCertgateContainer | undefined;

  beforeAll(async () => {
    if (!availability.available) return;
    emu = await new CertgateContainer().start();
  }, 300_000);

  afterAll(async () => {
    await emu?.stop();
  }, 60_000);

  it.skipIf(!availability.available)('answers /open/* and hands out the PKI it issued inside', async () => {
    const { ca } = await emu!.pki!.clientTls('client-valid-rsa');
    const reply = await get(`${emu!.baseUrl}/open/default`, { ca });
    expect(reply.status, reply.body).toBe(200);
    expect((JSON.parse(reply.body) as { path: string }).path).toBe('/open/default');
    const pki = await emu!.pki!.load();
    expect(pki.get('client-valid-rsa').thumbprint).toBe(emu!.pki!.manifest.certificates.find((c) => c.name === 'client-valid-rsa')?.thumbprint);
  });
});
