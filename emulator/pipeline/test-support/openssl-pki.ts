// Certificates for the pipeline's tests, issued by the openssl CLI (an issuer independent of our code), with a CRL
// served over loopback HTTP so Verify() and validate-revocation see a real revocation answer.
//   root → valid, revoked, expired, not-yet-valid, no-CRL-URL leaves; plus a self-signed client and another root.

import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { X509Certificate2 } from '../../certificates/x509-certificate2';
import { TrustStore } from '../../certificates/trust-store';

export interface PipelinePki {
  readonly root: X509Certificate2;
  readonly otherRoot: X509Certificate2;
  readonly trustStore: TrustStore;
  /** Issued by root, CRL URL on loopback, SAN DNS client.example.com and alt.example.com. */
  readonly valid: X509Certificate2;
  readonly revoked: X509Certificate2;
  readonly expired: X509Certificate2;
  readonly notYetValid: X509Certificate2;
  /** Issued by root without a CRL distribution point: revocation status cannot be determined. */
  readonly noCrl: X509Certificate2;
  /** Issued by otherRoot (not in the trust store). */
  readonly foreign: X509Certificate2;
  readonly selfSigned: X509Certificate2;
  /** A fresh X509Certificate2 for a name (policies cache revocation results on the instance). */
  fresh(name: CertName): X509Certificate2;
  close(): Promise<void>;
}

export type CertName = 'root' | 'otherRoot' | 'valid' | 'revoked' | 'expired' | 'notYetValid' | 'noCrl' | 'foreign' | 'selfSigned';

export const VALID_SUBJECT = '/C=NL/ST=Noord-Holland/L=Amsterdam/O=Contoso, Inc./OU=Clients/CN=client.example.com';

const openssl = (dir: string, args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });

function caConfig(dir: string, crlUrl: string): string {
  return [
    '[ca]',
    'default_ca = CA_default',
    '[CA_default]',
    `dir = ${dir}`,
    'database = $dir/index.txt',
    'new_certs_dir = $dir/newcerts',
    'serial = $dir/serial',
    'crlnumber = $dir/crlnumber',
    'default_md = sha256',
    'default_days = 30',
    'default_crl_days = 30',
    'policy = policy_any',
    'copy_extensions = copy',
    'preserve = yes',
    'unique_subject = no',
    '[policy_any]',
    'countryName = optional',
    'stateOrProvinceName = optional',
    'localityName = optional',
    'organizationName = optional',
    'organizationalUnitName = optional',
    'commonName = supplied',
    '[client_crl]',
    'basicConstraints = CA:FALSE',
    'keyUsage = critical, digitalSignature',
    'extendedKeyUsage = clientAuth',
    `crlDistributionPoints = URI:${crlUrl}`,
    '[client_plain]',
    'basicConstraints = CA:FALSE',
    'keyUsage = critical, digitalSignature',
    'extendedKeyUsage = clientAuth',
    '',
  ].join('\n');
}

