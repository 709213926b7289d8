// Ordinary requests through undici (Agent with a client certificate, allowH2), instrumented enough to say which
// HTTP version and TLS version were used and whether the server renegotiated.

import { constants } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import { Agent, buildConnector, request } from 'undici';
import type { Observation, OutcomeClass, TimelinePoint } from '../result';
import { classifyError, observationFromHeaders } from './observe';
import type { TlsMaterial } from './raw-tls-client';
import { Timeline } from './timeline';

export interface UndiciRequest {
  /** https://host:port */
  readonly origin: string;
  readonly tls: TlsMaterial;
  readonly tlsVersion?: '1.2' | '1.3';
  readonly renegotiation?: boolean;
  readonly allowH2?: boolean;
  readonly method: string;
  readonly path: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly bodyBytes?: number;
  readonly timeoutMs?: number;
}

export interface UndiciResult {
  readonly observation: Observation;
  readonly timeline: readonly TimelinePoint[];
  readonly status?: number;
  readonly headers?: Record<string, string | string[] | undefined>;
  readonly body?: Buffer;
  readonly timings: { readonly connectedMs?: number; readonly headersMs?: number; readonly endMs: number };
}

export async function undiciRequest(r: UndiciRequest): Promise<UndiciResult> {
  const timeline = new Timeline();
  const version = r.tlsVersion ? (`TLSv${r.tlsVersion}` as const) : undefined;
  let handshakes = 0;
  let socket: TLSSocket | undefined;
  let connectedMs: number | undefined;
  let tlsVersion: string | undefined;
  let alpn: string | false | null | undefined;
  const connector = buildConnector({
    ca: r.tls.ca as string[] | undefined,
    cert: r.tls.cert,
    key: r.tls.key,
    servername: r.tls.servername,
    minVersion: version,
    maxVersion: version,
    secureOptions: r.renegotiation === false ? constants.SSL_OP_NO_RENEGOTIATION : undefined,
    allowH2: r.allowH2,
  } as buildConnector.BuildOptions);
  const agent = new Agent({
    allowH2: r.allowH2,
    connect: (opts, cb) =>
      connector(opts, (err, s) => {
        if (s) {
          socket = s as TLSSocket;
          handshakes = 1;
          connectedMs = timeline.now();
          tlsVersion = socket.getProtocol?.() ?? undefined;
          alpn = socket.alpnProtocol;
          timeline.mark('tls-handshake', { protocol: socket.getProtocol?.(), alpn: socket.alpnProtocol });
          // later secureConnect events are renegotiations (node-tls-notes)
          socket.on('secureConnect', () => {
            handshakes++;
            timeline.mark('renegotiation', { handshake: handshakes });
          });
        }
        cb(err as Error, s as never);
      }),
  });
  const body = r.bodyBytes ? Buffer.alloc(r.bodyBytes, 0x78) : undefined;
  const base = () => ({
    renegotiationSeen: handshakes > 1,
    httpVersion: (alpn === 'h2' ? '2' : '1.1') as '1.1' | '2',
    ...(tlsVersion ? { tlsVersion } : {}),
  });
  timeline.mark('connect');
  try {
    const res = await request(new URL(r.path, r.origin), {
      dispatcher: agent,
      method: r.method as 'GET',
      headers: r.headers,
      body,
      headersTimeout: r.timeoutMs ?? 30_000,
      bodyTimeout: r.timeoutMs ?? 30_000,
    });
    const headersMs = timeline.now();
    const buf = Buffer.from(await res.body.arrayBuffer());
    const endMs = timeline.now();
    timeline.mark('response', { status: res.statusCode });
    const observation: Observation = {
      outcome: 'response',
      status: res.statusCode,
      durationMs: endMs,
      ...base(),
      ...observationFromHeaders(res.headers),
    };
    return { observation, timeline: timeline.toArray(), status: res.statusCode, headers: res.headers, body: buf, timings: { connectedMs, headersMs, endMs } };
  } catch (e) {
    const err = e as NodeJS.ErrnoException & { cause?: NodeJS.ErrnoException };
    const root = err.cause ?? err;
    const code = root.code ?? err.code ?? err.message;
    const outcome: OutcomeClass = /TIMEOUT/.test(err.code ?? '') ? 'timeout' : classifyError(root);
    timeline.mark('error', { code, message: err.message });
    const endMs = timeline.now();
    return { observation: { outcome, errorCode: code, durationMs: endMs, ...base() }, timeline: timeline.toArray(), timings: { connectedMs, endMs } };
  } finally {
    await agent.destroy().catch(() => {});
  }
}
