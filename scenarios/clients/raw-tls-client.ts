// A raw TLS HTTP/1.1 client for the cases ordinary clients hide: renegotiation refused, uploads written in chunks
// with backpressure, Expect: 100-continue, a warm-up request on the same connection — and stall detection.
//
// Three counters move while a request is healthy: body bytes accepted by the kernel (write callbacks of the raw TCP
// socket), raw bytes read from the TCP socket (before TLS), and response bytes parsed. When none moves for the stall
// window and no complete response has arrived, the outcome is 'stall', decided in about one window instead of the
// gateway's own timeout. A hard timeout backs it up ('timeout').

import { constants } from 'node:crypto';
import net from 'node:net';
import { Duplex } from 'node:stream';
import tls from 'node:tls';
import type { Observation, OutcomeClass, TimelinePoint } from '../result';
import { ResponseParser, type ParsedResponse } from './http1-parser';
import { classifyError, observationFromHeaders } from './observe';
import { Timeline } from './timeline';

export interface TlsMaterial {
  readonly cert?: string | Buffer;
  readonly key?: string | Buffer;
  readonly ca?: string | Buffer | readonly (string | Buffer)[];
  readonly servername?: string;
}

export interface RawRequest {
  readonly host: string;
  readonly port: number;
  readonly tls: TlsMaterial;
  readonly tlsVersion?: '1.2' | '1.3';
  /** false: SSL_OP_NO_RENEGOTIATION (the client refuses a server's HelloRequest). */
  readonly renegotiation?: boolean;
  readonly method: string;
  readonly path: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly bodyBytes?: number;
  readonly bodyEncoding?: 'content-length' | 'chunked';
  readonly chunkSize?: number;
  readonly expect100?: boolean;
  /** How long to wait for 100 Continue before sending the body anyway (curl waits 1 s; keep it under the window). */
  readonly expect100TimeoutMs?: number;
  readonly warmUp?: 'none' | 'head' | 'get';
  readonly stallWindowMs?: number;
  readonly hardTimeoutMs?: number;
  readonly sampleEveryMs?: number;
}

export interface ClientCounters {
  bodyAccepted: number;
  rawRead: number;
  rawWritten: number;
  responseParsed: number;
  handshakes: number;
}

export interface ClientResult {
  readonly observation: Observation;
  readonly timeline: readonly TimelinePoint[];
  readonly response?: ParsedResponse;
  readonly counters: Readonly<ClientCounters>;
  /** Milliseconds from the first connect to the decision (stall, response, error). */
  readonly decidedAtMs: number;
}

/** A Duplex over the TCP socket that counts raw bytes both ways (TLS runs on top of it). */
function countingStream(sock: net.Socket, counters: ClientCounters): Duplex {
  const d = new Duplex({
    read() {
      sock.resume();
    },
    write(chunk: Buffer, _enc, cb) {
      sock.write(chunk, (err) => {
        if (!err) counters.rawWritten += chunk.length;
        cb(err ?? null);
      });
    },
    final(cb) {
      sock.end(cb);
    },
    destroy(err, cb) {
      sock.destroy(err ?? undefined);
      cb(err);
    },
  });
  sock.on('data', (data: Buffer) => {
    counters.rawRead += data.length;
    if (!d.push(data)) sock.pause();
  });
  sock.on('end', () => d.push(null));
  sock.on('error', (err) => d.destroy(err));
  sock.on('close', () => d.destroy());
  return d;
}

function requestHead(r: RawRequest, method: string, withBody: boolean): string {
  const lines = [`${method} ${r.path} HTTP/1.1`, `Host: ${r.tls.servername ?? r.host}:${r.port}`];
  for (const [k, v] of Object.entries(r.headers ?? {})) lines.push(`${k}: ${v}`);
  if (withBody) {
    if (r.bodyEncoding === 'chunked') lines.push('Transfer-Encoding: chunked');
    else lines.push(`Content-Length: ${r.bodyBytes ?? 0}`);
    lines.push('Content-Type: application/octet-stream');
    if (r.expect100) lines.push('Expect: 100-continue');
  }
  return `${lines.join('\r\n')}\r\n\r\n`;
}

/** Bound on waiting for TLS write callbacks of bytes the kernel already took (see onMain). */
const CALLBACK_SETTLE_MS = 25;

