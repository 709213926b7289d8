// The PKI lab's public programmatic API. Everything outside ca/ imports from here.
//
//   const pki = await issuePki(defaultSpec(), { responder: { host: '127.0.0.1', port: await getFreePort() } });
//   await writePki(pki, dir);                  // files + manifest.json
//   const again = await loadPki(dir);          // same shape, keys included
//   const server = await startRevocationServer({ authorities: pki.authorities, port: pki.responder.port });

import { createServer } from 'node:net';

export { defaultSpec } from './default-spec';
export { issuePki, startOfUtcDay, specHashOf, type IssueOptions, type IssueStats } from './issue';
export { writePki, initPki, type WriteOptions, type WriteResult, type InitOptions, type InitResult } from './write';
export { loadPki } from './load';
export { buildManifest, parseManifest, certificateFiles, crlFiles, MANIFEST_FILE, TRUSTED_ROOTS_FILE, INTERMEDIATES_FILE, type Manifest, type ManifestCertificate } from './manifest';
export { parseSpec, parseSpecText, loadSpecFile, SpecError, pkiSpecSchema, type PkiSpec, type PkiSpecInput, type CertificateSpec } from './spec';
export { baseUrl, crlUrlFor, ocspUrlFor, type Pki, type IssuedCertificate, type NameStrings } from './pki';
export { buildPfx } from './pfx';
export { computeVerdict } from './verdict';
export { KeyPool, KeyCache, generateKey, generateKeySync, type KeyMaterial } from './keys';
export type { CertificateRole, ExpectedVerdict, IssuingAuthority, KeyType, ResponderAddress, RevocationEntry, CrlReason } from './types';

/** A TCP port that was free on `host` a moment ago (listen on 0, read, close). */
export function getFreePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error('getFreePort: no port'))));
    });
  });
}
