// One scenario's request against a prepared gateway: pick the client that can see what the scenario is about, send,
// and turn the answer into an Observation plus the client's timeline.
//   h2 (when the gateway offers h2)                          → h2Request (sees RST_STREAM codes)
//   renegotiation refused, a body, Expect: 100-continue, warm-up → rawRequest (stall detection, counters)
//   anything else                                             → undiciRequest
// The backend's view comes from the header conventions of policy-library.yaml, as response headers or, for an echo
// backend that reports the request it got as JSON (the emulator's, httpbin's /anything), from that report.

import net from 'node:net';
import tls from 'node:tls';
import type { Pki } from '../ca/index';
import { h2Request } from './clients/h2-client';
import { rawRequest } from './clients/raw-tls-client';
import { undiciRequest } from './clients/undici-client';
import type { Observation, TimelinePoint } from './result';
import type { Scenario } from './schema';
import { clientTls } from './targets/pki-facts';
import type { PreparedSetup } from './targets/target';

export interface ScenarioRequestOptions {
  /** No movement for this long with no complete response is a stall (default 1000 ms). */
  readonly stallWindowMs?: number;
  /** Backs up stall detection and bounds ordinary requests (default 15 s). */
  readonly hardTimeoutMs?: number;
}

export interface ScenarioRequestResult {
  readonly observation: Observation;
  readonly timeline: readonly TimelinePoint[];
  /** Which client ran the request (recorded in the timeline too). */
  readonly client: 'h2' | 'raw' | 'undici';
  /** The client's local TCP port, where the client knows it (finds the server's record of a request that got no answer). */
  readonly clientPort?: number;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** Reads the header conventions out of an echo backend's JSON report of the request it received. */
export function backendViewFromEchoBody(body: Buffer | undefined): Partial<Mutable<Observation>> {
  if (!body || body.length === 0 || body.length > 1_000_000) return {};
  let report: unknown;
  try {
    report = JSON.parse(body.toString('utf8'));
  } catch {
    return {};
  }
  const headers = (report as { headers?: unknown })?.headers;
  if (!headers || typeof headers !== 'object' || Array.isArray(headers)) return {};
  const entry = Object.entries(headers as Record<string, unknown>).find(([k]) => k.toLowerCase() === 'x-certgate-client-thumbprint');
  const value = entry ? (Array.isArray(entry[1]) ? entry[1][0] : entry[1]) : undefined;
  // The backend was reached and reported its request: no thumbprint header means nobody told it of a certificate.
  if (typeof value !== 'string' || value === '' || value.toLowerCase() === 'none') return { backendSawCertificate: false };
  return { backendSawCertificate: true, certificateThumbprint: value };
}

/** Merges the backend's echo report under what the response headers already said. */
function withBackendView(o: Observation, body: Buffer | undefined): Observation {
  if (o.backendSawCertificate !== undefined || o.outcome !== 'response') return o;
  return { ...o, ...backendViewFromEchoBody(body) };
}

/**
 * Which protocol the gateway picks when offered h2 and http/1.1 (what a browser or curl would get). Probed per
 * request, not cached: targets reuse ephemeral ports, so a port may belong to another gateway a moment later.
 */
export function negotiatedAlpn(host: string, port: number, ca: tls.ConnectionOptions['ca'], servername?: string): Promise<string | false> {
  return new Promise((resolve) => {
    const s = tls.connect({ host, port, ca, servername, ALPNProtocols: ['h2', 'http/1.1'], rejectUnauthorized: false });
    const done = (v: string | false) => {
      s.destroy();
      resolve(v);
    };
    s.once('secureConnect', () => done(s.alpnProtocol ?? false));
    s.once('error', () => done(false));
    s.setTimeout(5000, () => done(false));
  });
}

export async function runScenarioRequest(
  scenario: Scenario,
  prepared: PreparedSetup,
  pki: Pki,
  options: ScenarioRequestOptions = {},
): Promise<ScenarioRequestResult> {
  const base = new URL(prepared.baseUrl);
  const hostname = base.hostname.replace(/^\[|\]$/g, '');
  const servername = net.isIP(hostname) ? undefined : hostname;
  const material = clientTls(pki, scenario.client, servername);
  const tlsMaterial =
    prepared.serverCa === undefined ? material : { ...material, ca: prepared.serverCa === 'system' ? undefined : [...prepared.serverCa] };
  // Emulators and local gateways listen on IPv4 loopback: do not let "localhost" wander to ::1.
  const host = hostname === 'localhost' ? '127.0.0.1' : hostname;
  const port = Number(base.port || 443);
  const path = `${base.pathname.replace(/\/+$/, '')}${scenario.client.path}`;
  const c = scenario.client;
  const hard = options.hardTimeoutMs ?? 15_000;

  if (c.protocol === 'h2') {
    const alpn = await negotiatedAlpn(host, port, tlsMaterial.ca as tls.ConnectionOptions['ca'], servername);
    if (alpn === 'h2') {
      const r = await h2Request({
        origin: `https://${host}:${port}`,
        tls: tlsMaterial,
        tlsVersion: c.tlsVersion,
        method: c.method,
        path,
        bodyBytes: c.bodyBytes,
        timeoutMs: hard,
      });
      return { observation: withBackendView(r.observation, r.body), timeline: r.timeline, client: 'h2' };
    }
    // The gateway does not speak h2 (or the handshake fails: the ordinary client reports how).
  }
  const needsRaw = c.protocol === 'h1' && (!c.renegotiation || c.bodyBytes > 0 || c.bodyEncoding === 'chunked' || c.expect100 || c.warmUp !== 'none');
  if (needsRaw || (c.protocol === 'h2' && c.bodyBytes > 0)) {
    const r = await rawRequest({
      host,
      port,
      tls: tlsMaterial,
      tlsVersion: c.tlsVersion,
      renegotiation: c.renegotiation,
      method: c.method,
      path,
      bodyBytes: c.bodyBytes,
      bodyEncoding: c.bodyEncoding,
      expect100: c.expect100,
      warmUp: c.warmUp,
      stallWindowMs: options.stallWindowMs ?? 1000,
      hardTimeoutMs: hard,
    });
    const localPort = r.timeline.find((p) => p.kind === 'connect')?.detail?.localPort;
    return {
      observation: withBackendView(r.observation, r.response?.body),
      timeline: r.timeline,
      client: 'raw',
      ...(typeof localPort === 'number' ? { clientPort: localPort } : {}),
    };
  }
  const r = await undiciRequest({
    origin: `https://${host}:${port}`,
    tls: tlsMaterial,
    tlsVersion: c.tlsVersion,
    renegotiation: c.renegotiation,
    allowH2: c.protocol === 'h2',
    method: c.method,
    path,
    timeoutMs: hard,
  });
  return { observation: withBackendView(r.observation, r.body), timeline: r.timeline, client: 'undici' };
}
