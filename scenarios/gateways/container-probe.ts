// Evidence, read from the kernel, of where a gateway really runs: which process owns the listening socket on a
// loopback port (/proc/net/tcp → socket inode → /proc/<pid>/fd), which pid namespace it is in, whether it descends
// from a container's init, and the certgate gateway containers Docker lists. Used by the container-mode tests to
// prove "in a container" without trusting the code under test. Linux only.

import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { docker } from '../targets/container';
import { GATEWAY_LABEL, WORKDIR_LABEL } from './container-gateway';

/** Socket inodes listening on 127.0.0.1:<port> (TCP over IPv4), from /proc/net/tcp. */
export function listeningInodes(port: number): string[] {
  const want = `0100007F:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  return readFileSync('/proc/net/tcp', 'utf8')
    .split('\n')
    .slice(1)
    .map((l) => l.trim().split(/\s+/))
    .filter((f) => f[1] === want && f[3] === '0A') // 0A = LISTEN
    .map((f) => f[9]!);
}

/** Pids holding a file descriptor on one of these socket inodes. */
export function pidsHoldingSockets(inodes: readonly string[]): number[] {
  const targets = new Set(inodes.map((i) => `socket:[${i}]`));
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${entry}/fd`);
    } catch {
      continue; // gone, or not ours to read
    }
    for (const fd of fds) {
      try {
        if (targets.has(readlinkSync(`/proc/${entry}/fd/${fd}`))) {
          pids.push(Number(entry));
          break;
        }
      } catch {
        /* closed meanwhile */
      }
    }
  }
  return pids;
}

/** The processes listening on 127.0.0.1:<port>. */
export const listenerPids = (port: number): number[] => pidsHoldingSockets(listeningInodes(port));

/** e.g. "pid:[4026531836]" — equal for processes in the same namespace. */
export const namespaceOf = (pid: number | 'self', kind: 'pid' | 'mnt'): string => readlinkSync(`/proc/${pid}/ns/${kind}`);

function parentOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Field 4 (ppid) follows "(comm)", and comm may hold spaces or parentheses.
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}

/** True when `pid` is `ancestor` or one of its descendants. */
export function descendsFrom(pid: number, ancestor: number): boolean {
  for (let p = pid, hops = 0; p > 1 && hops < 64; p = parentOf(p), hops++) if (p === ancestor) return true;
  return pid === ancestor;
}

/** argv of a process (NUL-separated in /proc). */
export const commandLine = (pid: number): string[] => readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);

export interface GatewayContainer {
  readonly id: string;
  readonly name: string;
  readonly gateway: string;
  readonly workDir: string;
  readonly running: boolean;
  /** Host pid of the container's init (0 when not running). */
  readonly pid: number;
}

/** Every container (running or not) carrying the certgate gateway label, as Docker reports it. */
export async function gatewayContainers(): Promise<GatewayContainer[]> {
  const ids = (await docker(['ps', '-aq', '--no-trunc', '--filter', `label=${GATEWAY_LABEL}`])).split('\n').filter(Boolean);
  if (ids.length === 0) return [];
  const fmt = `{{.Id}}\t{{.Name}}\t{{index .Config.Labels "${GATEWAY_LABEL}"}}\t{{index .Config.Labels "${WORKDIR_LABEL}"}}\t{{.State.Running}}\t{{.State.Pid}}`;
  const out = await docker(['inspect', '--format', fmt, ...ids]).catch(() => ''); // one may vanish in between
  return out
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const [id, name, gateway, workDir, running, pid] = l.split('\t');
      return { id: id!, name: name!.replace(/^\//, ''), gateway: gateway!, workDir: workDir!, running: running === 'true', pid: Number(pid) };
    });
}
