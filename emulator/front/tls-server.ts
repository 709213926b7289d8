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
import type { AnyRequest } from './http2';
import { requestsCertificateInHandshake, requiresCertificateOnEveryCall } from './planner';
import { handleRequest, type FrontContext } from './request-handler';
import type { AnyResponse } from './respond';

export interface FrontOptions extends FrontContext {
  readonly serverCert: string;
  readonly serverKey: string;
  readonly http2: boolean;
  readonly tls13: boolean;
  /** A client that does not finish its handshake in this time is dropped (idle or cut-short ClientHello). */
  readonly handshakeTimeoutMs: number;
  readonly keepAliveTimeoutMs: number;
}

export interface Front {
  readonly server: HttpsServer | Http2SecureServer;
  listen(port: number, host: string): Promise<AddressInfo>;
  close(): Promise<void>;
}

export function createFront(o: FrontOptions): Front {
  const requestCert = requestsCertificateInHandshake(o.tier);
  const tlsOptions = {
    cert: o.serverCert,
    key: o.serverKey,
    requestCert,
    rejectUnauthorized: false,
    minVersion: 'TLSv1.2' as const,
    maxVersion: o.tls13 ? ('TLSv1.3' as const) : ('TLSv1.2' as const),
    secureOptions: cryptoConstants.SSL_OP_NO_SESSION_RESUMPTION_ON_RENEGOTIATION,
    handshakeTimeout: o.handshakeTimeoutMs,
  };
  const server: HttpsServer | Http2SecureServer = o.http2
    ? createSecureServer({ ...tlsOptions, allowHTTP1: true, settings: { enableConnectProtocol: false } })
    : createHttpsServer({ ...tlsOptions, keepAliveTimeout: o.keepAliveTimeoutMs, requestTimeout: Math.max(300_000, o.renegotiationTimeoutMs + 60_000) });
  const sockets = new Set<Socket>();

  server.on('connection', (raw: Socket) => {
    sockets.add(raw);
    raw.once('close', () => sockets.delete(raw));
  });
  server.on('secureConnection', (socket: TLSSocket) => {
    const timeline = o.store.openConnection(o.hostName, socket.remoteAddress, socket.remotePort);
    // The raw TCP socket under the TLS socket counts TLS records (a HelloRequest shows up as bytes written).
    const raw = (socket as TLSSocket & { _parent?: Socket })._parent ?? socket;
    timeline.counters = () => ({ bytesRead: raw.bytesRead, bytesWritten: raw.bytesWritten });
    const state: ConnectionState = { timeline, certificate: peerCertificateOf(socket), renegotiated: false };
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
    }
  });
  server.on('tlsClientError', (err: NodeJS.ErrnoException, socket: TLSSocket) => {
    // Garbage, a ClientHello cut short, an idle client: the handshake never finished. Record it on its own
    // connection entry so the harness can see it, and close it (Node leaves that to a listener of this event).
    const timeline = o.store.openConnection(o.hostName, socket.remoteAddress, socket.remotePort);
    socket.destroy();
    timeline.open = false;
    timeline.record('handshake-failed', { code: err.code ?? err.message });
  });

  const onRequest = (expectContinue: boolean) => (req: AnyRequest, res: AnyResponse): void => {
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
    const status = err.code === 'HPE_HEADER_OVERFLOW' ? 431 : 400;
    const id = state ? state.timeline.nextRequestId() : 'none';
    if (state) state.timeline.requests.push(id);
    const body = JSON.stringify({ statusCode: status, message: status === 431 ? 'Request header fields too large' : 'Bad request' });
    socket.end(`HTTP/1.1 ${status} ${status === 431 ? 'Request Header Fields Too Large' : 'Bad Request'}\r\nx-certgate-request-id: ${id}\r\n` +
      `content-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
  });
  if (o.http2) {
    (server as Http2SecureServer).on('sessionError', () => { /* recorded through the socket's error */ });
    (server as Http2SecureServer).on('stream', (stream) => stream.on('error', () => { /* a reset stream is not our failure */ }));
  }

  return {
    server,
    listen: (port, host) => new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => { server.off('error', reject); resolve(server.address() as AddressInfo); });
    }),
    close: () => new Promise((resolve) => {
      server.close(() => resolve());
      for (const s of sockets) s.destroy();
    }),
  };
}

