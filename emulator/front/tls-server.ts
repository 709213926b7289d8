// The TLS front for one gateway hostname: Node's real TLS with the options APIM's behaviour needs.
// - HTTP/1.1 only (https) unless HTTP/2 is on (http2 secure server with HTTP/1.1 fallback), as APIM's
//   Protocols.Server.Http2 custom property decides;
// - TLS 1.2 at most unless the TLS 1.3 switch is on (instances relying on renegotiation don't get 1.3 by default);
// - SSL_OP_NO_SESSION_RESUMPTION_ON_RENEGOTIATION, or a client offering its session resumes and sends no
//   certificate on renegotiation;
// - the certificate requested in the first handshake only when negotiate / enableClientCertificate says so, and
//   never verified here (rejectUnauthorized false): the policies decide.
import { constants as cryptoConstants } from 'node:crypto';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { createSecureServer, type Http2SecureServer } from 'node:http2';
import type { AddressInfo } from 'node:net';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { attachState, peerCertificateOf, stateOf, type ConnectionState } from './connection-state';
import { isHttp2, type AnyRequest } from './http2';
import { handshakeRequestsCertificate, keepsHandshakeCertificate } from '../faults';
import { requestsCertificateInHandshake, requiresCertificateOnEveryCall } from './planner';
import { handleRequest, type FrontContext } from './request-handler';
import type { ByteCounters } from './timeline';
import type { AnyResponse } from './respond';

export interface FrontOptions extends FrontContext {
  readonly serverCert: string;
  readonly serverKey: string;
  readonly http2: boolean;
  readonly tls13: boolean;
  /** A client that does not finish its handshake in this time is dropped (idle or cut-short ClientHello). */
  readonly handshakeTimeoutMs: number;
  readonly keepAliveTimeoutMs: number;
  /** Slowloris bound: a client must send a request's headers within this (default 20 s); see headerBounds. */
  readonly headersTimeoutMs?: number;
}

/**
 * Node closes a connection whose request headers are incomplete after headersTimeout, but only when its periodic
 * check runs (connectionsCheckingInterval, 30 s by default) — and Node 20's HTTP/2 server applies neither to its
 * HTTP/1.1 fallback connections (measured: a client trickling one header byte per second was still connected
 * after 120 s — also because the 400 it got was sent with a half-close it never read). So: explicit values, a check
 * every quarter of the timeout, our own timer for HTTP/1.1 on the HTTP/2 server, and a hard close CLOSE_GRACE_MS
 * after the answer: a trickling client is closed within 1.25 × headersTimeoutMs + 1 s.
 */
/** After answering a broken or too-slow request with Connection: close, how long the client has to read it. */
const CLOSE_GRACE_MS = 1000;

function headerBounds(o: FrontOptions): { headersTimeout: number; connectionsCheckingInterval: number; requestTimeout: number } {
  const headersTimeout = o.headersTimeoutMs ?? 20_000;
  return {
    headersTimeout,
    connectionsCheckingInterval: Math.max(50, Math.min(5_000, Math.floor(headersTimeout / 4))),
    // A request may legitimately stall in a renegotiation (up to its timeout); never shorter than the headers bound.
    requestTimeout: Math.max(300_000, o.renegotiationTimeoutMs + 60_000, headersTimeout),
  };
}

export interface Front {
  readonly server: HttpsServer | Http2SecureServer;
  listen(port: number, host: string): Promise<AddressInfo>;
  close(): Promise<void>;
}

