// From a loaded configuration to the pieces the front runs with: the policy pipeline (rebuilt when a certificate
// file reference changes, like a Key Vault rotation), the instance's trust store, the certificate factory the
// policies' X509Certificate2 comes from, the backends, and the server certificates.
import { faultSet } from './faults';
import { createHash } from 'node:crypto';
import { unwatchFile, watchFile } from 'node:fs';
import type { Pki } from '../ca/index';
import { derToPem } from '../ca/der';
import { echoBackend } from './backend/echo';
import { urlBackend } from './backend/url-backend';
import { RevocationChecker } from './certificates/revocation-checker';
import { TrustStore } from './certificates/trust-store';
import { X509Certificate2 } from './certificates/x509-certificate2';
import { DEFAULT_GLOBAL_POLICY } from './config/default-config';
import type { LoadedConfig } from './config/load';
import { resolveCertificate, resolvePolicy, type ResolveContext } from './config/resolve';
import type { Backend, Pipeline, RecordEvent, RouteMatch } from './pipeline/contract';
import { createPipeline } from './pipeline/pipeline';
import type { PeerCertificate } from './front/connection-state';

export interface Gateway {
  /** Delegates to the current pipeline (swapped on certificate file changes). */
  readonly pipeline: Pipeline;
  readonly backendFor: (match: RouteMatch) => Backend;
  readonly buildCertificate: (peer: PeerCertificate) => Promise<X509Certificate2>;
  readonly prepareCertificate: (cert: X509Certificate2, record: RecordEvent) => Promise<void>;
  serverCertificate(index: number): { cert: string; key: string };
  /** CA certificates the optional Application Gateway trusts and builds chains with (PEM). */
  appGatewayRoots(): string[];
  /** CA certificates that verify the gateway's server certificate (PEM), for clients such as the App Gateway. */
  serverCa(): string[];
  /** The last reload failure, if the newest file contents could not be used (the previous ones stay in force). */
  lastReloadError(): string | undefined;
  dispose(): void;
}

interface Built {
  readonly pipeline: Pipeline;
  readonly trustStore: TrustStore;
  readonly files: readonly string[];
}

function build(loaded: LoadedConfig, ctx: ResolveContext): Built {
  const c = loaded.config;
  const files: string[] = [];
  const ca = c.caCertificates.map((entry, i) => {
    const r = resolveCertificate(entry.certificate, `caCertificates[${i}].certificate`, ctx);
    files.push(...r.files);
    return { der: r.der, store: entry.store, source: `caCertificates[${i}]` };
  });
  const trustStore = TrustStore.fromCaCertificates(ca, { publicRoots: c.emulation.publicRoots });
  const certificates = new Map<string, X509Certificate2>();
  for (const [id, src] of Object.entries(c.certificates)) {
    const r = resolveCertificate(src, `certificates.${id}`, ctx);
    files.push(...r.files);
    certificates.set(id, X509Certificate2.fromDer(r.der, r.chain.slice(1), { trustStore }));
  }
  const pipeline = createPipeline({
    globalPolicy: resolvePolicy(c.globalPolicy ?? DEFAULT_GLOBAL_POLICY, 'globalPolicy', ctx),
    apis: c.apis.map((api, i) => ({
      name: api.name,
      path: api.path,
      policy: resolvePolicy(api.policy, `apis[${i}].policy`, ctx),
      operations: api.operations.map((op, j) => ({ ...op, policy: resolvePolicy(op.policy, `apis[${i}].operations[${j}].policy`, ctx) })),
    })),
    certificates,
    caCertificates: ca.map((e) => X509Certificate2.fromDer(e.der, [], { trustStore })),
    faults: faultSet(c.emulation.faults),
  });
  return { pipeline, trustStore, files };
}

