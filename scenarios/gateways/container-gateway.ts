// Container mode of the gateway drivers (`--target container:<driver>`, StartOptions.container): the same LaunchSpec —
// binary path, arguments, generated directory — run inside a container of certgate/gateways:local (built from this
// machine's installed nginx/Apache/HAProxy by scripts/docker-gateway-image.sh) instead of on the host.
//
// - Network: `--network host`. The gateway binds exactly the 127.0.0.1:<port> its config names, in the host's network
//   namespace, so nothing in the config changes, a port taken in between fails the same way (launchOnFreePort retries),
//   and the gateway reaches the PKI's OCSP responder at its 127.0.0.1 URL. With a published port the config would need
//   a 0.0.0.0 listen inside, and 127.0.0.1 inside would be the container itself (OCSP unreachable).
// - Files: the work directory is bind-mounted at the same path, so every path in the config stays valid and the logs
//   the gateway writes there are read the same way as on the host.
// - User: the container runs as this process's uid:gid, so the drivers' `process.getuid() === 0` decisions (nginx
//   `user root;`, Apache `User www-data`) hold inside too, and the files they wrote are readable by the same user.
// - Labels: org.certgate.owner (host:pid, so removeOrphans() in ../targets/container.ts removes what a killed run left
//   behind), org.certgate.gateway (driver name) and org.certgate.workdir.

import { basename, join } from 'node:path';
import { docker, ownerLabel, REPO_ROOT, removeOrphans, run } from '../targets/container';

export const GATEWAY_IMAGE = process.env.CERTGATE_GATEWAY_IMAGE ?? 'certgate/gateways:local';
export const GATEWAY_LABEL = 'org.certgate.gateway';
export const WORKDIR_LABEL = 'org.certgate.workdir';

let image: Promise<string> | undefined;

/** Builds certgate/gateways:local unless the installed packages are already in it (the script caches by a content
 *  hash: a couple of seconds when unchanged, a few seconds cold). Once per process; also removes orphans. */
export function ensureGatewayImage(): Promise<string> {
  image ??= Promise.all([
    run('bash', [join(REPO_ROOT, 'scripts', 'docker-gateway-image.sh')], { cwd: REPO_ROOT, timeoutMs: 5 * 60_000 }),
    removeOrphans(),
  ])
    .then(() => GATEWAY_IMAGE)
    .catch((err: unknown) => {
      image = undefined; // let a later call try again (e.g. after the engine was started)
      throw err;
    });
  return image;
}

export interface ContainerSpec {
  readonly name: string;
  readonly binary: string;
  readonly args: readonly string[];
  readonly dir: string;
}

/** A container name that is unique (the work directory's random suffix) and says which driver it holds. */
export const containerName = (spec: ContainerSpec): string => basename(spec.dir).replace(/[^A-Za-z0-9_.-]/g, '-');

/** `docker run` arguments that run the spec in the foreground (attached: its stdout/stderr are the `docker logs`). */
export function dockerRunArgs(spec: ContainerSpec, name = containerName(spec)): string[] {
  const labels = { ...ownerLabel(), [GATEWAY_LABEL]: spec.name, [WORKDIR_LABEL]: spec.dir };
  const uid = process.getuid?.() ?? 0;
  const gid = process.getgid?.() ?? 0;
  return [
    'run',
    '--name', name,
    ...Object.entries(labels).flatMap(([k, v]) => ['--label', `${k}=${v}`]),
    // Docker's init (tini) as PID 1: `docker stop`'s SIGTERM reaches the server, and Apache's children are reaped.
    '--init',
    '--network', 'host',
    '--user', `${uid}:${gid}`,
    '--mount', `type=bind,source=${spec.dir},target=${spec.dir}`,
    '--workdir', spec.dir,
    '--attach', 'stdout', '--attach', 'stderr',
    GATEWAY_IMAGE,
    spec.binary,
    ...spec.args,
  ];
}

/** Stops (TERM, KILL after `graceSeconds`) and removes the container; quiet when it is already gone. */
export async function removeContainer(name: string, graceSeconds = 5): Promise<void> {
  await docker(['stop', '-t', String(graceSeconds), name], (graceSeconds + 20) * 1000).catch(() => undefined);
  await docker(['rm', '-f', name], 20_000).catch(() => undefined);
}

/** Why `docker run` failed before the gateway could say anything (exit 125–127 are Docker's own codes). */
export function dockerRunFailure(code: number | null): string | undefined {
  if (code === 125) return 'docker run itself failed (image missing or the engine refused the options)';
  if (code === 126) return 'the gateway binary exists in the image but cannot be executed';
  if (code === 127) return `the gateway binary is not in ${GATEWAY_IMAGE} (container mode runs the packaged binaries only; rebuild with scripts/docker-gateway-image.sh)`;
  return undefined;
}
