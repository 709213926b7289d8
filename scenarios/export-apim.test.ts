// `certgate export apim`: the files a user deploys must agree with the PKI the run will use. Checked with openssl.

import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultSpec, getFreePort, issuePki, type Pki } from '../ca/index';
import { exportApim, type ExportResult } from './export-apim';
import { loadUrlMapping } from './targets/url-target';

const openssl = (...args: string[]) => execFileSync('openssl', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
const fingerprintOf = (file: string, form: 'DER' | 'PEM') =>
  openssl('x509', '-inform', form, '-in', file, '-noout', '-fingerprint', '-sha1').trim().replace(/^.*=/, '').replace(/:/g, '');

describe('export apim', () => {
  let dir: string;
  let pki: Pki;
  let result: ExportResult;
  const setupDir = (key: string) => join(dir, 'setups', key);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'certgate-export-'));
    pki = await issuePki(defaultSpec(), { responder: { host: '127.0.0.1', port: await getFreePort() }, cacheDir: join(tmpdir(), 'certgate-export-test-keys') });
    result = await exportApim({
      outDir: dir,
      tier: 'developer',
      pki,
      select: ['documented.uploaded-thumbprint.pfx-upload', 'documented.uploaded-thumbprint.not-uploaded', 'validate.identity.thumbprint.match', 'tier.v2.*'],
    });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes one directory per setup and a mapping template the url target reads', () => {
    const keys = readdirSync(join(dir, 'setups')).sort();
    expect(keys.length).toBe(result.setups);
    expect(result.skipped).toBeGreaterThan(0); // tier.v2.* does not apply to developer
    const mapping = loadUrlMapping(result.mappingFile);
    expect(mapping.profile).toBe('apim-developer');
    expect(mapping.setups.size).toBe(0); // nothing deployed yet: every entry is a template
    const text = readFileSync(result.mappingFile, 'utf8');
    for (const k of keys) expect(text).toContain(`  ${k}:`);
  });

  it('renders policies with the PKI\'s real thumbprint', () => {
    const key = readdirSync(join(dir, 'setups')).find((k) => readFileSync(join(setupDir(k), 'setup.json'), 'utf8').includes('validate.identity.thumbprint.match'))!;
    const xml = readFileSync(join(setupDir(key), 'policy.xml'), 'utf8');
    // The thumbprint as openssl computes it from the certificate the export wrote for the run to use.
    const thumbprint = fingerprintOf(join(dir, 'pki', 'client-valid-rsa.pem'), 'PEM');
    expect(xml).toContain(`thumbprint="${thumbprint}"`);
  });

  it('writes PFX (0600, opens with the password) and CER files, and base64 without PEM markers for ARM', () => {
    const keys = readdirSync(join(dir, 'setups'));
    const pfxKey = keys.find((k) => existsSync(join(setupDir(k), 'certificates', 'client-pfx.pfx')))!;
    const pfx = join(setupDir(pfxKey), 'certificates', 'client-pfx.pfx');
    expect(statSync(pfx).mode & 0o777).toBe(0o600);
    const certOut = openssl('pkcs12', '-in', pfx, '-nokeys', '-passin', `pass:${pki.pfxPassword}`);
    const tmp = join(dir, 'from-pfx.pem');
    execFileSync('sh', ['-c', `cat > "${tmp}"`], { input: certOut });
    expect(fingerprintOf(tmp, 'PEM')).toBe(pki.get('client-valid-rsa').thumbprint);

    const cerKey = keys.find((k) => existsSync(join(setupDir(k), 'certificates', 'other.cer')))!;
    const cer = join(setupDir(cerKey), 'certificates', 'other.cer');
    expect(fingerprintOf(cer, 'DER')).toBe(pki.get('client-valid-ec').thumbprint);
    const b64 = readFileSync(join(setupDir(cerKey), 'certificates', 'other.base64.txt'), 'utf8');
    expect(b64).not.toMatch(/-----BEGIN|\s/);
    expect(Buffer.from(b64, 'base64').equals(readFileSync(cer))).toBe(true);
    const root = join(setupDir(cerKey), 'ca', 'root-ca.cer');
    expect(fingerprintOf(root, 'DER')).toBe(pki.get('root-ca').thumbprint);
  });

  it('the Bicep files load only files that exist, and split setups whose instance-wide settings differ', () => {
    const bicep = readdirSync(join(dir, 'instances'));
    expect(bicep.length).toBe(result.instances);
    // pfx-upload and not-uploaded upload different certificates: uploads are instance-wide, so two instances.
    expect(result.instances).toBeGreaterThanOrEqual(2);
    for (const f of bicep) {
      const text = readFileSync(join(dir, 'instances', f), 'utf8');
      const paths = [...text.matchAll(/loadTextContent\('([^']+)'\)/g)].map((m) => m[1]!);
      expect(paths.length).toBeGreaterThan(0);
      for (const p of paths) expect(existsSync(join(dir, 'instances', p)), `${f} loads ${p}`).toBe(true);
    }
  });
});
