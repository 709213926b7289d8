// The emulator's PKI: reuse the one already in the directory when it is today's (so certificates handed to clients
// stay valid across restarts and several emulators can share it), else issue the default spec. Its CRL/OCSP
// responder must listen where the certificates point; when that port is taken by a responder already serving this
// very PKI (another emulator on the same directory), that one is used.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'undici';
import { crlUrlFor, defaultSpec, getFreePort, initPki, loadPki, startOfUtcDay, type Pki } from '../ca/index';
import { homedir } from 'node:os';
import { parseCrl } from '../ca/crl-parser';
import { startRevocationServer } from '../ca/revocation-server';

export interface PreparedPki {
  readonly pki: Pki;
  close(): Promise<void>;
}

async function startResponder(pki: Pki): Promise<PreparedPki | undefined> {
  try {
    const server = await startRevocationServer({ authorities: pki.authorities, host: pki.responder.host, port: pki.responder.port });
    return { pki, close: () => server.close() };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') return undefined;
    throw err;
  }
}

/** Keys are cached per user, shared with `certgate ca init` (same place as its default). */
export const keyCacheDir = (): string => join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'certgate', 'keys');

/** Whether the responder on the PKI's port serves this PKI's CRL (signed by this PKI's CA key). */
async function servedElsewhere(pki: Pki): Promise<boolean> {
  const ca = pki.authorities.find((a) => a.name !== pki.trustedRoots[0]?.name) ?? pki.authorities[0];
  if (!ca) return false;
  try {
    const res = await request(crlUrlFor(pki.responder, ca.name), { headersTimeout: 1000, bodyTimeout: 1000 });
    const body = Buffer.from(await res.body.arrayBuffer());
    return res.statusCode === 200 && parseCrl(body).verifySignature(ca.certDer);
  } catch {
    return false;
  }
}

export async function preparePki(dir: string, requestedPort: number): Promise<PreparedPki> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const existing = await loadPki(dir).catch(() => undefined);
  const today = startOfUtcDay(new Date()).getTime();
  if (existing && existing.now.getTime() === today && (requestedPort === 0 || existing.responder.port === requestedPort)) {
    const started = await startResponder(existing);
    if (started) return started;
    if (await servedElsewhere(existing)) return { pki: existing, close: async () => undefined };
  }
  const port = requestedPort || (await getFreePort());
  const init = await initPki(defaultSpec(), dir, { responder: { host: '127.0.0.1', port }, cacheDir: keyCacheDir(), force: true });
  const pki = init.pki ?? (await loadPki(dir));
  const started = await startResponder(pki);
  if (!started) throw Object.assign(new Error(`the revocation responder port ${port} is in use`), { code: 'EADDRINUSE' });
  return started;
}
