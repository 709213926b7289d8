// Secrets (issue 7): private keys on disk are 0600; no key material in the CLI's output, the emulator's timeline
// or introspection JSON; introspection listens on loopback only; the responders never serve a key, whatever path
// is asked for.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pemToDer } from '../../ca/der';
import { startIntrospection } from '../../emulator/front/introspection';
import { TimelineStore } from '../../emulator/front/timeline';
import { startEmulator, type RunningEmulator } from '../../emulator/index';
import { findPrivateKeyMaterial } from '../../reports/redact';
import { httpsGet } from './support/client';
import { labConfig, startLab, type Lab } from './support/lab';
import { KEY_CACHE_DIR } from './support/pki';

const ROOT = join(__dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'certgate.mjs');

/** Every way a key could leak into text: PEM markers and DER prefixes (redact.ts), and each actual key's base64. */
function leaks(text: string, keyPems: readonly string[]): string[] {
  const out = findPrivateKeyMaterial(text).map((f) => `${f.kind} at ${f.line}:${f.column}`);
  for (const pem of keyPems) {
    const b64 = pemToDer(pem)[0]!.toString('base64');
    // A 48-character window from the middle of the key: catches a key re-wrapped or cut into lines.
    const windowText = b64.slice(Math.floor(b64.length / 2), Math.floor(b64.length / 2) + 48);
    if (text.includes(windowText)) out.push('the base64 of a real private key');
  }
  return out;
}

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)]));
}

function run(args: string[], opts: { untilStdout?: RegExp; then?: (stdout: string) => Promise<void>; timeoutMs?: number } = {}): Promise<{ stdout: string; stderr: string; code: number | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let triggered = false;
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`certgate ${args.join(' ')} timed out\n${stdout}\n${stderr}`)); }, opts.timeoutMs ?? 60_000);
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (!triggered && opts.untilStdout?.test(stdout)) {
        triggered = true;
        void (opts.then?.(stdout) ?? Promise.resolve()).finally(() => child.kill('SIGTERM'));
      }
    });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.on('close', (code) => { clearTimeout(timer); resolve({ stdout, stderr, code }); });
  });
}

