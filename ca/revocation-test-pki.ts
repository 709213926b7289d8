// Test and benchmark fixtures for the revocation side, made with the openssl CLI (not with certgate's own issuer):
// an RSA CA and an EC CA, each with leaves (good, revoked, revoked with a high-bit serial, unknown to the CA) and a
// delegated OCSP signer (EKU OCSPSigning + id-pkix-ocsp-nocheck). That cross-checks our CRLs and OCSP answers
// against certificates a real implementation wrote. Also writes openssl `ca`-style index.txt files.

import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { createPrivateKey } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pemToDer } from './der';
import { parseCertificate } from './certificate-info';
import type { CrlReason, IssuingAuthority, KeyType, RevocationEntry } from './types';

export interface TestCert {
  readonly name: string;
  readonly pem: string;
  readonly der: Buffer;
  readonly serialHex: string;
  readonly subject: string;
}

export interface TestCa {
  readonly dir: string;
  readonly caPem: string;
  readonly caKeyPem: string;
  readonly signerPem: string;
  readonly signerKeyPem: string;
  readonly leaves: Readonly<Record<'good' | 'revoked' | 'revokedHigh' | 'unknown', TestCert>>;
  /** CA-signed OCSP answers (no delegate). */
  readonly authority: IssuingAuthority;
  /** The same CA answering through its delegated OCSP signer. */
  readonly delegated: IssuingAuthority;
}

export interface TestPki {
  readonly dir: string;
  readonly rsa: TestCa;
  readonly ec: TestCa;
  cleanup(): void;
}

/** Runs openssl; returns exit code and combined output (tests assert on both). */
export function openssl(args: string[], opts: { cwd?: string; input?: Buffer | string } = {}): { code: number; out: string; stdout: Buffer } {
  const r = spawnSync('openssl', args, { cwd: opts.cwd, input: opts.input, maxBuffer: 64 * 1024 * 1024 });
  if (r.error) throw r.error;
  return { code: r.status ?? -1, out: `${r.stdout.toString('latin1')}${r.stderr.toString('latin1')}`, stdout: r.stdout };
}

/** Same, without blocking the event loop: needed when the server under test lives in this process. */
export function opensslAsync(args: string[], opts: { cwd?: string; input?: Buffer | string } = {}): Promise<{ code: number; out: string; stdout: Buffer }> {
  return new Promise((resolve, reject) => {
    const child = spawn('openssl', args, { cwd: opts.cwd });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.on('error', reject);
    child.on('close', (code) => {
      const stdout = Buffer.concat(out);
      resolve({ code: code ?? -1, out: `${stdout.toString('latin1')}${Buffer.concat(err).toString('latin1')}`, stdout });
    });
    child.stdin.end(opts.input ?? '');
  });
}

