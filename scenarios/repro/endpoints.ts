// Where the repro commands send their requests: the built-in emulator (started here, one instance with negotiate off
// and one with negotiate on, both reading the client certificate in a policy) or gateways the user names by URL.
// An endpoint carries the client's TLS material and, for the emulator, the server's side of each connection.

import { readFileSync } from 'node:fs';
import type { TlsMaterial } from '../clients/raw-tls-client';
import type { Pki } from '../../ca/index';
import { startEmulator, type RunningEmulator } from '../../emulator/index';
import type { TimelinePoint } from '../result';
import { startRunPki } from '../runner';
import { Setup, type Tier } from '../schema';
import { emulatorConfigFor } from '../targets/emulator-target';
import { clientTls } from '../targets/pki-facts';

export interface ReproEndpoint {
  /** Shown in the output: "emulator (developer, negotiate off)", a URL. */
  readonly label: string;
  readonly host: string;
  readonly port: number;
  /** Request path (with query) on the gateway. */
  readonly path: string;
  readonly tls: TlsMaterial;
  /** The gateway's own timeline of the connection that came from `clientPort`, on the client's clock. */
  serverTimeline?(clientPort: number, clientStartEpochMs: number): readonly TimelinePoint[] | undefined;
}

export interface ReproGateways {
  readonly negotiateOff: ReproEndpoint;
  /** Absent when the user gave no URL for it. */
  readonly negotiateOn?: ReproEndpoint;
  close(): Promise<void>;
}

export interface EmulatorReproOptions {
  readonly tier: Tier;
  readonly protocol: 'h1' | 'h2';
  /** The emulator's renegotiation buffer (default: its own, 61440). */
  readonly bufferBytes?: number;
  /** How long the emulator holds a stalled renegotiation before its documented answer. */
  readonly gatewayTimeoutMs: number;
}

/** The emulator's connection and request events for one client connection, shifted onto the client's clock. */
function emulatorTimeline(emu: RunningEmulator, clientPort: number, clientStartEpochMs: number): TimelinePoint[] | undefined {
  const conn = emu.connections().find((c) => c.remotePort === clientPort);
  if (!conn) return undefined;
  const points: TimelinePoint[] = [];
  const add = (startedAt: string, ev: { at: number; kind: string; detail?: Readonly<Record<string, unknown>> }) => {
    const at = Math.round((Date.parse(startedAt) - clientStartEpochMs + ev.at) * 10) / 10;
    const received = ev.detail?.bytesRead;
    points.push({ at, kind: ev.kind, ...(typeof received === 'number' ? { bytesReceived: received } : {}), ...(ev.detail ? { detail: ev.detail } : {}) });
  };
  // Request-level events carry the renegotiation too; the connection's copies of them (detail.request) are skipped.
  for (const ev of conn.events) if (!ev.detail || !('request' in ev.detail)) add(conn.startedAt, ev);
  for (const id of conn.requests) {
    const r = emu.timeline(id);
    if (r) for (const ev of r.events) add(r.startedAt, ev);
  }
  return points.sort((a, b) => a.at - b.at);
}

/** A server started for one side of a repro pair: its endpoint, and how to stop it. */
export interface StartedReproServer {
  readonly endpoint: ReproEndpoint;
  stop(): Promise<void>;
}

/**
 * One run PKI and two servers on it, negotiate off then on; a failure to start either stops whatever did start
 * (and the PKI's responder) before the error goes on.
 */
export async function startReproPair(start: (negotiate: boolean, pki: Pki, tls: TlsMaterial) => Promise<StartedReproServer>): Promise<ReproGateways> {
  const run = await startRunPki();
  const started: StartedReproServer[] = [];
  const close = async () => {
    for (const s of started) await s.stop().catch(() => undefined);
    await run.close();
  };
  try {
    const tls = clientTls(run.pki, { certificate: 'valid-rsa', sendChain: false });
    const endpoint = async (negotiate: boolean): Promise<ReproEndpoint> => {
      const server = await start(negotiate, run.pki, tls);
      started.push(server);
      return server.endpoint;
    };
    const negotiateOff = await endpoint(false);
    const negotiateOn = await endpoint(true);
    return { negotiateOff, negotiateOn, close };
  } catch (err) {
    await close();
    throw err;
  }
}

/** Two emulators sharing one PKI: negotiate off (the deadlock) and negotiate on (the first mitigation). */
export function startReproEmulators(o: EmulatorReproOptions): Promise<ReproGateways> {
  return startReproPair(async (negotiate, pki, tls) => {
    const setup = Setup.parse({
      tier: o.tier,
      negotiateClientCertificate: negotiate,
      enableClientCertificate: negotiate,
      http2: o.protocol === 'h2',
      policy: { library: 'forward-certificate' },
      emulation: { deadlockTimeoutMs: o.gatewayTimeoutMs, ...(o.bufferBytes !== undefined ? { renegotiationBodyThreshold: o.bufferBytes } : {}) },
    });
    const emu = await startEmulator(emulatorConfigFor({ ...setup, tier: o.tier }, pki));
    return {
      endpoint: {
        label: `emulator (${o.tier}, negotiate ${negotiate ? 'on' : 'off'})`,
        host: '127.0.0.1',
        port: emu.port,
        path: '/repro',
        tls,
        serverTimeline: (port, epoch) => emulatorTimeline(emu, port, epoch),
      },
      stop: () => emu.close(),
    };
  });
}

export interface UrlTls {
  /** PEM files: client certificate, its key, and the CA bundle that verifies the gateway (default: system roots). */
  readonly cert: string;
  readonly key: string;
  readonly ca?: string;
}

function readPem(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`cannot read the ${what} ${file}: ${(err as Error).message}`);
  }
}

/** A gateway the user deployed, at an https:// URL. */
export function urlEndpoint(url: string, files: UrlTls): ReproEndpoint {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new Error(`"${url}" is not a URL (expected https://host[:port]/path)`);
  }
  if (u.protocol !== 'https:') throw new Error(`"${url}": expected an https:// URL`);
  const host = u.hostname.replace(/^\[|\]$/g, '');
  return {
    label: url,
    host,
    port: u.port ? Number(u.port) : 443,
    path: `${u.pathname}${u.search}`,
    tls: {
      cert: readPem(files.cert, 'client certificate'),
      key: readPem(files.key, 'client key'),
      ...(files.ca ? { ca: readPem(files.ca, 'CA bundle') } : {}),
      servername: host,
    },
  };
}