function newKey(dir: string, name: string): string {
  const file = `${name}.key`;
  openssl(dir, ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', file]);
  chmodSync(join(dir, file), 0o600);
  return file;
}

function selfSignedCa(dir: string, name: string, subject: string, ca: boolean): void {
  const key = newKey(dir, name);
  const ext = ca
    ? ['-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']
    : ['-addext', 'basicConstraints=CA:FALSE', '-addext', 'extendedKeyUsage=clientAuth'];
  openssl(dir, ['req', '-new', '-x509', '-key', key, '-subj', subject, '-days', '3650', '-out', `${name}.pem`, ...ext]);
}

function setUpCa(dir: string, crlUrl: string): string {
  mkdirSync(join(dir, 'newcerts'), { recursive: true });
  writeFileSync(join(dir, 'index.txt'), '');
  writeFileSync(join(dir, 'serial'), '1000\n');
  writeFileSync(join(dir, 'crlnumber'), '01\n');
  const cnf = join(dir, 'ca.cnf');
  writeFileSync(cnf, caConfig(dir, crlUrl));
  return cnf;
}

function issue(dir: string, cnf: string, name: string, subject: string, opts: { ext: string; san?: string; start?: string; end?: string }): void {
  const key = newKey(dir, name);
  const san = opts.san ? ['-addext', `subjectAltName=${opts.san}`] : [];
  openssl(dir, ['req', '-new', '-key', key, '-subj', subject, '-out', `${name}.csr`, ...san]);
  const dates = [...(opts.start ? ['-startdate', opts.start] : []), ...(opts.end ? ['-enddate', opts.end] : ['-days', '30'])];
  openssl(dir, ['ca', '-batch', '-config', cnf, '-in', `${name}.csr`, '-out', `${name}.pem`, '-extensions', opts.ext, '-notext', ...dates]);
}

/** Dates in openssl's YYYYMMDDHHMMSSZ form. */
const stamp = (d: Date) => d.toISOString().replace(/[-:T]/g, '').slice(0, 14) + 'Z';

export async function createPipelinePki(): Promise<PipelinePki> {
  const base = mkdtempSync(join(tmpdir(), 'certgate-pipeline-pki-'));
  let crl = Buffer.alloc(0);
  const server: Server = createServer((req, res) => {
    if (req.url === '/root.crl') {
      res.writeHead(200, { 'content-type': 'application/pkix-crl', 'content-length': crl.length });
      res.end(crl);
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const crlUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/root.crl`;

  const rootDir = join(base, 'root');
  mkdirSync(rootDir);
  selfSignedCa(rootDir, 'ca', '/C=NL/ST=Noord-Holland/O=certgate tests/CN=Pipeline Test Root', true);
  const cnf = setUpCa(rootDir, crlUrl);
  // openssl ca reads the CA's key and certificate from the command line defaults: pass them through the config.
  writeFileSync(cnf, readFileSync(cnf, 'utf8').replace('[CA_default]\n', `[CA_default]\ncertificate = ${join(rootDir, 'ca.pem')}\nprivate_key = ${join(rootDir, 'ca.key')}\n`));
  const now = Date.now();
  const day = 86_400_000;
  issue(rootDir, cnf, 'valid', VALID_SUBJECT, { ext: 'client_crl', san: 'DNS:client.example.com,DNS:alt.example.com' });
  issue(rootDir, cnf, 'revoked', '/C=NL/O=certgate tests/CN=revoked.example.com', { ext: 'client_crl' });
  issue(rootDir, cnf, 'expired', '/C=NL/O=certgate tests/CN=expired.example.com', { ext: 'client_crl', start: stamp(new Date(now - 60 * day)), end: stamp(new Date(now - 30 * day)) });
  issue(rootDir, cnf, 'notYetValid', '/C=NL/O=certgate tests/CN=future.example.com', { ext: 'client_crl', start: stamp(new Date(now + 30 * day)), end: stamp(new Date(now + 60 * day)) });
  issue(rootDir, cnf, 'noCrl', '/C=NL/O=certgate tests/CN=nocrl.example.com', { ext: 'client_plain' });
  openssl(rootDir, ['ca', '-config', cnf, '-revoke', 'revoked.pem', '-crl_reason', 'keyCompromise']);
  openssl(rootDir, ['ca', '-config', cnf, '-gencrl', '-out', 'root.crl.pem']);
  crl = openssl(rootDir, ['crl', '-in', 'root.crl.pem', '-outform', 'DER']);

  const otherDir = join(base, 'other');
  mkdirSync(otherDir);
  selfSignedCa(otherDir, 'ca', '/C=NL/O=certgate tests/CN=Other Root', true);
  const otherCnf = setUpCa(otherDir, crlUrl);
  writeFileSync(otherCnf, readFileSync(otherCnf, 'utf8').replace('[CA_default]\n', `[CA_default]\ncertificate = ${join(otherDir, 'ca.pem')}\nprivate_key = ${join(otherDir, 'ca.key')}\n`));
  issue(otherDir, otherCnf, 'foreign', '/C=NL/O=certgate tests/CN=foreign.example.com', { ext: 'client_plain' });
  selfSignedCa(otherDir, 'self', '/C=NL/O=certgate tests/CN=self-signed.example.com', false);

  const files: Record<CertName, string> = {
    root: join(rootDir, 'ca.pem'),
    otherRoot: join(otherDir, 'ca.pem'),
    valid: join(rootDir, 'valid.pem'),
    revoked: join(rootDir, 'revoked.pem'),
    expired: join(rootDir, 'expired.pem'),
    notYetValid: join(rootDir, 'notYetValid.pem'),
    noCrl: join(rootDir, 'noCrl.pem'),
    foreign: join(otherDir, 'foreign.pem'),
    selfSigned: join(otherDir, 'self.pem'),
  };
  const pem = Object.fromEntries(Object.entries(files).map(([k, f]) => [k, readFileSync(f, 'utf8')])) as Record<CertName, string>;
  const rootCert = X509Certificate2.fromPem(pem.root);
  const trustStore = TrustStore.fromCaCertificates([{ der: rootCert.rawData, store: 'Root', source: 'test root' }]);
  const fresh = (name: CertName) => X509Certificate2.fromPem(pem[name], { trustStore });
  return {
    root: rootCert,
    otherRoot: fresh('otherRoot'),
    trustStore,
    valid: fresh('valid'),
    revoked: fresh('revoked'),
    expired: fresh('expired'),
    notYetValid: fresh('notYetValid'),
    noCrl: fresh('noCrl'),
    foreign: fresh('foreign'),
    selfSigned: fresh('selfSigned'),
    fresh,
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(base, { recursive: true, force: true });
    },
  };
}

/** openssl's own view of a certificate field, as an independent oracle (e.g. "-fingerprint -sha1"). */
export function opensslField(pemText: string, args: string[]): string {
  return execFileSync('openssl', ['x509', '-noout', ...args], { input: pemText }).toString().trim();
}
