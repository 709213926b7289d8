// `certgate ca init` through the real CLI entry (main), in-process: writes, reports up to date, refuses to overwrite,
// and rejects a bad spec file naming the line.

import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../main';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'certgate-cli-ca-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((out += String(s)), true));
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((s) => ((err += String(s)), true));
  try {
    const code = await main(['node', 'certgate', ...args]);
    return { code, out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}

describe('certgate ca init', () => {
  it('writes a small spec, then finds it up to date, then refuses a changed spec without --force', async () => {
    const spec = join(dir, 'pki.yaml');
    await writeFile(spec, 'seed: cli\ncertificates:\n  - name: root\n    role: root-ca\n    keyType: ec-p256\n  - name: alice\n    role: client\n    issuer: root\n    keyType: ec-p256\n');
    const out = join(dir, 'out');
    const common = ['ca', 'init', '--out', out, '--spec', spec, '--no-cache', '--now', '2026-06-01T00:00:00Z', '--responder-port', '18780'];
    const first = await cli(...common);
    expect(first.code, first.err).toBe(0);
    expect(first.out).toMatch(/wrote \d+ files for 2 certificates/);
    const manifest = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8'));
    expect(manifest.certificates[1].crlUrls).toEqual(['http://127.0.0.1:18780/crl/root.crl']);
    expect(manifest.now).toBe('2026-06-01T00:00:00.000Z');

    const second = await cli(...common);
    expect(second.code).toBe(0);
    expect(second.out).toContain('up to date');

    const third = await cli(...common.slice(0, -1), '18781');
    expect(third.code).toBe(2);
    expect(third.err).toMatch(/refusing to overwrite .*--force/);

    const forced = await cli(...common.slice(0, -1), '18781', '--force');
    expect(forced.code, forced.err).toBe(0);
    expect(JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8')).certificates[1].crlUrls).toEqual(['http://127.0.0.1:18781/crl/root.crl']);
  });

  it('a bad spec file fails with exit 2, the file, the line and the field', async () => {
    const spec = join(dir, 'bad.yaml');
    await writeFile(spec, 'certificates:\n  - name: root\n    role: root-ca\n    keyType: rsa1024\n');
    const r = await cli('ca', 'init', '--out', join(dir, 'never'), '--spec', spec, '--no-cache');
    expect(r.code).toBe(2);
    expect(r.err).toContain(`${spec}:4: certificates[0].keyType:`);
  });

  it('a bad --now is a usage error', async () => {
    const r = await cli('ca', 'init', '--out', join(dir, 'never'), '--now', 'yesterday');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/ISO 8601/);
  });
});
