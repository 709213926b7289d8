// Container mode of the gateway drivers (StartOptions.container, `--target container:<driver>`): each real gateway —
// nginx, Apache httpd, HAProxy — runs its generated configuration inside a container of certgate/gateways:local.
// "Inside a container" is proven from the kernel, not from the code under test: the process that owns the listening
// socket is in another pid namespace and descends from the container's init, and Docker lists the labelled container.
// Then real mTLS requests with curl, stop, and checks that the container and the work directory are gone.
// Without a Docker engine every test is reported skipped with the reason in its suite's name — never passed.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apacheDriver } from './apache';
import { ensureGatewayImage, GATEWAY_IMAGE } from './container-gateway';
import { commandLine, descendsFrom, gatewayContainers, listenerPids, namespaceOf, type GatewayContainer } from './container-probe';
import { gatewaySetup, parseEcho, type GatewayDriver, type GatewaySetup, type RunningGateway } from './driver';
import { haproxyDriver } from './haproxy';
import { nginxDriver } from './nginx';
import { availability, curl, issueTestPki, opensslSubject, type CurlResult, type TestPki } from './test-support';
import { dockerAvailability } from '../targets/docker-availability';

const engine = await dockerAvailability();
const title = (suite: string, missing?: string): string =>
  !engine.available ? `${suite} — SKIPPED: ${engine.reason}` : missing ? `${suite} — SKIPPED: ${missing}` : `${suite} (Docker engine ${engine.serverVersion})`;

let t: TestPki;
beforeAll(async () => {
  if (!engine.available) return;
  // A cold build takes a few seconds here; generous for a loaded CI machine.
  await ensureGatewayImage();
  t = await issueTestPki();
}, 180_000);
afterAll(() => t?.cleanup());

/** The labelled container that holds this gateway (its work directory appears in the generated config). */
async function containerOf(g: RunningGateway, driver: string): Promise<GatewayContainer> {
  const mine = (await gatewayContainers()).filter((c) => c.gateway === driver && c.workDir.length > 0 && g.config.includes(c.workDir));
  expect(mine, `exactly one ${driver} container for ${g.url}`).toHaveLength(1);
  return mine[0]!;
}

/** The listener on the gateway's port is a process of that container, in another pid namespace than this one; no
 *  process of the gateway binary runs in this pid namespace. */
async function expectRunsInContainer(g: RunningGateway, driver: string, binary: string): Promise<GatewayContainer> {
  const c = await containerOf(g, driver);
  expect(c.running).toBe(true);
  const listeners = listenerPids(g.port);
  expect(listeners.length, `a process listens on 127.0.0.1:${g.port}`).toBeGreaterThan(0);
  for (const pid of listeners) {
    expect(namespaceOf(pid, 'pid')).not.toBe(namespaceOf('self', 'pid'));
    expect(namespaceOf(pid, 'mnt')).not.toBe(namespaceOf('self', 'mnt'));
    expect(descendsFrom(pid, c.pid), `listener ${pid} descends from the container's init ${c.pid}`).toBe(true);
  }
  // On the host the work directory appears only in the attached `docker run` client's arguments.
  const { execFileSync } = await import('node:child_process');
  const onHost = execFileSync('pgrep', ['-f', c.workDir], { encoding: 'utf8' }).split('\n').filter(Boolean).map(Number);
  const hostGateways = onHost.filter((pid) => {
    try {
      return namespaceOf(pid, 'pid') === namespaceOf('self', 'pid') && commandLine(pid)[0] !== 'docker';
    } catch {
      return false; // exited meanwhile
    }
  });
  expect(hostGateways, `host processes of ${binary} for ${c.workDir}`).toEqual([]);
  return c;
}

async function expectStoppedAndGone(g: RunningGateway, c: GatewayContainer): Promise<void> {
  await g.stop();
  expect((await gatewayContainers()).map((x) => x.id)).not.toContain(c.id);
  expect(existsSync(c.workDir), `${c.workDir} removed`).toBe(false);
  expect(listenerPids(g.port)).toEqual([]);
  // Logs stay readable after stop (error log from the mounted directory and/or the container's output).
  expect(g.logs().length).toBeGreaterThan(0);
}

async function expectValidCertificateAccepted(g: RunningGateway, path = '/echo'): Promise<void> {
  const r = await curl(t, `${g.url}${path}`, { cert: t.files('client-valid-rsa'), tls: '1.2' });
  expect(r.status, r.stderr || r.body).toBe(200);
  const echo = parseEcho(r.body);
  expect(echo.verify).toBe('SUCCESS');
  // Independent references: the thumbprint the PKI computed, the subject as `openssl x509 -nameopt RFC2253` prints it.
  expect(echo.thumbprint).toBe(t.pki.get('client-valid-rsa').thumbprint);
  expect(echo.subject).toBe(await opensslSubject(t, 'client-valid-rsa'));
}

/** The handshake itself is refused (HAProxy `verify required`, Apache `SSLVerifyClient require`): no HTTP status. */
function expectHandshakeRefused(r: CurlResult): void {
  expect(r.status).toBe(0);
  expect(r.exitCode).not.toBe(0);
  expect(r.stderr).toMatch(/alert|handshake/i);
}

interface Case {
  readonly driver: GatewayDriver;
  readonly binary: string;
  readonly noCertificate: (r: CurlResult) => void;
  readonly noCertificateDoc: string;
}

