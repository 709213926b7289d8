// A small PKI made with the openssl CLI for the front's tests: root → intermediate → client leaves (RSA and EC),
// a server certificate for localhost/127.0.0.1, and a self-signed client. The openssl CLI is the independent
// issuer here, so the front is tested against certificates it did not make itself.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestLeaf {
  readonly certFile: string;
  readonly keyFile: string;
  readonly cert: string;
  readonly key: string;
}

export interface TestPki {
  readonly dir: string;
  readonly rootCert: string;
  readonly rootFile: string;
  readonly intermediateCert: string;
  readonly server: TestLeaf;
  readonly clientEc: TestLeaf;
  readonly clientRsa: TestLeaf;
  readonly selfSigned: TestLeaf;
  /** client leaf + intermediate, for clients that must present the chain. */
  readonly clientEcChainFile: string;
  cleanup(): void;
}

const run = (dir: string, args: string[]): void => {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
};

function key(dir: string, name: string, type: 'ec' | 'rsa'): string {
  const file = join(dir, `${name}.key`);
  run(dir, type === 'ec'
    ? ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', file]
    : ['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', file]);
  chmodSync(file, 0o600);
  return file;
}

function leaf(dir: string, name: string, certFile: string, keyFile: string): TestLeaf {
  return { certFile, keyFile, cert: readFileSync(certFile, 'utf8'), key: readFileSync(keyFile, 'utf8') };
}

export function createTestPki(): TestPki {
  const dir = mkdtempSync(join(tmpdir(), 'certgate-front-pki-'));
  writeFileSync(join(dir, 'ext.cnf'), [
    '[ca]', 'basicConstraints=critical,CA:TRUE', 'keyUsage=critical,keyCertSign,cRLSign', 'subjectKeyIdentifier=hash',
    '[client]', 'basicConstraints=CA:FALSE', 'keyUsage=critical,digitalSignature', 'extendedKeyUsage=clientAuth',
    '[server]', 'basicConstraints=CA:FALSE', 'keyUsage=critical,digitalSignature,keyEncipherment', 'extendedKeyUsage=serverAuth',
    'subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1', '',
  ].join('\n'));
  const days = ['-days', '30'];
  const rootKey = key(dir, 'root', 'ec');
  run(dir, ['req', '-new', '-x509', '-key', rootKey, '-subj', '/C=NL/O=certgate tests/CN=Test Root CA', ...days, '-out', 'root.pem',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  const issue = (name: string, subj: string, k: string, issuer: string, issuerKey: string, ext: string): string => {
    run(dir, ['req', '-new', '-key', k, '-subj', subj, '-out', `${name}.csr`]);
    run(dir, ['x509', '-req', '-in', `${name}.csr`, '-CA', issuer, '-CAkey', issuerKey, '-CAcreateserial', ...days,
      '-extfile', 'ext.cnf', '-extensions', ext, '-out', `${name}.pem`]);
    return join(dir, `${name}.pem`);
  };
  const intKey = key(dir, 'intermediate', 'ec');
  const intCert = issue('intermediate', '/C=NL/O=certgate tests/CN=Test Intermediate CA', intKey, 'root.pem', rootKey, 'ca');
  const serverKey = key(dir, 'server', 'ec');
  const serverCert = issue('server', '/CN=localhost', serverKey, intCert, intKey, 'server');
  writeFileSync(join(dir, 'server-chain.pem'), readFileSync(serverCert, 'utf8') + readFileSync(intCert, 'utf8'));
  const ecKey = key(dir, 'client-ec', 'ec');
  const ecCert = issue('client-ec', '/C=NL/O=certgate tests/CN=client-ec', ecKey, intCert, intKey, 'client');
  const rsaKey = key(dir, 'client-rsa', 'rsa');
  const rsaCert = issue('client-rsa', '/C=NL/O=certgate tests/CN=client-rsa', rsaKey, intCert, intKey, 'client');
  const ssKey = key(dir, 'self-signed', 'ec');
  run(dir, ['req', '-new', '-x509', '-key', ssKey, '-subj', '/CN=self-signed client', ...days, '-out', 'self-signed.pem']);
  const chainFile = join(dir, 'client-ec-chain.pem');
  writeFileSync(chainFile, readFileSync(ecCert, 'utf8') + readFileSync(intCert, 'utf8'));
  return {
    dir,
    rootCert: readFileSync(join(dir, 'root.pem'), 'utf8'),
    rootFile: join(dir, 'root.pem'),
    intermediateCert: readFileSync(intCert, 'utf8'),
    server: leaf(dir, 'server', join(dir, 'server-chain.pem'), serverKey),
    clientEc: leaf(dir, 'client-ec', ecCert, ecKey),
    clientRsa: leaf(dir, 'client-rsa', rsaCert, rsaKey),
    selfSigned: leaf(dir, 'self-signed', join(dir, 'self-signed.pem'), ssKey),
    clientEcChainFile: chainFile,
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
