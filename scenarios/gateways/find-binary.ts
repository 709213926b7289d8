// Finds a gateway's executable: the explicit `--gateway-bin`, else the first of its names on PATH, then the sbin
// directories Debian installs servers into (often missing from a non-root PATH).

import { execFile } from 'node:child_process';
import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { delimiter, join } from 'node:path';

const EXTRA_DIRS = ['/usr/sbin', '/usr/local/sbin', '/sbin'];

async function isExecutableFile(path: string): Promise<boolean> {
  try {
    if (!(await stat(path)).isFile()) return false;
    await access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The executable path, or a reason it was not found. */
export async function findBinary(names: readonly string[], explicit?: string, pathEnv = process.env.PATH ?? ''): Promise<{ path: string } | { unavailable: string }> {
  if (explicit) {
    return (await isExecutableFile(explicit)) ? { path: explicit } : { unavailable: `--gateway-bin ${explicit} is not an executable file` };
  }
  const dirs = [...pathEnv.split(delimiter).filter(Boolean), ...EXTRA_DIRS];
  for (const name of names) for (const dir of dirs) if (await isExecutableFile(join(dir, name))) return { path: join(dir, name) };
  return { unavailable: `${names.join(' / ')} not found on PATH or in ${EXTRA_DIRS.join(', ')} (install it, or pass --gateway-bin)` };
}

/** Runs `binary args` and returns stdout+stderr (servers print their version on either). */
export function runForOutput(binary: string, args: readonly string[], timeoutMs = 5000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(binary, args, { timeout: timeoutMs }, (err, stdout, stderr) => {
      const out = `${stdout}${stderr}`;
      if (err && !out) reject(new Error(`${binary} ${args.join(' ')}: ${err.message}`));
      else resolve(out);
    });
  });
}