export function rawRequest(r: RawRequest): Promise<ClientResult> {
  const window = r.stallWindowMs ?? 1000;
  const bodyBytes = r.bodyBytes ?? 0;
  const hasBody = bodyBytes > 0 || r.bodyEncoding === 'chunked';
  const timeline = new Timeline();
  const counters: ClientCounters = { bodyAccepted: 0, rawRead: 0, rawWritten: 0, responseParsed: 0, handshakes: 0 };

  return new Promise<ClientResult>((resolve) => {
    let done = false;
    let bodyStarted = false;
    /** Every byte of the body (and the chunked trailer) has been written to the TLS socket. */
    let bodyIssued = false;
    /** The main response arrived after the whole body had left the client; its write callbacks are settling. */
    let answered = false;
    let mainResponse: ParsedResponse | undefined;
    let tlsVersion: string | undefined;
    const sock = net.connect({ host: r.host, port: r.port });
    const stream = countingStream(sock, counters);
    const socket = tls.connect({
      socket: stream,
      host: r.host,
      servername: r.tls.servername ?? (net.isIP(r.host) ? undefined : r.host),
      cert: r.tls.cert,
      key: r.tls.key,
      ca: r.tls.ca as string[] | undefined,
      minVersion: r.tlsVersion ? (`TLSv${r.tlsVersion}` as tls.SecureVersion) : undefined,
      maxVersion: r.tlsVersion ? (`TLSv${r.tlsVersion}` as tls.SecureVersion) : undefined,
      secureOptions: r.renegotiation === false ? constants.SSL_OP_NO_RENEGOTIATION : undefined,
    });

    const finish = (outcome: OutcomeClass, extra: Partial<Record<keyof Observation, unknown>> = {}): void => {
      if (done) return;
      done = true;
      clearInterval(monitor);
      clearTimeout(hard);
      const decidedAtMs = timeline.now();
      timeline.mark(outcome === 'response' || outcome === 'response-before-body-sent' ? 'response' : outcome, { ...extra, ...counters }, {
        sent: counters.bodyAccepted,
        received: counters.rawRead,
      });
      socket.destroy();
      sock.destroy();
      const observation = {
        outcome,
        durationMs: decidedAtMs,
        renegotiationSeen: counters.handshakes > 1,
        httpVersion: '1.1',
        ...(tlsVersion ? { tlsVersion } : {}),
        ...(mainResponse ? { status: mainResponse.status, statusText: mainResponse.statusText, ...observationFromHeaders(mainResponse.headers) } : {}),
        ...extra,
      } as Observation;
      resolve({ observation, timeline: timeline.toArray(), response: mainResponse, counters: { ...counters }, decidedAtMs });
    };

    // Stall detection: sample the three counters; no movement for the window and no response → stall.
    let last = '';
    let lastMove = timeline.now();
    const monitor = setInterval(() => {
      const now = `${counters.bodyAccepted}/${counters.rawRead}/${counters.responseParsed}/${counters.handshakes}`;
      if (now !== last) {
        last = now;
        lastMove = timeline.now();
        timeline.sample(counters.bodyAccepted, counters.rawRead, { parsed: counters.responseParsed });
      } else if (timeline.now() - lastMove >= window) {
        finish('stall', { errorCode: 'STALL' });
      }
    }, r.sampleEveryMs ?? 50);
    const hard = setTimeout(() => finish('timeout', { errorCode: 'HARD_TIMEOUT' }), r.hardTimeoutMs ?? 30_000);

    sock.once('connect', () => timeline.mark('connect', { localPort: sock.localPort }));
    socket.on('secureConnect', () => {
      counters.handshakes++;
      tlsVersion = socket.getProtocol() ?? undefined;
      timeline.mark(counters.handshakes === 1 ? 'tls-handshake' : 'renegotiation', {
        handshake: counters.handshakes,
        protocol: tlsVersion,
        authorized: socket.authorized,
      });
      if (counters.handshakes === 1) start();
    });
    socket.on('error', (err: NodeJS.ErrnoException) => {
      timeline.mark('error', { code: err.code, message: err.message });
      if (answered) return finish('response'); // the answer came after the whole body had left (see onMain)
      if (!done) finish(classifyError(err), { errorCode: err.code ?? err.message });
    });
    socket.on('close', () => {
      if (done) return;
      if (answered) return finish('response'); // the answer came after the whole body had left (see onMain)
      const late = parser?.end();
      if (late && phase === 'main') return onMain(late);
      finish('reset', { errorCode: 'CLOSED' });
    });

    let phase: 'warm-up' | 'main' = r.warmUp && r.warmUp !== 'none' ? 'warm-up' : 'main';
    let parser: ResponseParser | undefined;
    let releaseBody: (() => void) | undefined;

    const newParser = (method: string) =>
      new ResponseParser(method === 'HEAD', (status) => {
        timeline.mark('interim-response', { status });
        if (status === 100) releaseBody?.();
      });

    socket.on('data', (data: Buffer) => {
      if (done || !parser) return;
      const before = parser.parsedBytes;
      let res: ParsedResponse | undefined;
      try {
        res = parser.push(data);
      } catch (err) {
        return finish('reset', { errorCode: (err as NodeJS.ErrnoException).code ?? 'PARSE' });
      }
      counters.responseParsed += parser.parsedBytes - before;
      if (!res) return;
      if (phase === 'warm-up') {
        timeline.mark('warm-up-response', { status: res.status });
        const rest = parser.leftover;
        phase = 'main';
        sendMain();
        if (rest.length) socket.emit('data', rest);
        return;
      }
      onMain(res);
    });

    function onMain(res: ParsedResponse): void {
      mainResponse = res;
      if (!hasBody || !bodyStarted || counters.bodyAccepted >= bodyBytes) return finish('response');
      // Unconfirmed body bytes when the answer arrives. If every write was issued and neither the counting stream
      // nor the TCP socket holds anything, the kernel has taken the whole body: only the TLS socket's completion
      // callbacks are still on their way (they run a few ticks after the bytes left, and can come after the
      // answer's 'data' event when the server read everything and answered at once over loopback). Let them land.
      // Otherwise the body is genuinely still on the client's side: the server answered before it was sent.
      const leftTheClient = bodyIssued && stream.writableLength === 0 && sock.writableLength === 0;
      if (!leftTheClient) return finish('response-before-body-sent');
      answered = true;
      const deadline = timeline.now() + CALLBACK_SETTLE_MS;
      const settle = (): void => {
        if (done) return;
        if (counters.bodyAccepted >= bodyBytes) return finish('response');
        if (timeline.now() >= deadline) return finish('response-before-body-sent');
        setImmediate(settle);
      };
      setImmediate(settle);
    }

    function start(): void {
      if (phase === 'warm-up') {
        const m = r.warmUp === 'head' ? 'HEAD' : 'GET';
        parser = newParser(m);
        socket.write(requestHead(r, m, false));
        timeline.mark('warm-up-sent', { method: m });
      } else sendMain();
    }

    function sendMain(): void {
      parser = newParser(r.method);
      socket.write(requestHead(r, r.method, hasBody));
      timeline.mark('request-sent', { method: r.method, bodyBytes });
      if (!hasBody) return;
      if (r.expect100) {
        const timer = setTimeout(() => releaseBody?.(), r.expect100TimeoutMs ?? Math.min(500, window / 2));
        releaseBody = () => {
          releaseBody = undefined;
          clearTimeout(timer);
          void sendBody();
        };
      } else void sendBody();
    }

    const waitDrain = () =>
      new Promise<void>((ok) => {
        const go = () => {
          socket.off('drain', go);
          socket.off('close', go);
          ok();
        };
        socket.on('drain', go);
        socket.on('close', go);
      });

    async function sendBody(): Promise<void> {
      bodyStarted = true;
      const size = r.chunkSize ?? 8192;
      const block = Buffer.alloc(size, 0x78);
      const chunked = r.bodyEncoding === 'chunked';
      for (let sent = 0; sent < bodyBytes && !done; ) {
        const n = Math.min(size, bodyBytes - sent);
        const data = block.subarray(0, n);
        const piece = chunked ? Buffer.concat([Buffer.from(`${n.toString(16)}\r\n`), data, Buffer.from('\r\n')]) : data;
        sent += n;
        // The callback fires once TLS has handed the record to the TCP socket and the kernel accepted it.
        const ok = socket.write(piece, (err) => {
          if (!err) counters.bodyAccepted += n;
        });
        if (sent >= bodyBytes && !chunked) bodyIssued = true;
        if (!ok) await waitDrain();
      }
      if (chunked && !done) {
        socket.write('0\r\n\r\n');
        bodyIssued = true;
      }
      if (!done) timeline.mark('body-written', { bodyBytes }, { sent: counters.bodyAccepted, received: counters.rawRead });
    }
  });
}
