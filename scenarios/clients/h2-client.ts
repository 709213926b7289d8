// HTTP/2 requests with node:http2 and a client certificate; an RST_STREAM is reported as 'reset' with its code
// (HTTP_1_1_REQUIRED = 0xd is how a server refuses to renegotiate over h2, RFC 9113 §9.2.1).

import http2 from 'node:http2';
import type { Observation, TimelinePoint } from '../result';
import { classifyError, observationFromHeaders } from './observe';
import type { TlsMaterial } from './raw-tls-client';
import { Timeline } from './timeline';

export interface H2Request {
  /** https://host:port */
  readonly origin: string;
  readonly tls: TlsMaterial;
  readonly tlsVersion?: '1.2' | '1.3';
  readonly method: string;
  readonly path: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly bodyBytes?: number;
  readonly timeoutMs?: number;
}

export interface H2Result {
  readonly observation: Observation;
  readonly timeline: readonly TimelinePoint[];
  readonly headers?: http2.IncomingHttpHeaders;
  readonly body?: Buffer;
}

export function h2Request(r: H2Request): Promise<H2Result> {
  const timeline = new Timeline();
  const version = r.tlsVersion ? (`TLSv${r.tlsVersion}` as const) : undefined;
  return new Promise((resolve) => {
    let done = false;
    let headers: http2.IncomingHttpHeaders | undefined;
    const chunks: Buffer[] = [];
    const session = http2.connect(r.origin, {
      ca: r.tls.ca as string[] | undefined,
      cert: r.tls.cert,
      key: r.tls.key,
      servername: r.tls.servername,
      minVersion: version,
      maxVersion: version,
    });
    const finish = (o: Omit<Observation, 'durationMs' | 'httpVersion'>) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      timeline.mark(o.outcome === 'response' ? 'response' : o.outcome, { status: o.status, errorCode: o.errorCode });
      session.destroy();
      const tlsVersion = (session.socket as import('node:tls').TLSSocket | undefined)?.getProtocol?.() ?? undefined;
      resolve({
        observation: { ...o, durationMs: timeline.now(), httpVersion: '2', ...(tlsVersion ? { tlsVersion } : {}) },
        timeline: timeline.toArray(),
        headers,
        body: Buffer.concat(chunks),
      });
    };
    const timer = setTimeout(() => finish({ outcome: 'timeout', errorCode: 'HARD_TIMEOUT' }), r.timeoutMs ?? 30_000);
    session.on('connect', () => timeline.mark('tls-handshake', { alpn: session.alpnProtocol }));
    session.on('error', (err: NodeJS.ErrnoException) => {
      timeline.mark('error', { code: err.code, message: err.message });
      finish({ outcome: classifyError(err), errorCode: err.code ?? err.message });
    });
    const stream = session.request({ ':method': r.method, ':path': r.path, ...(r.headers ?? {}) }, { endStream: !r.bodyBytes });
    stream.on('response', (h) => {
      headers = h;
      timeline.mark('response-headers', { status: h[':status'] });
    });
    stream.on('data', (d: Buffer) => chunks.push(d));
    stream.on('end', () => {
      if (headers) {
        const flat = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, Array.isArray(v) ? v[0] : v === undefined ? undefined : String(v)]));
        finish({ outcome: 'response', status: Number(headers[':status']), ...observationFromHeaders(flat) });
      }
    });
    stream.on('close', () => {
      if (stream.rstCode && stream.rstCode !== http2.constants.NGHTTP2_NO_ERROR)
        finish({ outcome: 'reset', errorCode: `0x${stream.rstCode.toString(16)}` });
      else finish({ outcome: 'reset', errorCode: 'CLOSED' });
    });
    stream.on('error', (err: NodeJS.ErrnoException) => timeline.mark('error', { code: err.code, message: err.message }));
    if (r.bodyBytes) stream.end(Buffer.alloc(r.bodyBytes, 0x78));
  });
}
