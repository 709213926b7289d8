// The large-body renegotiation deadlock, made deterministic (node-tls-notes.md, "A deterministic model worked"):
// stop reading the body, still send the real HelloRequest (the client's answer now queues behind body bytes the
// server will not read), hold for the timeout, then either freeze (never answer) or resume, drain and discard the
// body, let the pending handshake finish (bounded), and let the caller answer with Connection: close. Answering
// while the handshake is still pending gives random client errors, hence the bounded wait for it.
import type { Readable } from 'node:stream';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { ConnectionState } from './connection-state';
import type { RenegotiationTimeoutOutcome } from './planner';
import { startRenegotiation, type RenegotiationResult } from './renegotiation';
import type { RequestTimeline } from './timeline';

export type DeadlockEnd =
  | { readonly kind: 'answer'; readonly outcome: '403' | 'null-certificate'; readonly renegotiation: RenegotiationResult | 'pending' }
  | { readonly kind: 'frozen' }
  | { readonly kind: 'connection-lost'; readonly renegotiation: RenegotiationResult };

export interface DeadlockOptions {
  readonly socket: TLSSocket;
  readonly body: Readable;
  readonly conn: ConnectionState;
  readonly request: RequestTimeline;
  readonly timeoutMs: number;
  readonly outcome: RenegotiationTimeoutOutcome;
  /** How long to wait for the pending handshake after the drain before answering anyway. */
  readonly handshakeSettleMs: number;
}

const sleep = (ms: number): Promise<'timeout'> => new Promise((r) => setTimeout(() => r('timeout'), ms).unref());

export async function carryOutDeadlock(o: DeadlockOptions): Promise<DeadlockEnd> {
  const { socket, body, request } = o;
  // Stop consuming the body. The socket itself keeps its TLS read cycle: OpenSSL sends the HelloRequest only after
  // it has read the records it holds (measured: with the socket paused first, the 33-byte record went out only
  // after the drain). HTTP backpressure then stops reading TCP once the unread body fills the request's buffer,
  // so the client's ClientHello stays unread in the kernel, queued behind the body — the deadlock for real.
  body.pause();
  // Once the HelloRequest is on the wire, stop reading TCP at once so the client's ClientHello stays queued (HTTP
  // backpressure alone may let it through while the unread body is still small).
  const raw = (socket as TLSSocket & { _parent?: Socket })._parent ?? socket;
  const before = raw.bytesWritten;
  let watching = true;
  let spins = 0;
  const watch = (): void => {
    if (!watching || socket.destroyed) return;
    if (raw.bytesWritten > before) {
      socket.pause();
      request.record('hello-request-sent', { bytes: raw.bytesWritten - before });
      return;
    }
    // OpenSSL holds the HelloRequest while body records are pending: look again after each read cycle, then slower.
    if (++spins < 100) setImmediate(watch);
    else setTimeout(watch, 5).unref();
  };
  const reneg = startRenegotiation(socket, o.conn, request, {
    afterRequest: () => {
      request.record('body-reading-stopped', { timeoutMs: o.timeoutMs });
      watch();
    },
  });
  const started = performance.now();
  const first = await Promise.race([sleep(o.timeoutMs), reneg.done]);
  if (first !== 'timeout' && first.outcome !== 'completed') {
    // The client refused or went away before the timeout: nothing to answer on this connection.
    return { kind: 'connection-lost', renegotiation: first };
  }
  // The outcome is decided by the body size (the deterministic model): even when the client's kernel buffers let
  // the handshake slip through, the stall lasts the full timeout.
  if (first !== 'timeout') await sleep(Math.max(0, o.timeoutMs - (performance.now() - started)));
  watching = false;
  // Evidence for the harness: bytes written since the request (a HelloRequest is one ~33-byte record).
  request.record('renegotiation-stalled', { waitedMs: o.timeoutMs, handshakeFinishedMeanwhile: first !== 'timeout' });
  if (o.outcome === 'freeze') {
    // Never answer. Reading resumes (body discarded) only so the client's giving up — its FIN — is noticed.
    request.record('frozen');
    body.on('data', (chunk: Buffer) => { request.bodyBytesRead += chunk.length; });
    socket.resume();
    body.resume();
    if (!socket.destroyed) {
      await new Promise<void>((r) => {
        socket.once('close', () => r());
        socket.once('end', () => { socket.destroy(); r(); });
      });
    }
    return { kind: 'frozen' };
  }
  // Resume: the body drains (discarded), then OpenSSL reaches the client's ClientHello and the handshake finishes.
  const drained = new Promise<void>((resolve) => {
    body.on('data', (chunk: Buffer) => { request.bodyBytesRead += chunk.length; });
    body.once('end', resolve);
    body.once('close', resolve);
    body.once('error', () => resolve());
  });
  socket.resume();
  body.resume();
  await Promise.race([drained, sleep(o.handshakeSettleMs)]);
  request.record('body-drained', { discarded: request.bodyBytesRead });
  const settled = await Promise.race([reneg.done, sleep(o.handshakeSettleMs)]);
  if (settled !== 'timeout' && settled.outcome !== 'completed') return { kind: 'connection-lost', renegotiation: settled };
  return { kind: 'answer', outcome: o.outcome, renegotiation: settled === 'timeout' ? 'pending' : settled };
}
