// One PKI per test file, issued from the default spec (every certificate shape) with an on-disk key cache so that
// repeated runs do not pay for RSA key generation again.
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { defaultSpec, issuePki, type Pki } from '../../../ca/index';

let pending: Promise<Pki> | undefined;

export const KEY_CACHE_DIR = join(tmpdir(), `certgate-reliability-keys-${userInfo().username}`);

export function sharedPki(): Promise<Pki> {
  pending ??= issuePki(defaultSpec(), { cacheDir: KEY_CACHE_DIR, responder: { host: '127.0.0.1', port: 9 } });
  return pending;
}

/** Every certificate's DER, leaves and CAs. */
export const allCertificateDers = (pki: Pki): Buffer[] => [...pki.certificates.values()].map((c) => c.certDer);
