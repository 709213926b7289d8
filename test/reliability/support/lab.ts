// A test lab: the default PKI issued for a revocation responder this process runs (faults switchable), the
// client certificates as PEM for Node clients, and emulator configs that use the PKI through `pem` sources — so
// startEmulator issues nothing itself and the responder the certificates point at is ours.
import { mkdtempSync, rmSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultSpec, getFreePort, issuePki, type IssuedCertificate, type Pki } from '../../../ca/index';
import { startRevocationServer, type RevocationServer } from '../../../ca/revocation-server';
import type { EmulatorConfigInput } from '../../../emulator/config/schema';
import { policyLibrary } from '../../../emulator/pipeline/library/policy-library';
import { KEY_CACHE_DIR } from './pki';

/** Short, so the slowloris test against the responder runs in seconds. */
export const RESPONDER_HEADERS_TIMEOUT_MS = 1_000;

export interface Lab {
  readonly pki: Pki;
  readonly revocation: RevocationServer;
  readonly dir: string;
  /** cert (leaf + its intermediates), key and ca (the trusted roots) for a Node TLS client. */
  client(name: string): { cert: string; key: string; ca: string };
  close(): Promise<void>;
}

export async function startLab(): Promise<Lab> {
  const port = await getFreePort();
  const pki = await issuePki(defaultSpec(), { cacheDir: KEY_CACHE_DIR, responder: { host: '127.0.0.1', port } });
  const revocation = await startRevocationServer({ authorities: pki.authorities, host: '127.0.0.1', port, headersTimeoutMs: RESPONDER_HEADERS_TIMEOUT_MS });
  const dir = mkdtempSync(join(tmpdir(), 'certgate-reliability-'));
  const ca = pki.trustedRoots.map((r) => r.certPem).join('');
  return {
    pki,
    revocation,
    dir,
    client(name) {
      const c = pki.get(name);
      return { cert: chainPem(pki, c), key: c.keyPem, ca };
    },
    async close() {
      await revocation.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Leaf PEM followed by its issuers up to (not including) the root. */
export function chainPem(pki: Pki, c: IssuedCertificate): string {
  const out = [c.certPem];
  for (let at = c.issuerName ? pki.get(c.issuerName) : undefined; at && at.issuerName; at = at.issuerName ? pki.get(at.issuerName) : undefined) out.push(at.certPem);
  return out.join('');
}

/** Returns Verify() and VerifyNoRevocation() of the request's certificate in headers (no backend call). */
export const VERIFY_POLICY = `<policies>
    <inbound>
        <base />
        <return-response>
            <set-status code="200" reason="OK" />
            <set-header name="x-verify" exists-action="override"><value>@(context.Request.Certificate == null ? "null" : context.Request.Certificate.Verify().ToString())</value></set-header>
            <set-header name="x-verify-no-revocation" exists-action="override"><value>@(context.Request.Certificate == null ? "null" : context.Request.Certificate.VerifyNoRevocation().ToString())</value></set-header>
            <set-body>verified</set-body>
        </return-response>
    </inbound>
    <backend><base /></backend>
    <outbound><base /></outbound>
    <on-error><base /></on-error>
</policies>`;

export interface LabConfigOptions {
  /** negotiateClientCertificate of the first hostname (default true: certificate in the first handshake). */
  readonly negotiate?: boolean;
  /** A second hostname on its own port with negotiate off (renegotiation path). */
  readonly withNegotiateOff?: boolean;
  readonly emulation?: EmulatorConfigInput['emulation'];
}

/** An emulator config over the lab's PKI: /validate (validate-client-certificate), /verify, /open. */
export function labConfig(lab: Lab, o: LabConfigOptions = {}): EmulatorConfigInput {
  const pem = (name: string) => ({ pem: lab.pki.get(name).certPem });
  const server = lab.pki.get('server');
  return {
    sku: 'developer',
    hostnameConfigurations: [
      { hostName: 'localhost', certificate: { pem: chainPem(lab.pki, server), key: server.keyPem }, negotiateClientCertificate: o.negotiate ?? true },
      ...(o.withNegotiateOff ? [{ hostName: 'api.localhost', certificate: { pem: chainPem(lab.pki, server), key: server.keyPem }, negotiateClientCertificate: false, port: 0 }] : []),
    ],
    caCertificates: [
      { store: 'Root', certificate: pem('root-ca') },
      { store: 'CertificateAuthority', certificate: pem('intermediate-ca') },
      { store: 'CertificateAuthority', certificate: pem('sub-intermediate-ca') },
    ],
    certificates: { 'client-valid-ec': pem('client-valid-ec') },
    backend: 'echo',
    apis: [
      { name: 'validate', path: 'validate', policy: policyLibrary('validate-client-certificate'), operations: [{ name: 'any', method: '*', urlTemplate: '/*' }] },
      { name: 'verify', path: 'verify', policy: VERIFY_POLICY, operations: [{ name: 'any', method: '*', urlTemplate: '/*' }] },
      { name: 'open', path: 'open', policy: policyLibrary('pass-through'), operations: [{ name: 'any', method: '*', urlTemplate: '/*' }] },
    ],
    emulation: { renegotiationTimeoutMs: 1000, handshakeTimeoutMs: 2000, keepAliveTimeoutMs: 5000, ...o.emulation },
    listen: { host: '127.0.0.1', port: 0, introspectionPort: 0 },
  };
}

/** Open file descriptors of a process (Linux /proc). */
export async function fdCount(pid: number | 'self' = 'self'): Promise<number> {
  return (await readdir(`/proc/${pid}/fd`)).length;
}
