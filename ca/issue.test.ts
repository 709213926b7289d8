// The default spec, issued once and written to disk, checked by the real openssl CLI: `openssl verify` must reach
// the manifest's verdict for every certificate, every .pfx opens with its password, keys are 0600, and the CRLs
// parse. The revocation server runs on the port embedded in the certificates, so the CRLs a validator can reach are
// fetched over HTTP for real, and the "down" responder really refuses connections.

import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { derToPem } from './der';
import { defaultSpec, getFreePort, issuePki, loadPki, parseManifest, writePki, type Manifest, type Pki } from './index';
import { startRevocationServer } from './revocation-server';

const run = promisify(execFile);

/** openssl's run, without throwing on a non-zero exit. */
async function openssl(args: string[], input?: string): Promise<{ code: number; out: string }> {
  try {
    const child = run('openssl', args, { encoding: 'utf8' });
    if (input !== undefined) child.child.stdin!.end(input);
    const { stdout, stderr } = await child;
    return { code: 0, out: stdout + stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, out: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

// What each verdict means in openssl's words (X509_V_ERR_* codes in `openssl verify` output), from the OpenSSL
// documentation of verify(1) — not from certgate's code.
const OPENSSL_ERRORS: Record<string, readonly number[]> = {
  expired: [10], // X509_V_ERR_CERT_HAS_EXPIRED
  'not-yet-valid': [9], // X509_V_ERR_CERT_NOT_YET_VALID
  revoked: [23], // X509_V_ERR_CERT_REVOKED
  untrusted: [2, 18, 19, 20], // unable to get issuer / self-signed / self-signed in chain / no local issuer
  'wrong-usage': [26], // X509_V_ERR_INVALID_PURPOSE
  'ca-as-leaf': [26],
  'revocation-unreachable': [3], // X509_V_ERR_UNABLE_TO_GET_CRL
};

let dir: string;
let pki: Pki;
let manifest: Manifest;
let server: Awaited<ReturnType<typeof startRevocationServer>>;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'certgate-issue-'));
  const port = await getFreePort();
  pki = await issuePki(defaultSpec(), { responder: { host: '127.0.0.1', port } });
  await writePki(pki, dir);
  manifest = parseManifest(await readFile(join(dir, 'manifest.json'), 'utf8'), 'manifest.json');
  server = await startRevocationServer({ authorities: pki.authorities, host: '127.0.0.1', port });
});

