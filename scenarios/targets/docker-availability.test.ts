// How the availability check classifies a missing client, a client that reaches no engine and a silent client —
// with real processes standing in for the docker CLI (no engine needed, so these run everywhere).
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkDocker } from './docker-availability';

describe('checkDocker', () => {
  let dir: string;
  const script = async (name: string, body: string): Promise<string> => {
    const path = join(dir, name);
    await writeFile(path, `#!/bin/sh\n${body}\n`);
    await chmod(path, 0o755);
    return path;
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'certgate-docker-availability-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('no client on PATH → unavailable, naming the missing client', async () => {
    const r = await checkDocker({ dockerBin: join(dir, 'no-such-docker') });
    expect(r).toEqual({ available: false, reason: expect.stringContaining('no-such-docker" client on PATH') });
  });

  it('a client that reaches no engine → unavailable with the client\'s own first error line', async () => {
    const bin = await script('docker-down', 'echo "" >&2; echo "Cannot connect to the Docker daemon at unix:///x.sock" >&2; echo second >&2; exit 1');
    const r = await checkDocker({ dockerBin: bin });
    expect(r.available).toBe(false);
    expect(!r.available && r.reason).toMatch(/^no Docker engine answers: Cannot connect to the Docker daemon at unix:\/\/\/x\.sock \(/);
  });

  it('a client that hangs → unavailable after the timeout', async () => {
    const bin = await script('docker-hang', 'exec sleep 5');
    const r = await checkDocker({ dockerBin: bin, timeoutMs: 300 });
    expect(r).toEqual({ available: false, reason: expect.stringContaining('did not answer within 300 ms') });
  });

  it('a server version on stdout → available with that version; an empty one is not trusted', async () => {
    // The real CLI is asked with exactly these arguments; the stub checks them.
    const ok = await script('docker-ok', '[ "$*" = "version --format {{.Server.Version}}" ] && echo 20.10.24 || exit 3');
    expect(await checkDocker({ dockerBin: ok })).toEqual({ available: true, serverVersion: '20.10.24' });
    const silent = await script('docker-silent', 'exit 0');
    expect(await checkDocker({ dockerBin: silent })).toEqual({ available: false, reason: expect.stringContaining('printed no server version') });
  });
});
