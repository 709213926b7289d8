// Runs one gateway process: a private temporary directory, the process in its own process group, a bounded readiness
// wait (a TLS handshake reaches the port), logs kept for error messages, and a stop that always ends the process
// and removes the directory — also when the Node process exits without calling stop().

import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import type { RunningGateway } from './driver';

const LOG_CAP = 256 * 1024;
const live = new Set<{ pid: number; dir: string; keep: boolean }>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Last resort for runs that end without stop() (an exception, process.exit): no gateway outlives us.
  process.on('exit', () => {
    for (const g of live) {
      try {
        process.kill(-g.pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
      if (!g.keep) rmSync(g.dir, { recursive: true, force: true });
    }
  });
}

/** A fresh directory for one gateway; world-readable so Apache's unprivileged children can read their scripts. */
export function makeGatewayDir(name: string, parent = tmpdir()): string {
  const dir = mkdtempSync(join(parent, `certgate-${name}-`));
  chmodSync(dir, 0o755);
  return dir;
}

/** True once a TLS server answers on host:port (a completed handshake or a TLS-level refusal both count). */
export function tlsAnswers(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    let spoke = false;
    const socket = connect({ host, port, rejectUnauthorized: false, servername: 'localhost' });
    const done = (v: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(v);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.once('data', () => (spoke = true));
    socket.once('secureConnect', () => done(true));
    socket.once('error', (e: NodeJS.ErrnoException) => done(spoke || /SSL|TLS|alert/i.test(`${e.code} ${e.message}`)));
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
  readonly readyTimeoutMs?: number;
  readonly keepWorkDir?: boolean;
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
  let output = '';
  const child: ChildProcess = spawn(spec.binary, spec.args, { cwd: spec.dir, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
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
  const entry = { pid: child.pid ?? -1, dir: spec.dir, keep: !!spec.keepWorkDir };
  if (child.pid) live.add(entry);

  let snapshot: string | undefined;
  const readLogs = (): string => {
    if (snapshot !== undefined) return snapshot;
    const parts = spec.logFiles.map((f) => {
      const p = join(spec.dir, f);
      return existsSync(p) ? `== ${f} ==\n${readFileSync(p, 'utf8').slice(-LOG_CAP)}` : '';
    });
    return [...parts, output ? `== ${spec.name} stdout/stderr ==\n${output}` : ''].filter(Boolean).join('\n');
  };
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      if (!exited && child.pid) {
        try {
          process.kill(-child.pid, 'SIGTERM');
        } catch {
          /* gone */
        }
        const killed = await Promise.race([exitPromise.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 5000))]);
        if (!killed) {
          try {
            process.kill(-child.pid, 'SIGKILL');
          } catch {
            /* gone */
          }
          await exitPromise;
        }
      }
      // Children of a forking server (Apache) may outlive the parent by a moment.
      if (child.pid) {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          /* none left */
        }
      }
      snapshot = readLogs();
      live.delete(entry);
      if (!spec.keepWorkDir) rmSync(spec.dir, { recursive: true, force: true });
    })());

  const deadline = Date.now() + (spec.readyTimeoutMs ?? 10_000);
  while (!exited) {
    if (await tlsAnswers(spec.host, spec.port, 500)) break;
    if (Date.now() > deadline) {
      await stop();
      throw new GatewayStartError(`${spec.name} did not answer TLS on ${spec.host}:${spec.port} within ${spec.readyTimeoutMs ?? 10_000} ms`, readLogs(), false);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  if (exited) {
    await stop();
    const logs = readLogs();
    throw new GatewayStartError(
      `${spec.name} exited during start-up (code ${exited.code}, signal ${exited.signal}): ${spec.binary} ${spec.args.join(' ')}`,
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