function httpGet(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => { body += d.toString('latin1'); });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('keys on disk', () => {
  const dir = mkdtempSync(join(tmpdir(), 'certgate-secrets-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  let output = '';

  beforeAll(async () => {
    const r = await run(['ca', 'init', '--out', join(dir, 'pki'), '--responder-port', '9', '--cache-dir', join(dir, 'cache')], { timeoutMs: 120_000 });
    expect(r.code, r.stderr).toBe(0);
    output = r.stdout + r.stderr;
  }, 130_000);

  it('`certgate ca init` writes every *.key.pem and *.pfx with mode 0600 (and its key cache too)', () => {
    const files = walk(dir).filter((f) => /\.key\.pem$|\.pfx$/.test(f) || f.includes(`${join(dir, 'cache')}/`));
    expect(files.filter((f) => f.endsWith('.key.pem')).length).toBeGreaterThan(10);
    expect(files.filter((f) => f.endsWith('.pfx')).length).toBeGreaterThan(0);
    const wrong = files.map((f) => [f, (statSync(f).mode & 0o777).toString(8)] as const).filter(([, m]) => m !== '600');
    expect(wrong).toEqual([]);
  });

  it('files that are not keys hold no key material (certificates, chains, manifest)', () => {
    const keyPems = walk(dir).filter((f) => f.endsWith('.key.pem')).map((f) => readFileSync(f, 'utf8'));
    const others = walk(join(dir, 'pki')).filter((f) => !/\.key\.pem$|\.pfx$/.test(f));
    const bad = others.flatMap((f) => leaks(readFileSync(f, 'latin1'), keyPems).map((l) => `${f}: ${l}`));
    expect(bad).toEqual([]);
  });

  it('`certgate ca init` prints no key material', () => {
    const keyPems = walk(dir).filter((f) => f.endsWith('.key.pem')).map((f) => readFileSync(f, 'utf8'));
    expect(output.length).toBeGreaterThan(0);
    expect(leaks(output, keyPems)).toEqual([]);
  });
});

describe('the emulator', () => {
  let lab: Lab;
  let emu: RunningEmulator;
  let keyPems: string[];
  beforeAll(async () => {
    lab = await startLab();
    keyPems = [...lab.pki.certificates.values()].map((c) => c.keyPem);
    emu = await startEmulator(labConfig(lab, { withNegotiateOff: true }));
  }, 120_000);
  afterAll(async () => {
    await emu?.close();
    await lab?.close();
  });

  it('introspection listens on loopback only, and refuses to bind elsewhere', async () => {
    expect(new URL(emu.introspectionUrl).hostname).toBe('127.0.0.1');
    await expect(startIntrospection(new TimelineStore(), '0.0.0.0', 0)).rejects.toThrow(/loopback/);
  });

  it('timelines and introspection JSON after requests of every kind hold no key material', async () => {
    const auth = lab.client('client-valid-ec');
    const off = emu.hostnames[1]!.url;
    const answers = await Promise.all([
      httpsGet(`${emu.url}/validate/a`, auth), httpsGet(`${emu.url}/verify/a`, auth), httpsGet(`${emu.url}/open/a`, auth),
      httpsGet(`${off}/validate/b`, auth), httpsGet(`${off}/verify/b`, auth), httpsGet(`${emu.url}/validate/c`, lab.client('client-revoked')),
      httpsGet(`${emu.url}/nowhere`, auth),
    ]);
    expect(answers.map((a) => a.status)).toContain(200);
    const texts = [JSON.stringify(emu.connections())];
    for (const a of answers) {
      texts.push(a.body);
      const id = String(a.headers['x-certgate-request-id']);
      texts.push(JSON.stringify(emu.timeline(id)));
      texts.push((await httpGet(`${emu.introspectionUrl}/requests/${id}`)).body);
    }
    texts.push((await httpGet(`${emu.introspectionUrl}/connections`)).body);
    expect(texts.join('\n').length).toBeGreaterThan(1000);
    expect(leaks(texts.join('\n'), keyPems)).toEqual([]);
  });

  it('the CA keys are never served: key file names and traversal on the responder and the gateway get no key', async () => {
    const names = [...lab.pki.certificates.keys()];
    const paths = names.flatMap((n) => [
      `/crl/${n}.key.pem`, `/crl/../${n}.key.pem`, `/crl/..%2f${n}.key.pem`, `/crl/%2e%2e/${n}.key.pem`, `/ocsp/${n}.key.pem`, `/${n}.key.pem`, `/${n}.pfx`,
      `/crl/${n}.crl/../../${n}.key.pem`, `/crl/%2e%2e%2f%2e%2e%2f${n}.key.pem`, `/ocsp/${n}/..%2f..%2f${n}.key.pem`,
    ]);
    for (const p of [...paths, '/etc/passwd', '/crl/..%00.key.pem', '/crl/%c0%ae%c0%ae/root-ca.key.pem']) {
      const r = await httpGet(`${lab.revocation.url}${p}`);
      // GET /ocsp/<anything> is an OCSP GET (RFC 6960 A.1): a 200 carrying an OCSP error response is right there.
      if (!p.startsWith('/ocsp/')) expect(r.status, p).not.toBe(200);
      expect(leaks(r.body, keyPems), p).toEqual([]);
    }
    const auth = lab.client('client-valid-ec');
    for (const p of ['/root-ca.key.pem', '/open/../root-ca.key.pem', '/open/%2e%2e/%2e%2e/root-ca.key.pem', '/open/..%2fserver.key.pem']) {
      const r = await httpsGet(`${emu.url}${p}`, auth);
      expect(leaks(r.body, keyPems), p).toEqual([]);
    }
  });
});

describe('`certgate emulate` (the CLI, default configuration)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'certgate-emulate-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('prints no key material, and its introspection and answers hold none either', async () => {
    const seen: string[] = [];
    const r = await run(['emulate', '--port', '0', '--pki-dir', dir], {
      untilStdout: /Ctrl-C to stop/,
      timeoutMs: 120_000,
      then: async (stdout) => {
        const url = /gateway\s+(https:\S+)/.exec(stdout)![1]!;
        const intro = /introspection\s+(http:\S+)/.exec(stdout)![1]!;
        const auth = { cert: readFileSync(join(dir, 'client-valid-rsa.pem'), 'utf8'), key: readFileSync(join(dir, 'client-valid-rsa.key.pem'), 'utf8'), ca: readFileSync(join(dir, 'trusted-roots.pem'), 'utf8') };
        for (const p of ['/validate/x', '/documented/thumbprint', '/open/x']) {
          const a = await httpsGet(`${url}${p}`, auth);
          seen.push(a.body, (await httpGet(`${intro}/requests/${String(a.headers['x-certgate-request-id'])}`)).body);
        }
        seen.push((await httpGet(`${intro}/connections`)).body);
      },
    });
    const keyPems = walk(dir).filter((f) => f.endsWith('.key.pem')).map((f) => readFileSync(f, 'utf8'));
    expect(keyPems.length).toBeGreaterThan(10);
    expect(r.stdout).toMatch(/stopped/);
    expect(seen.join('').length).toBeGreaterThan(500);
    expect(leaks([r.stdout, r.stderr, ...seen].join('\n'), keyPems)).toEqual([]);
  }, 130_000);
});
