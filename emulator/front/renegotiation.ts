// A real server-initiated TLS 1.2 renegotiation (HelloRequest → ClientHello → CertificateRequest), once per
// connection. The traps (node-tls-notes.md): call renegotiate() from setImmediate, never synchronously inside the
// request handler (it re-enters the HTTP parser); when the client refuses, the callback never fires and the socket
// emits ERR_SSL_NO_RENEGOTIATION instead; never call it on an h2 socket (the process aborts) — the planner never
// plans it there and startRenegotiation checks again.
import type { TLSSocket } from 'node:tls';
import { peerCertificateOf, type ConnectionState } from './connection-state';
import type { RequestTimeline } from './timeline';

export type RenegotiationResult =
  | { readonly outcome: 'completed'; readonly certificate: boolean }
  | { readonly outcome: 'refused'; readonly code: string }
  | { readonly outcome: 'failed'; readonly code: string };

export interface Renegotiation {
  /** Settles when the handshake finished, was refused, or failed. Never rejects. */
  readonly done: Promise<RenegotiationResult>;
  settled(): boolean;
}

export interface RenegotiationOptions {
  /** Runs synchronously right after renegotiate() was called (before any reply can be read). */
  readonly afterRequest?: () => void;
}

export function startRenegotiation(socket: TLSSocket, conn: ConnectionState, request: RequestTimeline, options: RenegotiationOptions = {}): Renegotiation {
  if (socket.alpnProtocol === 'h2' || socket.getProtocol() !== 'TLSv1.2') {
    // Defence in depth: a renegotiate() on h2 aborts Node, on TLS 1.3 it throws.
    throw new Error(`renegotiation refused by the front on ${socket.alpnProtocol || 'http/1.1'} over ${socket.getProtocol()}`);
  }
  conn.renegotiated = true;
  let isSettled = false;
  const record = (kind: string, detail?: Record<string, unknown>): void => {
    request.record(kind, detail);
    conn.timeline.record(kind, { request: request.id, ...detail });
  };
  record('renegotiation-requested');
  const done = new Promise<RenegotiationResult>((resolve) => {
    const settle = (r: RenegotiationResult): void => {
      if (isSettled) return;
      isSettled = true;
      socket.off('error', onError);
      socket.off('close', onClose);
      resolve(r);
    };
    const onError = (err: NodeJS.ErrnoException): void => {
      const code = err.code ?? err.message;
      conn.failed = code;
      record(code === 'ERR_SSL_NO_RENEGOTIATION' ? 'renegotiation-refused' : 'renegotiation-failed', { code });
      settle(code === 'ERR_SSL_NO_RENEGOTIATION' ? { outcome: 'refused', code } : { outcome: 'failed', code });
    };
    const onClose = (): void => {
      record('renegotiation-failed', { code: 'connection closed' });
      settle({ outcome: 'failed', code: 'connection closed' });
    };
    socket.on('error', onError);
    socket.once('close', onClose);
    setImmediate(() => {
      if (socket.destroyed) return onClose();
      const started = socket.renegotiate({ requestCert: true, rejectUnauthorized: false }, (err) => {
        if (err) return onError(err as NodeJS.ErrnoException);
        conn.certificate = peerCertificateOf(socket);
        record('renegotiation-completed', { certificate: conn.certificate !== null });
        settle({ outcome: 'completed', certificate: conn.certificate !== null });
      });
      if (!started) return onError(Object.assign(new Error('renegotiate() refused to start'), { code: 'ERR_TLS_RENEGOTIATE' }));
      options.afterRequest?.();
    });
  });
  return { done, settled: () => isSettled };
}