const cases: readonly Case[] = [
  {
    driver: nginxDriver,
    binary: 'nginx',
    noCertificateDoc: 'nginx answers 400 "No required SSL certificate was sent"',
    noCertificate: (r) => {
      expect(r.status).toBe(400);
      expect(r.body).toContain('No required SSL certificate was sent');
    },
  },
  { driver: apacheDriver, binary: 'apache2', noCertificateDoc: 'Apache refuses the handshake (certificate required)', noCertificate: expectHandshakeRefused },
  { driver: haproxyDriver, binary: 'haproxy', noCertificateDoc: 'HAProxy refuses the handshake', noCertificate: expectHandshakeRefused },
];

const missing = new Map<string, string | undefined>();
for (const c of cases) missing.set(c.driver.name, await availability(c.driver));

for (const c of cases) {
  const why = missing.get(c.driver.name);
  describe.skipIf(!engine.available || !!why)(title(`${c.driver.name} in a container (${GATEWAY_IMAGE})`, why), () => {
    let g: RunningGateway;
    let container: GatewayContainer;
    const setup: GatewaySetup = gatewaySetup({ verify: 'require' });

    beforeAll(async () => {
      g = await c.driver.start(setup, t.pki, { container: true });
    }, 60_000);
    afterAll(() => g?.stop());

    it('runs inside a labelled container: the TLS listener is a container process, none runs on the host', async () => {
      container = await expectRunsInContainer(g, c.driver.name, c.binary);
    });

    it('valid client certificate → 200 from the echo with verification SUCCESS, thumbprint and subject', async () => {
      await expectValidCertificateAccepted(g);
    });

    it(`no certificate with verify require → ${c.noCertificateDoc}`, async () => {
      c.noCertificate(await curl(t, `${g.url}/echo`, { tls: '1.2' }));
    });

    it('stop → the container is removed, the work directory deleted, the port closed', async () => {
      await expectStoppedAndGone(g, container ?? (await containerOf(g, c.driver.name)));
    });
  });
}

describe.skipIf(!engine.available || !!missing.get('apache'))(title('apache in a container: per-location renegotiation', missing.get('apache')), () => {
  let g: RunningGateway;
  beforeAll(async () => {
    g = await apacheDriver.start(gatewaySetup({ verify: 'none', locations: [{ path: '/secure', verify: 'require' }] }), t.pki, { container: true });
  }, 60_000);
  afterAll(() => g?.stop());

  it('TLS 1.2: /open asks nothing (NONE); /secure renegotiates (AH02221) and gets the certificate', async () => {
    const open = await curl(t, `${g.url}/open`, { cert: t.files('client-valid-rsa'), tls: '1.2' });
    expect(open.status).toBe(200);
    expect(parseEcho(open.body)).toMatchObject({ verify: 'NONE', thumbprint: null });
    await expectValidCertificateAccepted(g, '/secure/echo');
    expect(g.logs()).toMatch(/AH02221: Requesting connection re-negotiation/);
  });
});

describe.skipIf(!engine.available || !!missing.get('nginx'))(title('container mode cleans up on failure and interruption', missing.get('nginx')), () => {
  it('a binary that is not in the image → an error naming the image; no container, no directory left', async () => {
    const before = new Set((await gatewayContainers()).map((x) => x.id));
    // /usr/bin/true exists on the host (so the driver accepts it) but is not one of the image's packaged binaries.
    const err = await nginxDriver.start(gatewaySetup(), t.pki, { container: true, binary: '/usr/bin/true' }).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(err?.message).toMatch(/exited during start-up \(code 127.*not in certgate\/gateways/s);
    const workDir = /type=bind,source=([^,\s]+),/.exec(err!.message)?.[1];
    expect(workDir, 'the error shows the docker run command with its bind mount').toBeDefined();
    expect(existsSync(workDir!)).toBe(false);
    const left = (await gatewayContainers()).filter((x) => !before.has(x.id) && x.gateway === 'nginx');
    expect(left).toEqual([]);
  });

  it('SIGINT to a process running a container gateway (stop() never called) → container and directory removed', async () => {
    const fixture = fileURLToPath(new URL('./container-mode.fixture.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', fixture], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /READY (\S+)/.exec(out);
        if (m) resolve(m[1]!);
      });
      child.once('exit', (code) => reject(new Error(`fixture exited (${code}) before READY:\n${err}`)));
    });
    const owner = `${hostname()}:${child.pid}`;
    const { docker } = await import('../targets/container');
    const running = (await docker(['ps', '-q', '--filter', `label=org.certgate.owner=${owner}`])).split('\n').filter(Boolean);
    expect(running, `the child's container for ${url}`).toHaveLength(1);
    const workDir = (await gatewayContainers()).find((x) => running[0] && x.id.startsWith(running[0]))!.workDir;
    expect(existsSync(workDir)).toBe(true);

    const exit = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
    child.kill('SIGINT');
    // The default action still happens after the cleanup: the process ends by the signal.
    expect(await exit).toBe('SIGINT');
    expect((await docker(['ps', '-aq', '--filter', `label=org.certgate.owner=${owner}`])).trim()).toBe('');
    expect(existsSync(workDir)).toBe(false);
    expect(listenerPids(Number(new URL(url).port))).toEqual([]);
  }, 60_000);
});
