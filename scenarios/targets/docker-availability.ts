// Does a Docker engine answer here? Container tests ask once and are reported skipped with the answer's reason when
// none does — never silently passed. The docker CLI is asked (not the socket directly) because the image scripts
// need the same CLI, and it honours DOCKER_HOST and docker contexts the same way for both.
import { execFile } from 'node:child_process';

export type DockerAvailability =
  | { readonly available: true; readonly serverVersion: string }
  | { readonly available: false; readonly reason: string };

export interface AvailabilityOptions {
  /** How long `docker version` may take before the engine counts as absent (default 10 s). */
  readonly timeoutMs?: number;
  /** The client to run (default `docker` on PATH). */
  readonly dockerBin?: string;
}

function firstLine(text: string): string {
  return text.split('\n').map((l) => l.trim()).find((l) => l.length > 0) ?? '';
}

export function checkDocker(opts: AvailabilityOptions = {}): Promise<DockerAvailability> {
  const bin = opts.dockerBin ?? 'docker';
  const timeout = opts.timeoutMs ?? 10_000;
  return new Promise((resolve) => {
    execFile(bin, ['version', '--format', '{{.Server.Version}}'], { timeout }, (err, stdout, stderr) => {
      if (!err) {
        const serverVersion = stdout.trim();
        resolve(serverVersion ? { available: true, serverVersion } : { available: false, reason: `${bin} version printed no server version` });
        return;
      }
      const e = err as NodeJS.ErrnoException & { killed?: boolean };
      if (e.code === 'ENOENT') resolve({ available: false, reason: `no "${bin}" client on PATH (scripts/docker-engine.sh installs and starts one)` });
      else if (e.killed) resolve({ available: false, reason: `${bin} version did not answer within ${timeout} ms` });
      else resolve({ available: false, reason: `no Docker engine answers: ${firstLine(stderr) || e.message} (start one with scripts/docker-engine.sh)` });
    });
  });
}

let cached: Promise<DockerAvailability> | undefined;

/** checkDocker with default options, asked once per process. */
export function dockerAvailability(): Promise<DockerAvailability> {
  cached ??= checkDocker();
  return cached;
}
