// The emulator's programmatic entry: startEmulator(config | path | nothing) → a running gateway over real TLS with
// its PKI (CRL/OCSP responder included), its policies, the introspection endpoint and, if configured, an
// Application Gateway in front.
//
//   const emu = await startEmulator('emulator.yaml');   // or an object, or nothing for the default config
//   fetch(`${emu.url}/open/x`) …; emu.timeline(requestIdFromHeader); await emu.close();
import { faultSet } from './faults';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import type { Pki } from '../ca/index';
import { preparePki } from './pki-setup';
import { configFromObject, loadConfigFile, type LoadedConfig } from './config/load';
import { defaultConfig } from './config/default-config';
import type { EmulatorConfig, EmulatorConfigInput } from './config/schema';
import { HTTP2_PROPERTY, TLS13_PROPERTY } from './config/schema';
import { buildGateway } from './gateway-assembly';
import { startAppGateway, type AppGateway } from './front/app-gateway';
import { startIntrospection, type Introspection } from './front/introspection';
import { createFront, type Front } from './front/tls-server';
import { TimelineStore, type RequestSnapshot, type ConnectionSnapshot, type TimelineStats } from './front/timeline';

export interface HostnameEndpoint {
  readonly hostName: string;
  readonly url: string;
  readonly port: number;
  readonly negotiateClientCertificate: boolean;
}

export interface RunningEmulator {
  /** The first hostname configuration's URL (https://localhost:port when bound to loopback). */
  readonly url: string;
  readonly port: number;
  readonly host: string;
  readonly hostnames: readonly HostnameEndpoint[];
  readonly introspectionUrl: string;
  readonly applicationGatewayUrl?: string;
  readonly config: EmulatorConfig;
  /** The PKI the emulator issued or loaded (absent when the config names no PKI certificate). */
  readonly pki?: Pki;
  readonly pkiDir?: string;
  timeline(requestId: string): RequestSnapshot | undefined;
  connections(): ConnectionSnapshot[];
  /** Timeline entries held against the store's caps (count and bytes), and what was evicted. */
  timelineStats(): TimelineStats;
  close(): Promise<void>;
}

export interface StartOptions {
  /** Overrides listen.port / listen.host (CLI flags, tests with port 0). */
  readonly port?: number;
  readonly host?: string;
  /** Where the default PKI lives (default: config pki.dir, else a per-user temp directory). */
  readonly pkiDir?: string;
  /** A PKI the caller already runs (its CRL/OCSP responder included): used as is, nothing is issued. */
  readonly pki?: Pki;
}

const usesPki = (c: EmulatorConfig): boolean =>
  JSON.stringify([c.hostnameConfigurations, c.certificates, c.caCertificates, c.applicationGateway ?? null]).includes('"pki":') ||
  c.hostnameConfigurations.some((h) => !h.certificate);

export async function startEmulator(input?: string | EmulatorConfigInput | LoadedConfig, opts: StartOptions = {}): Promise<RunningEmulator> {
  let loaded: LoadedConfig | undefined =
    typeof input === 'string' ? loadConfigFile(input) : input && 'config' in input && 'baseDir' in input ? (input as LoadedConfig) : input ? configFromObject(input as EmulatorConfigInput) : undefined;
  const closers: (() => Promise<void>)[] = [];
  const closeAll = async (): Promise<void> => {
    for (const c of closers.reverse()) await c().catch(() => undefined);
  };
  try {
    let pki: Pki | undefined = opts.pki;
    const pkiDir = opts.pkiDir ?? loaded?.config.pki.dir ?? join(tmpdir(), `certgate-emulator-pki-${userInfo().username}`);
    if (!pki && (!loaded || usesPki(loaded.config))) {
      const p = await preparePki(pkiDir, loaded?.config.pki.responderPort ?? 0);
      pki = p.pki;
      closers.push(() => p.close());
    }
    loaded ??= configFromObject(defaultConfig(pki!));
    const config = loaded.config;
    const store = new TimelineStore();
    const gateway = buildGateway(loaded, pki);
    closers.push(async () => gateway.dispose());

    const host = opts.host ?? config.listen.host;
    const http2 = config.customProperties[HTTP2_PROPERTY] === true;
    const tls13 = config.customProperties[TLS13_PROPERTY] === true;
    const fronts: Front[] = [];
    const hostnames: HostnameEndpoint[] = [];
    for (const [i, h] of config.hostnameConfigurations.entries()) {
      const server = gateway.serverCertificate(i);
      const e = config.emulation;
      const front = createFront({
        hostName: h.hostName,
        serverCert: server.cert, serverKey: server.key, http2, tls13,
        handshakeTimeoutMs: e.handshakeTimeoutMs, keepAliveTimeoutMs: e.keepAliveTimeoutMs, headersTimeoutMs: e.headersTimeoutMs,
        renegotiationTimeoutMs: e.renegotiationTimeoutMs, handshakeSettleMs: e.handshakeSettleMs, maxBodyBytes: e.maxBodyBytes,
        tier: {
          sku: config.sku, negotiateClientCertificate: h.negotiateClientCertificate, enableClientCertificate: config.enableClientCertificate,
          renegotiationBufferBytes: e.renegotiationBufferBytes, onRenegotiationTimeout: e.onRenegotiationTimeout,
          h2WithoutNegotiate: e.h2WithoutNegotiate, missingRequiredCertificate: e.missingRequiredCertificate,
          faults: faultSet(e.faults),
        },
        pipeline: gateway.pipeline, backendFor: gateway.backendFor, store,
        buildCertificate: gateway.buildCertificate, prepareCertificate: gateway.prepareCertificate,
      });
      const port = i === 0 ? (opts.port ?? config.listen.port) : (h.port ?? 0);
      const address = await front.listen(port, host);
      closers.push(() => front.close());
      fronts.push(front);
      const urlHost = host === '127.0.0.1' || host === '::1' || host === '0.0.0.0' ? 'localhost' : host;
      hostnames.push({ hostName: h.hostName, url: `https://${urlHost}:${address.port}`, port: address.port, negotiateClientCertificate: h.negotiateClientCertificate });
    }

    const introspection: Introspection = await startIntrospection(store, '127.0.0.1', config.listen.introspectionPort);
    closers.push(() => introspection.close());

    let appGateway: AppGateway | undefined;
    if (config.applicationGateway) {
      const server = gateway.serverCertificate(0);
      appGateway = await startAppGateway({
        mode: config.applicationGateway.mode, headerName: config.applicationGateway.headerName,
        serverCert: server.cert, serverKey: server.key, trustedRoots: gateway.appGatewayRoots(),
        gatewayUrl: hostnames[0]!.url, gatewayCa: gateway.serverCa(),
      }, host, config.applicationGateway.port);
      closers.push(() => appGateway!.close());
    }

    return {
      url: hostnames[0]!.url, port: hostnames[0]!.port, host, hostnames,
      introspectionUrl: introspection.url, applicationGatewayUrl: appGateway?.url,
      config, pki, pkiDir: pki ? pkiDir : undefined,
      timeline: (id) => store.request(id),
      connections: () => store.listConnections(),
      timelineStats: () => store.stats(),
      close: closeAll,
    };
  } catch (err) {
    await closeAll();
    throw err;
  }
}

export { ConfigError } from './config/load';
export type { EmulatorConfig, EmulatorConfigInput } from './config/schema';