function run(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

const EXTENSIONS = `[ca]
basicConstraints=critical,CA:TRUE
keyUsage=critical,keyCertSign,cRLSign
subjectKeyIdentifier=hash
[leaf]
basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=clientAuth
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid
[signer]
basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=OCSPSigning
noCheck=ignored
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid
`;

const newKey = (type: KeyType) => (type === 'rsa2048' ? ['-newkey', 'rsa:2048'] : ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256']);

/** Whole seconds: DER times have no fractions, so a round trip compares equal. */
const secondsAgo = (s: number) => new Date(Math.floor(Date.now() / 1000) * 1000 - s * 1000);

function makeCa(root: string, name: string, keyType: KeyType): TestCa {
  const dir = join(root, name);
  execFileSync('mkdir', ['-p', dir]);
  writeFileSync(join(dir, 'ext.cnf'), EXTENSIONS);
  const label = keyType === 'rsa2048' ? 'RSA' : 'EC';
  run(['req', '-x509', '-new', ...newKey(keyType), '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '3650', '-subj', `/C=NL/O=Certgate Test/CN=${label} Revocation Test CA`, '-config', 'ext.cnf', '-extensions', 'ca'], dir);
  run(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', 'leaf.key'], dir);
  const issue = (file: string, subject: string, serial: string, ext: 'leaf' | 'signer', key: string[]) => {
    run(['req', '-new', '-x509', ...key, '-subj', subject, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-set_serial', serial, '-days', '365', '-config', 'ext.cnf', '-extensions', ext, '-out', file], dir);
    const pem = readFileSync(join(dir, file), 'utf8');
    const der = pemToDer(pem, 'CERTIFICATE')[0]!;
    return { name: file.replace(/\.pem$/, ''), pem, der, serialHex: parseCertificate(der).serial.toString('hex').toUpperCase(), subject };
  };
  const leafKey = ['-key', 'leaf.key'];
  const leaves = {
    good: issue('good.pem', `/O=Certgate Test/CN=${label} good client`, '0x1001', 'leaf', leafKey),
    revoked: issue('revoked.pem', `/O=Certgate Test/CN=${label} revoked client`, '0x1002', 'leaf', leafKey),
    revokedHigh: issue('revoked-high.pem', `/O=Certgate Test/CN=${label} revoked high serial`, '0x9F2233445566778899', 'leaf', leafKey),
    unknown: issue('unknown.pem', `/O=Certgate Test/CN=${label} never recorded`, '0x1003', 'leaf', leafKey),
  };
  const signer = issue('signer.pem', `/O=Certgate Test/CN=${label} OCSP signer`, '0x2001', 'signer', [...newKey(keyType), '-nodes', '-keyout', 'signer.key']);
  const caPem = readFileSync(join(dir, 'ca.pem'), 'utf8');
  const caKeyPem = readFileSync(join(dir, 'ca.key'), 'utf8');
  const signerKeyPem = readFileSync(join(dir, 'signer.key'), 'utf8');
  const revoked: RevocationEntry[] = [
    { serial: parseCertificate(leaves.revoked.der).serial, revokedAt: secondsAgo(2 * 86_400), reason: 'keyCompromise' },
    { serial: parseCertificate(leaves.revokedHigh.der).serial, revokedAt: secondsAgo(3 * 86_400 + 17), reason: 'superseded' },
  ];
  const authority: IssuingAuthority = {
    name,
    certDer: pemToDer(caPem, 'CERTIFICATE')[0]!,
    key: createPrivateKey(caKeyPem),
    keyType,
    issuedSerials: new Set([leaves.good, leaves.revoked, leaves.revokedHigh, signer].map((c) => c.serialHex)),
    revoked,
  };
  const delegated: IssuingAuthority = { ...authority, ocspSigner: { certDer: signer.der, key: createPrivateKey(signerKeyPem), keyType } };
  writeIndex(join(dir, 'index.txt'), [leaves.good, leaves.revoked, leaves.revokedHigh, signer], revoked);
  return { dir, caPem, caKeyPem, signerPem: signer.pem, signerKeyPem, leaves, authority, delegated };
}

const REASON_WORDS: Record<CrlReason, string> = {
  unspecified: 'unspecified',
  keyCompromise: 'keyCompromise',
  cACompromise: 'CACompromise',
  affiliationChanged: 'affiliationChanged',
  superseded: 'superseded',
  cessationOfOperation: 'cessationOfOperation',
  certificateHold: 'certificateHold',
  privilegeWithdrawn: 'privilegeWithdrawn', // openssl ca does not know it; not used by the fixtures
};

const indexTime = (d: Date) => d.toISOString().replace(/[-:T]/g, '').slice(2, 14) + 'Z';

/** openssl `ca` database: V/R, expiry, revocation[,reason], serial (BN hex: no leading 00), file, subject. */
export function writeIndex(file: string, certs: readonly TestCert[], revoked: readonly RevocationEntry[]): void {
  const lines = certs.map((c) => {
    const info = parseCertificate(c.der);
    const serial = c.serialHex.replace(/^(00)+(?=.)/, '');
    const entry = revoked.find((r) => r.serial.equals(info.serial));
    const revocation = entry ? `${indexTime(entry.revokedAt)}${entry.reason === 'unspecified' ? '' : `,${REASON_WORDS[entry.reason]}`}` : '';
    return `${entry ? 'R' : 'V'}\t${indexTime(info.notAfter)}\t${revocation}\t${serial}\tunknown\t${c.subject}`;
  });
  writeFileSync(file, `${lines.join('\n')}\n`);
  writeFileSync(`${file}.attr`, 'unique_subject = no\n');
}

/** `openssl ca -gencrl` for a fixture CA, from its index.txt: a CRL made by a real implementation. */
export function opensslGenCrl(ca: TestCa): Buffer {
  const cnf = `[ca]\ndefault_ca = d\n[d]\ndatabase = index.txt\ncrlnumber = crlnumber\ndefault_md = sha256\ndefault_crl_days = 7\ncertificate = ca.pem\nprivate_key = ca.key\ncrl_extensions = crl_ext\n[crl_ext]\nauthorityKeyIdentifier = keyid\n`;
  writeFileSync(join(ca.dir, 'gencrl.cnf'), cnf);
  writeFileSync(join(ca.dir, 'crlnumber'), '1000\n');
  run(['ca', '-config', 'gencrl.cnf', '-gencrl', '-out', 'openssl.crl.pem'], ca.dir);
  return pemToDer(readFileSync(join(ca.dir, 'openssl.crl.pem'), 'utf8'), 'X509 CRL')[0]!;
}

export function makeTestPki(): TestPki {
  const dir = mkdtempSync(join(tmpdir(), 'certgate-revocation-'));
  return { dir, rsa: makeCa(dir, 'rsa-ca', 'rsa2048'), ec: makeCa(dir, 'ec-ca', 'ec-p256'), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
