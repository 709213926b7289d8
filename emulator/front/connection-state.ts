// What the front keeps per TLS connection: its timeline, the client certificate once known (first handshake or
// the one renegotiation), and whether the renegotiation was spent. Stored on the TLSSocket under a symbol so that
// an h2 session's socket proxy (which forwards property reads to the real socket) reaches the same state.
import type { TLSSocket } from 'node:tls';
import type { ConnectionTimeline } from './timeline';

export interface PeerCertificate {
  readonly der: Buffer;
  /** What the client presented after its leaf (intermediates), in order. */
  readonly chain: readonly Buffer[];
}

export interface ConnectionState {
  readonly timeline: ConnectionTimeline;
  certificate: PeerCertificate | null;
  /** The policies' certificate object for this connection, built once. */
  built?: Promise<unknown>;
  /** Revocation prefetch for that certificate, once per connection. */
  prepared?: Promise<void>;
  /** A renegotiation was started on this connection (at most one: CLIENT_RENEG_LIMIT counts ours twice). */
  renegotiated: boolean;
  /** The negotiated TLS version, once a request asked (it does not change on the connection). */
  tlsVersion?: string;
  /** The client's address, once a request asked. */
  remoteAddress?: string;
  /** Set when the connection failed (refused renegotiation, protocol error). */
  failed?: string;
}

const STATE = Symbol.for('certgate.connectionState');

export function attachState(socket: TLSSocket, state: ConnectionState): void {
  (socket as unknown as Record<symbol, ConnectionState>)[STATE] = state;
}

export function stateOf(socketOrProxy: object): ConnectionState | undefined {
  return (socketOrProxy as Record<symbol, ConnectionState | undefined>)[STATE];
}

/** The certificate the client presented on this socket now (after a renegotiation, the new one), or null. */
export function peerCertificateOf(socket: Pick<TLSSocket, 'getPeerCertificate'>): PeerCertificate | null {
  const leaf = socket.getPeerCertificate(true);
  if (!leaf || !leaf.raw || leaf.raw.length === 0) return null;
  const chain: Buffer[] = [];
  const seen = new Set<string>([leaf.fingerprint256]);
  let next = leaf.issuerCertificate;
  // The chain Node reports ends in a self-reference at the top; stop at the first repeat.
  while (next && next.raw && !seen.has(next.fingerprint256) && chain.length < 10) {
    seen.add(next.fingerprint256);
    chain.push(next.raw);
    next = next.issuerCertificate;
  }
  return { der: leaf.raw, chain };
}
