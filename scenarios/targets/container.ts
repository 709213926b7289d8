// What every certgate container target shares: the locally built images (no registry is reachable, so nothing may
// be pulled), testcontainers without its reaper (the reaper is an image from a registry), ports published on
// 127.0.0.1 only (only loopback traffic is allowed here), a readiness check that needs a real TLS answer, and removal
// of containers a crashed test process left behind (without the reaper nobody else would).
import { execFile, spawn } from 'node:child_process';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { connect } from 'node:tls';
import { fileURLToPath } from 'node:url';
import type Dockerode from 'dockerode';
import { GenericContainer, type BoundPorts, type WaitStrategy } from 'testcontainers';

// testcontainers reads this each time a container starts (not at import); its reaper (Ryuk) is an image it would
// pull from Docker Hub, which is unreachable here.
process.env.TESTCONTAINERS_RYUK_DISABLED = 'true';

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const EMULATOR_IMAGE = process.env.CERTGATE_EMULATOR_IMAGE ?? 'certgate/emulator:local';
const OWNER_LABEL = 'org.certgate.owner';

/** Runs a program and returns its stdout; the error names the command and carries its stderr. */
export function run(bin: string, args: readonly string[], opts: { timeoutMs?: number; cwd?: string } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(bin, [...args], { cwd: opts.cwd, timeout: opts.timeoutMs ?? 60_000, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${bin} ${args.join(' ')} failed: ${stderr.trim().split('\n').slice(-15).join('\n') || err.message}`));
      else resolve(stdout);
    });
  });
}

export const docker = (args: readonly string[], timeoutMs?: number): Promise<string> => run('docker', args, { timeoutMs });

let emulatorImage: Promise<string> | undefined;

/** Builds certgate/emulator:local (and its base) unless the current sources are already in it. Once per process;
 *  a cold build takes about a minute, a cached check a fraction of a second. */
export function ensureEmulatorImage(): Promise<string> {
  emulatorImage ??= run('bash', [join(REPO_ROOT, 'scripts', 'docker-emulator-image.sh')], { cwd: REPO_ROOT, timeoutMs: 10 * 60_000 })
    .then(() => EMULATOR_IMAGE)
    .catch((err: unknown) => {
      emulatorImage = undefined; // let a later call try again
      throw err;
    });
  return emulatorImage;
}

/** Who started a container: host name and pid, so an orphan can be recognised after its process died. */
export const ownerLabel = (): Record<string, string> => ({ [OWNER_LABEL]: `${hostname()}:${process.pid}` });

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
};

let orphansRemoved: Promise<void> | undefined;

/** Removes containers labelled by a certgate process on this host that no longer runs. Once per process. */
export function removeOrphans(): Promise<void> {
  orphansRemoved ??= (async () => {
    const out = await docker(['ps', '-a', '--filter', `label=${OWNER_LABEL}`, '--format', `{{.ID}} {{.Label "${OWNER_LABEL}"}}`]);
    const orphans = out.split('\n').flatMap((line) => {
      const [id, owner] = line.trim().split(' ');
      const [host, pid] = (owner ?? '').split(':');
      return id && host === hostname() && pid && !alive(Number(pid)) ? [id] : [];
    });
    if (orphans.length > 0) await docker(['rm', '-f', ...orphans]);
  })().catch(() => undefined); // best effort: never the reason a test fails
  return orphansRemoved;
}

/** A GenericContainer whose published ports are bound to 127.0.0.1 on the host, never to every interface, and whose
 *  main process runs under Docker's init (tini), so `docker stop`'s SIGTERM reaches it and children are reaped. */
export class LoopbackContainer extends GenericContainer {
  constructor(image: string) {
    super(image);
    this.withLabels(ownerLabel());
    this.hostConfig.Init = true;
  }

  protected override async beforeContainerCreated(): Promise<void> {
    for (const bindings of Object.values(this.hostConfig.PortBindings ?? {}) as { HostIp?: string; HostPort?: string }[][]) {
      for (const b of bindings) b.HostIp = '127.0.0.1';
    }
  }
}

/** `docker logs` of a container (stdout and stderr), for error messages. */
export async function containerLogs(id: string, tail = 40): Promise<string> {
  return new Promise((resolve) => {
    execFile('docker', ['logs', '--tail', String(tail), id], { timeout: 10_000 }, (_err, stdout, stderr) => resolve(`${stdout}${stderr}`.trim()));
  });
}

/** Ready when a TLS handshake on the published port gets an answer from the server itself: a completed handshake or
 *  a TLS alert. Docker's port proxy accepts connections before anything listens inside, so a bare TCP connect proves
 *  nothing. Fails at once, with the container's logs, when the container exits. */
export class TlsAnswerWait implements WaitStrategy {
  private timeoutMs = 120_000;
  private timeoutSet = false;

  constructor(private readonly containerPort: number) {}

  withStartupTimeout(ms: number): this {
    this.timeoutMs = ms;
    this.timeoutSet = true;
    return this;
  }
  isStartupTimeoutSet(): boolean {
    return this.timeoutSet;
  }
  getStartupTimeout(): number {
    return this.timeoutMs;
  }

  async waitUntilReady(container: Dockerode.Container, boundPorts: BoundPorts): Promise<void> {
    const port = boundPorts.getBinding(this.containerPort);
    const deadline = Date.now() + this.timeoutMs;
    let last = 'no attempt yet';
    while (Date.now() < deadline) {
      const state = (await container.inspect()).State;
      if (!state.Running) {
        throw new Error(`container ${container.id.slice(0, 12)} exited (code ${state.ExitCode}) before port ${this.containerPort} answered TLS:\n${await containerLogs(container.id)}`);
      }
      const answer = await tlsAnswer('127.0.0.1', port);
      if (answer === true) return;
      last = answer;
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error(`port ${this.containerPort} (127.0.0.1:${port}) gave no TLS answer within ${this.timeoutMs} ms (last: ${last}):\n${await containerLogs(container.id)}`);
  }
}

/** true when a TLS server answered (handshake done, or an alert it sent); otherwise why not. */
function tlsAnswer(host: string, port: number): Promise<true | string> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, rejectUnauthorized: false, timeout: 2000 });
    const done = (v: true | string) => {
      socket.destroy();
      resolve(v);
    };
    socket.once('secureConnect', () => done(true));
    socket.once('timeout', () => done('timeout'));
    // An alert from the server (e.g. "certificate required") is an answer; a reset from the port proxy is not.
    socket.once('error', (err: NodeJS.ErrnoException) => done(/^ERR_SSL_/.test(err.code ?? '') ? true : `${err.code ?? ''} ${err.message}`));
  });
}

/** Extracts a tar stream (docker's archive of a path) into `dest`, dropping the archive's top directory; file modes
 *  are kept, so private keys stay 0600. */
export function extractTar(stream: NodeJS.ReadableStream, dest: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const tar = spawn('tar', ['-x', '-f', '-', '-C', dest, '--strip-components=1', '--no-same-owner'], { stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    tar.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    tar.on('error', reject);
    tar.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`tar -x into ${dest} failed (${code}): ${stderr.trim()}`))));
    stream.on('error', reject);
    stream.pipe(tar.stdin);
  });
}