afterAll(async () => {
  await server?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** The CRLs a validator has for one certificate: every CRL on disk, except where the chain's CDP cannot be reached. */
async function crlsFor(name: string): Promise<string> {
  const byName = new Map(manifest.certificates.map((c) => [c.name, c]));
  const unreachable = new Set<string>();
  const fetched = new Map<string, string>();
  for (let cur = byName.get(name); cur && cur.issuedBy; cur = byName.get(cur.issuedBy)) {
    for (const url of cur.crlUrls) {
      try {
        const res = await fetch(url);
        expect(res.status, url).toBe(200);
        fetched.set(cur.issuedBy, derToPem(Buffer.from(await res.arrayBuffer()), 'X509 CRL'));
      } catch (err) {
        if ((err as { cause?: { code?: string } }).cause?.code !== 'ECONNREFUSED') throw err;
        unreachable.add(cur.issuedBy);
      }
    }
  }
  const pems = await Promise.all(
    manifest.authorities.filter((a) => !unreachable.has(a.name)).map(async (a) => fetched.get(a.name) ?? (await readFile(join(dir, a.crl.pem), 'utf8'))),
  );
  const file = join(dir, `verify-${name}.crls.pem`);
  await writeFile(file, pems.join(''));
  return file;
}

describe('openssl verify agrees with the manifest', () => {
  it('covers every shape the issue asks for', () => {
    const shapes = new Set(manifest.certificates.flatMap((c) => c.shapes));
    for (const s of ['valid', 'expired', 'not-yet-valid', 'revoked', 'self-signed', 'untrusted-root', 'server-auth-only', 'ca-as-leaf', 'awkward-dn', 'san-dns', 'long-chain', 'no-revocation-pointers', 'revocation-responder-down', 'delegated-ocsp-signer']) {
      expect(shapes, s).toContain(s);
    }
    expect(new Set(manifest.certificates.map((c) => c.keyType))).toEqual(new Set(['rsa2048', 'ec-p256']));
  });

  it('for every certificate in the default spec', async () => {
    const results = await Promise.all(
      manifest.certificates.map(async (c) => {
        const purpose = c.role === 'client' ? ['-purpose', 'sslclient'] : c.role === 'server' ? ['-purpose', 'sslserver'] : [];
        const { code, out } = await openssl([
          'verify',
          ...purpose,
          '-CAfile', join(dir, manifest.trustedRoots),
          '-untrusted', join(dir, c.files.chain),
          '-crl_check_all',
          '-CRLfile', await crlsFor(c.name),
          join(dir, c.files.cert),
        ]);
        const firstError = /error (\d+) at \d+ depth/.exec(out);
        return { name: c.name, expected: c.expected, code, firstError: firstError ? Number(firstError[1]) : undefined, out };
      }),
    );
    for (const r of results) {
      if (r.expected === 'valid') {
        expect({ name: r.name, code: r.code, out: r.out }).toMatchObject({ code: 0, out: expect.stringContaining(': OK') });
      } else {
        expect({ name: r.name, code: r.code }).toEqual({ name: r.name, code: 2 });
        expect(OPENSSL_ERRORS[r.expected], `${r.name}: ${r.out}`).toContain(r.firstError);
      }
    }
  });

  it('the CA-as-leaf certificate really is a CA and the wrong-usage one lacks clientAuth', async () => {
    const ca = await openssl(['x509', '-in', join(dir, 'client-ca-as-leaf.pem'), '-noout', '-ext', 'basicConstraints']);
    expect(ca.out).toContain('CA:TRUE');
    const eku = await openssl(['x509', '-in', join(dir, 'client-server-auth-only.pem'), '-noout', '-ext', 'extendedKeyUsage']);
    expect(eku.out).toContain('TLS Web Server Authentication');
    expect(eku.out).not.toContain('Client');
  });
});

describe('files', () => {
  it('every .pfx opens with its password in openssl pkcs12 (RSA and EC)', async () => {
    const results = await Promise.all(
      manifest.certificates.map(async (c) => ({ c, r: await openssl(['pkcs12', '-info', '-nokeys', '-in', join(dir, c.files.pfx), '-passin', `pass:${c.pfxPassword}`]) })),
    );
    for (const { c, r } of results) {
      expect({ name: c.name, code: r.code }).toEqual({ name: c.name, code: 0 });
      expect(r.out).toContain('MAC: sha256');
      expect(r.out).toContain('Shrouded Keybag');
    }
    const wrong = await openssl(['pkcs12', '-info', '-nokeys', '-in', join(dir, 'client-valid-ec.pfx'), '-passin', 'pass:not-the-password']);
    expect(wrong.code).not.toBe(0);
    expect(wrong.out).toMatch(/mac verify (failure|error)/i);
  });

  it('private keys and pfx files are mode 0600, certificates are not secret', async () => {
    for (const c of manifest.certificates) {
      expect(((await stat(join(dir, c.files.key))).mode & 0o777).toString(8), c.files.key).toBe('600');
      expect(((await stat(join(dir, c.files.pfx))).mode & 0o777).toString(8), c.files.pfx).toBe('600');
    }
    expect((await stat(join(dir, 'root-ca.pem'))).mode & 0o077).not.toBe(0);
  });

  it('the manifest has thumbprints and serials as openssl computes them, and no private keys', async () => {
    const text = await readFile(join(dir, 'manifest.json'), 'utf8');
    expect(text).not.toContain('PRIVATE KEY');
    for (const c of manifest.certificates.filter((x) => ['client-awkward-dn', 'client-valid-rsa', 'root-ca'].includes(x.name))) {
      const { out } = await openssl(['x509', '-in', join(dir, c.files.cert), '-noout', '-fingerprint', '-sha1', '-serial']);
      expect(out).toContain(`sha1 Fingerprint=${c.thumbprint.replace(/(..)(?!$)/g, '$1:')}`);
      expect(out).toContain(`serial=${c.serialNumber}`);
    }
  });

  it('every CRL parses in openssl crl and lists the revoked certificate with its reason', async () => {
    for (const a of manifest.authorities) {
      const { code, out } = await openssl(['crl', '-inform', 'DER', '-in', join(dir, a.crl.der), '-noout', '-text']);
      expect({ ca: a.name, code }).toEqual({ ca: a.name, code: 0 });
      expect(out).toContain('X509v3 CRL Number');
    }
    const revoked = manifest.certificates.find((c) => c.expected === 'revoked')!;
    const { out } = await openssl(['crl', '-inform', 'DER', '-in', join(dir, `crl/${revoked.issuedBy}.crl`), '-noout', '-text']);
    expect(out).toContain(`Serial Number: ${revoked.serialNumber}`);
    expect(out).toContain('Key Compromise');
  });

  it('the chain file runs leaf → intermediates → root', async () => {
    const c = manifest.certificates.find((x) => x.name === 'client-long-chain')!;
    const chain = await readFile(join(dir, c.files.chain), 'utf8');
    const expected = ['client-long-chain', 'sub-intermediate-ca', 'intermediate-ca', 'root-ca'].map((n) => pki.get(n).certPem);
    expect(chain).toBe(expected.join(''));
  });

  it('refuses to overwrite existing files without force, and overwrites with it', async () => {
    await expect(writePki(pki, dir)).rejects.toThrow(/refusing to overwrite .*--force/);
    const other = await mkdtemp(join(tmpdir(), 'certgate-issue-force-'));
    try {
      await writeFile(join(other, 'root-ca.pem'), 'precious');
      await expect(writePki(pki, other)).rejects.toThrow(/root-ca\.pem/);
      expect(await readFile(join(other, 'root-ca.pem'), 'utf8')).toBe('precious');
      // A file in a subdirectory clashes too; a key file that was world-readable is 0600 once overwritten.
      await rm(join(other, 'root-ca.pem'));
      await mkdir(join(other, 'crl'));
      await writeFile(join(other, 'crl', 'root-ca.crl'), 'precious');
      await expect(writePki(pki, other)).rejects.toThrow(/crl\/root-ca\.crl/);
      await writeFile(join(other, 'root-ca.pem'), 'precious');
      await writeFile(join(other, 'root-ca.key.pem'), 'old', { mode: 0o644 });
      await writePki(pki, other, { force: true });
      expect(await readFile(join(other, 'root-ca.pem'), 'utf8')).toBe(pki.get('root-ca').certPem);
      expect(((await stat(join(other, 'root-ca.key.pem'))).mode & 0o777).toString(8)).toBe('600');
    } finally {
      await rm(other, { recursive: true, force: true });
    }
  });
});

describe('loadPki', () => {
  it('reads back the same certificates, keys, verdicts and authorities', async () => {
    const loaded = await loadPki(dir);
    expect([...loaded.certificates.keys()]).toEqual([...pki.certificates.keys()]);
    for (const c of pki.certificates.values()) {
      const l = loaded.get(c.name);
      expect(l.certDer.equals(c.certDer)).toBe(true);
      expect(l.keyPem).toBe(c.keyPem);
      expect(l.expected).toBe(c.expected);
      expect(l.chain.map((d) => d.toString('hex'))).toEqual(c.chain.map((d) => d.toString('hex')));
      expect(l.subject.dotnet).toBe(c.subject.dotnet);
    }
    const strip = (p: Pki) => p.authorities.map((a) => ({ name: a.name, serials: [...a.issuedSerials].sort(), revoked: a.revoked.map((r) => [r.serial.toString('hex'), r.revokedAt.toISOString(), r.reason]), signer: a.ocspSigner?.certDer.toString('hex') }));
    expect(strip(loaded)).toEqual(strip(pki));
    expect(loaded.responder).toEqual(pki.responder);
  });

  it('names the missing manifest', async () => {
    await expect(loadPki(join(dir, 'nowhere'))).rejects.toThrow(/manifest\.json: cannot read/);
  });
});

describe('the PKI for the revocation side', () => {
  it('lists the revoked certificate, the delegated OCSP signer and every issued serial', () => {
    const intermediate = pki.authorities.find((a) => a.name === 'intermediate-ca')!;
    const revoked = pki.get('client-revoked');
    expect(intermediate.revoked).toEqual([revoked.revocation]);
    expect(revoked.revocation!.reason).toBe('keyCompromise');
    expect(intermediate.ocspSigner?.certDer.equals(pki.get('intermediate-ocsp-signer').certDer)).toBe(true);
    expect(intermediate.issuedSerials.has(pki.get('client-valid-ec').serialNumber)).toBe(true);
    expect(intermediate.issuedSerials.has(pki.get('client-long-chain').serialNumber)).toBe(false);
  });

  it('embeds the responder address it was given, and the down responder for that shape', () => {
    const { port } = pki.responder;
    expect(pki.get('client-valid-ec').crlUrls).toEqual([`http://127.0.0.1:${port}/crl/intermediate-ca.crl`]);
    expect(pki.get('client-valid-ec').ocspUrls).toEqual([`http://127.0.0.1:${port}/ocsp/intermediate-ca`]);
    expect(pki.get('client-down-responder').ocspUrls).toEqual([`http://${pki.downResponder.host}:${pki.downResponder.port}/ocsp/intermediate-ca`]);
    expect(pki.get('client-no-pointers').crlUrls).toEqual([]);
    expect(pki.get('client-no-pointers').ocspUrls).toEqual([]);
  });

  it('openssl ocsp gets "revoked" for the revoked certificate from the responder it points at', async () => {
    const revoked = pki.get('client-revoked');
    const { out } = await openssl([
      'ocsp',
      '-issuer', join(dir, 'intermediate-ca.pem'),
      '-cert', join(dir, 'client-revoked.pem'),
      '-url', revoked.ocspUrls[0]!,
      '-CAfile', join(dir, manifest.trustedRoots),
      '-verify_other', join(dir, manifest.intermediates),
    ]);
    expect(out).toContain('Response verify OK');
    expect(out).toMatch(/client-revoked\.pem: revoked/);
  });
});
