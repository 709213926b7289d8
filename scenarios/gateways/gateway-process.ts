// Runs one gateway process: a private temporary directory, the process in its own process group, a bounded readiness
// wait (a TLS handshake reaches the port), logs kept for error messages, and a stop that always ends the process
// and removes the directory — also when the Node process exits or is interrupted without calling stop().
// With `container: true` the same spec runs in a container of the local gateway image (./container-gateway.ts): the
// spawned process is then the attached `docker run` client, and stopping means `docker stop` + `docker rm`.

import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import type { RunningGateway } from './driver';

const LOG_CAP = 256 * 1024;
interface LiveGateway {
  readonly pid: number;
  readonly dir: string;
  readonly keep: boolean;
  /** Container name in container mode. */
  readonly container?: string;
}
const live = new Set<LiveGateway>();
let exitHookInstalled = false;

/** Ends every gateway still running, synchronously (exit and signal handlers cannot wait). */
function cleanupAllSync(): void {
  const containers: string[] = [];
  for (const g of live) {
    // pid 0 when the spawn failed (a container entry is kept for its name): never signal a group we did not start.
    if (g.pid > 0) {
      try {
        process.kill(-g.pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
    if (g.container) containers.push(g.container);
  }
  if (containers.length > 0) removeContainersSync(containers);
  for (const g of live) if (!g.keep) rmSync(g.dir, { recursive: true, force: true });
  live.clear();
}

/** `docker rm -f`, synchronously (no graceful stop: the process is ending). Here rather than in ./container-gateway so
 *  host mode never loads that module (it imports testcontainers). */
function removeContainersSync(names: readonly string[]): void {
  try {
    execFileSync('docker', ['rm', '-f', ...names], { stdio: 'ignore', timeout: 20_000 });
  } catch {
    /* no engine, or already gone */
  }
}

let signalHooksInstalled = false;

function installExitHook(): void {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    // Last resort for runs that end without stop() (an exception, process.exit): no gateway outlives us.
    process.on('exit', cleanupAllSync);
  }
  if (signalHooksInstalled) return;
  signalHooksInstalled = true;
  // Interruption: Ctrl-C or a TERM ends Node without the 'exit' event, and the gateways run in their own process
  // groups (or containers), so nothing else would end them. Our listener runs first (prepended), cleans up, and removes
  // itself — so every other listener then sees the process as if we had never listened (signal-exit, used by
  // testcontainers' dependencies, re-raises only when it is alone). With no listener left, the signal is re-raised:
  // the default action (the process ends by that signal) still happens. The next launch listens again.
  const onSignal = (signal: NodeJS.Signals): void => {
    for (const sig of ['SIGINT', 'SIGTERM'] as const) process.removeListener(sig, onSignal);
    signalHooksInstalled = false;
    cleanupAllSync();
    if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
  };
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.prependListener(sig, onSignal);
}

/** A fresh directory for one gateway; world-readable so Apache's unprivileged children can read their scripts. */
export function makeGatewayDir(name: string, parent = tmpdir()): string {
  const dir = mkdtempSync(join(parent, `certgate-${name}-`));
  chmodSync(dir, 0o755);
  return dir;
}

/**
 * True once a TLS server answers on host:port (a completed handshake or a TLS-level refusal both count). With
 * `expectedCertificate`, the server must present that certificate: a port picked as free can be taken by another
 * gateway (a parallel test worker) in the moment before ours binds it; ours then fails to bind and exits, but the
 * other one answers TLS and would be taken for ours. A server presenting another certificate is not ours: keep
 * waiting for ours (or its exit).
 */
export function tlsAnswers(host: string, port: number, timeoutMs = 1000, expectedCertificate?: Buffer): Promise<boolean> {
  return new Promise((resolve) => {
    let spoke = false;
    const socket = connect({ host, port, rejectUnauthorized: false, servername: 'localhost' });
    const done = (v: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(v);
    };
    /** False when the server presented a certificate and it is not the expected one. */
    const ours = (): boolean => {
      if (!expectedCertificate) return true;
      const raw = socket.getPeerCertificate?.()?.raw;
      return !raw || raw.equals(expectedCertificate);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.once('data', () => (spoke = true));
    socket.once('secureConnect', () => done(ours()));
    socket.once('error', (e: NodeJS.ErrnoException) => done((spoke || /SSL|TLS|alert/i.test(`${e.code} ${e.message}`)) && ours()));
  });
}

export interface LaunchSpec {
  readonly name: string;
  readonly binary: string;
  readonly args: readonly string[];
  readonly dir: string;
  readonly host: string;
  readonly port: number;
  readonly config: string;
  /** Log files inside `dir` that logs() includes. */
  readonly logFiles: readonly string[];
  /** Readiness bound (default 10 s on the host, 30 s in a container: the image check and container start come first). */
  readonly readyTimeoutMs?: number;
  readonly keepWorkDir?: boolean;
  /** DER of the certificate the gateway serves: readiness then only counts a server presenting it (see tlsAnswers). */
  readonly serverCertificateDer?: Buffer;
  /** Run inside a container of the local gateway image (./container-gateway.ts) instead of on the host. */
  readonly container?: boolean;
}

export class GatewayStartError extends Error {
  constructor(
    message: string,
    readonly logs: string,
    readonly portInUse: boolean,
  ) {
    super(`${message}\n--- gateway logs ---\n${logs.slice(-4000)}`);
  }
}

/** Starts the process and resolves once it answers TLS; on failure it is stopped, and the error carries its logs. */
export async function launchGateway(spec: LaunchSpec): Promise<RunningGateway> {
  installExitHook();
  // Container mode loads its module (and the image check) only when asked for.
  const cg = spec.container ? await import('./container-gateway') : undefined;
  if (cg) {
    try {
      await cg.ensureGatewayImage();
    } catch (e) {
      if (!spec.keepWorkDir) rmSync(spec.dir, { recursive: true, force: true });
      throw new Error(`${spec.name} in a container: the gateway image ${cg.GATEWAY_IMAGE} is not available: ${(e as Error).message}`);
    }
  }
  const containerName = cg?.containerName(spec);
  let output = '';
  const [bin, args] = cg ? ['docker', cg.dockerRunArgs(spec, containerName)] : [spec.binary, [...spec.args]];
  const child: ChildProcess = spawn(bin, args, { cwd: spec.dir, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const capture = (b: Buffer) => {
    if (output.length < LOG_CAP) output += b.toString('utf8');
  };
  child.stdout!.on('data', capture);
  child.stderr!.on('data', capture);
  let exited: { code: number | null; signal: string | null } | undefined;
  const exitPromise = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exited = { code, signal };
      resolve();
    });
    child.once('error', (e) => {
      output += `\nspawn error: ${e.message}`;
      exited = { code: -1, signal: null };
      resolve();
    });
  });
  const entry: LiveGateway = { pid: child.pid ?? 0, dir: spec.dir, keep: !!spec.keepWorkDir, ...(containerName ? { container: containerName } : {}) };
  if (child.pid || containerName) live.add(entry);

  let snapshot: string | undefined;
  const readLogs = (): string => {
    if (snapshot !== undefined) return snapshot;
    const parts = spec.logFiles.map((f) => {
      const p = join(spec.dir, f);
      return existsSync(p) ? `== ${f} ==\n${readFileSync(p, 'utf8').slice(-LOG_CAP)}` : '';
    });
    // In a container the attached `docker run` output is the container's stdout/stderr (what `docker logs` shows).
    const stream = cg ? `container ${containerName} stdout/stderr (docker logs)` : `${spec.name} stdout/stderr`;
    return [...parts, output ? `== ${stream} ==\n${output}` : ''].filter(Boolean).join('\n');
  };
  const killGroup = (): void => {
    if (!child.pid) return;
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      /* none left */
    }
  };
  const bounded = (ms: number): Promise<boolean> => Promise.race([exitPromise.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), ms))]);
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      if (cg && containerName) {
        // docker stop: TERM to the server through the container's init, KILL after the grace period; the attached
        // client then exits by itself. rm -f also when it had exited already (an exited container still exists).
        await cg.removeContainer(containerName);
        if (!(await bounded(5000))) killGroup();
      } else if (!exited && child.pid) {
        try {
          process.kill(-child.pid, 'SIGTERM');
        } catch {
          /* gone */
        }
        if (!(await bounded(5000))) {
          killGroup();
          await exitPromise;
        }
      }
      // Children of a forking server (Apache) may outlive the parent by a moment.
      killGroup();
      snapshot = readLogs();
      live.delete(entry);
      if (!spec.keepWorkDir) rmSync(spec.dir, { recursive: true, force: true });
    })());

  const readyMs = spec.readyTimeoutMs ?? (cg ? 30_000 : 10_000);
  const deadline = Date.now() + readyMs;
  while (!exited) {
    if (await tlsAnswers(spec.host, spec.port, 500, spec.serverCertificateDer)) break;
    if (Date.now() > deadline) {
      await stop();
      throw new GatewayStartError(`${spec.name} did not answer TLS on ${spec.host}:${spec.port} within ${readyMs} ms${cg ? ` (container ${containerName})` : ''}`, readLogs(), false);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  if (exited) {
    await stop();
    const logs = readLogs();
    const why = cg ? cg.dockerRunFailure(exited.code) : undefined;
    throw new GatewayStartError(
      `${spec.name} exited during start-up (code ${exited.code}, signal ${exited.signal})${why ? `: ${why}` : ''}: ${cg ? `docker ${args.join(' ')}` : `${spec.binary} ${spec.args.join(' ')}`}`,
      logs,
      /address already in use|could not bind|cannot bind/i.test(logs),
    );
  }
  return { name: spec.name, url: `https://${spec.host}:${spec.port}`, port: spec.port, config: spec.config, stop, logs: readLogs };
}

/** Picks a port, launches, and retries with a new port when another process took it in between (at most 3 tries). */
export async function launchOnFreePort(pickPort: () => Promise<number>, build: (port: number) => Promise<LaunchSpec>): Promise<RunningGateway> {
  let last: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const spec = await build(await pickPort());
    try {
      return await launchGateway(spec);
    } catch (e) {
      last = e;
      if (!(e instanceof GatewayStartError && e.portInUse)) throw e;
    }
  }
  throw last;
}