export function buildGateway(loaded: LoadedConfig, pki: Pki | undefined): Gateway {
  const ctx: ResolveContext = { baseDir: loaded.baseDir, pki };
  const c = loaded.config;
  const faults = faultSet(c.emulation.faults); // test-only fault switches (emulator/faults.ts)
  let current = build(loaded, ctx);
  let reloadError: string | undefined;
  const revocation = new RevocationChecker();
  // The same client certificate on connection after connection (the common case) is parsed and chained once.
  // Keyed by what the client presented; dropped on reload, since the trust store changes with it.
  const certificateCache = new Map<string, X509Certificate2>();
  const CACHE_LIMIT = 1024;

  // Key Vault stand-in: certificate files are polled; a change rebuilds the pipeline, a broken file keeps the old one.
  const watched = [...new Set(current.files)];
  const reload = (): void => {
    try {
      current = build(loaded, ctx);
      certificateCache.clear();
      reloadError = undefined;
    } catch (err) {
      reloadError = err instanceof Error ? err.message : String(err);
    }
  };
  for (const f of watched) watchFile(f, { interval: c.emulation.certificateRefreshMs, persistent: false }, reload);

  const backends = new Map<string, Backend>();
  for (const api of c.apis) {
    const b = api.backend ?? c.backend;
    backends.set(api.name, b === 'echo' ? echoBackend : urlBackend(b.url, api.path));
  }

  const servers = c.hostnameConfigurations.map((h, i) => {
    const r = resolveCertificate(h.certificate ?? { pki: 'server' }, `hostnameConfigurations[${i}].certificate`, ctx);
    if (!r.tls || !('key' in r.tls)) {
      throw new Error(`hostnameConfigurations[${i}].certificate: a server certificate needs its private key (pem + key, file + keyFile, or pki)`);
    }
    return { cert: r.tls.cert, key: r.tls.key };
  });

  return {
    pipeline: {
      match: (method, path) => current.pipeline.match(method, path),
      execute: (match, request, backend, record) => current.pipeline.execute(match, request, backend, record),
    },
    backendFor: (match) => backends.get(match.apiName) ?? echoBackend,
    buildCertificate: async (peer) => {
      const hash = createHash('sha256').update(peer.der);
      for (const c of peer.chain) hash.update(c);
      const key = hash.digest('base64');
      let cert = certificateCache.get(key);
      if (!cert) {
        cert = X509Certificate2.fromDer(peer.der, peer.chain, { trustStore: current.trustStore, faults });
        if (certificateCache.size >= CACHE_LIMIT) certificateCache.delete(certificateCache.keys().next().value!);
        certificateCache.set(key, cert);
      }
      return cert;
    },
    prepareCertificate: async (cert, record) => {
      await cert.prepare({ trustStore: current.trustStore, revocation, record });
    },
    serverCertificate: (i) => servers[i]!,
    appGatewayRoots: () => {
      const roots = c.applicationGateway?.trustedRoots?.map((s, i) => resolveCertificate(s, `applicationGateway.trustedRoots[${i}]`, ctx).der)
        ?? current.trustStore.all().filter((s) => s.store !== 'PublicRoot').map((s) => s.info.der); // intermediates too, to build chains
      return roots.map((d) => derToPem(d, 'CERTIFICATE'));
    },
    // OpenSSL will not anchor at the intermediate a hostname PEM carries, so the App Gateway needs the root: the
    // configured backend roots (backend settings' "trusted root certificate"), else the PKI's roots and the
    // instance's Root-store CA certificates.
    serverCa: () => {
      const configured = c.applicationGateway?.trustedBackendRoots?.map((s, i) => derToPem(resolveCertificate(s, `applicationGateway.trustedBackendRoots[${i}]`, ctx).der, 'CERTIFICATE'));
      const fromPki = pki ? pki.trustedRoots.map((r) => r.certPem) : [];
      const fromRootStore = current.trustStore.all().filter((s) => s.store === 'Root').map((s) => derToPem(s.info.der, 'CERTIFICATE'));
      return [...(configured ?? [...fromPki, ...fromRootStore]), ...servers.map((s) => s.cert)];
    },
    lastReloadError: () => reloadError,
    dispose: () => { for (const f of watched) unwatchFile(f, reload); },
  };
}