export function createFront(o: FrontOptions): Front {
  const requestCert = requestsCertificateInHandshake(o.tier);
  const askInHandshake = handshakeRequestsCertificate(requestCert, o, o.tier.faults); // differs only under a test fault
  const tlsOptions = {
    cert: o.serverCert,
    key: o.serverKey,
    requestCert: askInHandshake,
    rejectUnauthorized: false,
    minVersion: 'TLSv1.2' as const,
    maxVersion: o.tls13 ? ('TLSv1.3' as const) : ('TLSv1.2' as const),
    secureOptions: cryptoConstants.SSL_OP_NO_SESSION_RESUMPTION_ON_RENEGOTIATION,
    handshakeTimeout: o.handshakeTimeoutMs,
  };
  const bounds = headerBounds(o);
  const server: HttpsServer | Http2SecureServer = o.http2
    ? createSecureServer({ ...tlsOptions, allowHTTP1: true, settings: { enableConnectProtocol: false } })
    : createHttpsServer({ ...tlsOptions, keepAliveTimeout: o.keepAliveTimeoutMs, ...bounds });
  const sockets = new Set<Socket>();

  server.on('connection', (raw: Socket) => {
    sockets.add(raw);
    raw.once('close', () => sockets.delete(raw));
  });
  server.on('secureConnection', (socket: TLSSocket) => {
    const timeline = o.store.openConnection(o.hostName, socket.remoteAddress, socket.remotePort);
    // The raw TCP socket under the TLS socket counts TLS records (a HelloRequest shows up as bytes written).
    const raw = (socket as TLSSocket & { _parent?: Socket & { _handle?: ByteCounters | null } })._parent;
    // Read live at each event, no copy per event. While open, straight from the TCP handle: the TLS layer writes to
    // that handle natively, never through the raw socket's JS buffer, so raw.bytesWritten is the handle's count (its
    // getter adds JS-buffered bytes, always none here, at twice the cost: 7 events a request); closed, the socket's
    // own getters (they keep the final counts).
    timeline.counters = raw ? () => raw._handle ?? raw : () => socket;
    const kept = keepsHandshakeCertificate(requestCert, { tlsVersion: socket.getProtocol(), alpn: socket.alpnProtocol });
    const state: ConnectionState = { timeline, certificate: kept ? peerCertificateOf(socket) : null, renegotiated: false };
    attachState(socket, state);
    timeline.record('handshake', {
      tlsVersion: socket.getProtocol(), alpn: socket.alpnProtocol || 'http/1.1', cipher: socket.getCipher()?.name,
      certificateRequested: requestCert, certificate: state.certificate !== null, servername: (socket as TLSSocket & { servername?: string }).servername || undefined,
    });
    socket.once('close', () => { timeline.open = false; timeline.record('closed', state.failed ? { failed: state.failed } : undefined); });
    // A socket error must not take the process (or anyone else's connection) down; record it and let it close.
    socket.on('error', (err: NodeJS.ErrnoException) => {
      state.failed ??= err.code ?? err.message;
      timeline.record('socket-error', { code: err.code ?? err.message });
    });
    if (requiresCertificateOnEveryCall(o.tier) && o.tier.missingRequiredCertificate === 'tls-handshake-failure' && !state.certificate) {
      timeline.record('connection-closed', { reason: 'consumption requires a client certificate' });
      socket.destroy();
      return;
    }
    if (o.http2 && socket.alpnProtocol !== 'h2') armHeadersTimer(socket);
  });

  // HTTP/1.1 on the HTTP/2 server (Node enforces no headersTimeout there): between requests the connection must
  // deliver complete request headers within headersTimeoutMs, or it is closed.
  const headerTimers = new WeakMap<TLSSocket, NodeJS.Timeout>();
  const armHeadersTimer = (socket: TLSSocket): void => {
    const previous = headerTimers.get(socket);
    if (previous === undefined) socket.once('close', () => clearTimeout(headerTimers.get(socket)));
    clearTimeout(previous);
    const timer = setTimeout(() => {
      stateOf(socket)?.timeline.record('connection-closed', { reason: `request headers not received within ${bounds.headersTimeout} ms` });
      socket.destroy();
    }, bounds.headersTimeout);
    timer.unref();
    headerTimers.set(socket, timer);
  };
  const headersArrived = (req: AnyRequest, res: AnyResponse): void => {
    if (!o.http2 || isHttp2(req)) return;
    const socket = req.socket as TLSSocket;
    clearTimeout(headerTimers.get(socket));
    res.once('finish', () => { if (!socket.destroyed) armHeadersTimer(socket); });
  };
  server.on('tlsClientError', (err: NodeJS.ErrnoException, socket: TLSSocket) => {
    // Garbage, a ClientHello cut short, an idle client: the handshake never finished. Record it on its own
    // connection entry so the harness can see it, and close it (Node leaves that to a listener of this event).
    const timeline = o.store.openConnection(o.hostName, socket.remoteAddress, socket.remotePort);
    socket.destroy();
    timeline.open = false;
    timeline.record('handshake-failed', { code: err.code ?? err.message });
  });

  const onRequest = (expectContinue: boolean) => (req: AnyRequest, res: AnyResponse): void => {
    headersArrived(req, res);
    void handleRequest(o, req, res, expectContinue);
  };
  server.on('request', onRequest(false));
  server.on('checkContinue', onRequest(true));
  server.on('clientError', (err: NodeJS.ErrnoException, socket: TLSSocket) => {
    // HTTP/1.1 parse errors (and TLS failures surfacing on the socket): answer if the socket still can, then close.
    const state = stateOf(socket);
    state?.timeline.record('http-error', { code: err.code ?? err.message });
    if (!socket.writable || err.code === 'ECONNRESET' || (err.code ?? '').startsWith('ERR_SSL')) {
      socket.destroy();
      return;
    }
    // Node's own answer to headers not received within headersTimeout is 408; we keep it (with our request id).
    const [status, reason, message] = err.code === 'HPE_HEADER_OVERFLOW' ? [431, 'Request Header Fields Too Large', 'Request header fields too large']
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? [408, 'Request Timeout', 'Request headers not received in time'] : [400, 'Bad Request', 'Bad request'];
    const id = state ? state.timeline.nextRequestId() : 'none';
    if (state) state.timeline.requests.push(id);
    const body = JSON.stringify({ statusCode: status, message });
    socket.end(`HTTP/1.1 ${status} ${reason}\r\nx-certgate-request-id: ${id}\r\n` +
      `content-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
    // end() only half-closes: a client that never reads (a slowloris does not) would keep the connection forever.
    // It gets CLOSE_GRACE_MS to read the answer, then the connection is cut.
    const cut = setTimeout(() => socket.destroy(), CLOSE_GRACE_MS);
    cut.unref();
    socket.once('close', () => clearTimeout(cut));
  });
  if (o.http2) {
    (server as Http2SecureServer).on('sessionError', () => { /* recorded through the socket's error */ });
    (server as Http2SecureServer).on('stream', (stream) => stream.on('error', () => { /* a reset stream is not our failure */ }));
  }

  return {
    server,
    listen: (port, host) => new Promise((resolve, reject) => {
      server.once('error', reject);
      // Node's default accept queue (511) overflows when a load test opens 1,000 connections at once: the kernel
      // drops the SYNs and clients retry after 1, 2, 4, 8, 16 s. The kernel caps this at net.core.somaxconn.
      server.listen({ port, host, backlog: 4096 }, () => { server.off('error', reject); resolve(server.address() as AddressInfo); });
    }),
    close: () => new Promise((resolve) => {
      server.close(() => resolve());
      for (const s of sockets) s.destroy();
    }),
  };
}

