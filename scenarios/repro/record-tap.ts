// A loopback relay between a client and a gateway that reads the TLS record headers going by (5 bytes each, never
// the encrypted contents) and notes when each record passed. In TLS 1.2 the record type stays visible after the
// handshake, so a handshake record from the server once the client has sent application data is the server asking
// to renegotiate (HelloRequest), and a handshake record from the client after its own application data is its
// answer (ClientHello). This is the client side's own evidence of "renegotiation requested", for any gateway.
//
// The relay keeps TCP backpressure (pipe), so a gateway that stops reading stops the client as it would directly;
// it only adds one more pair of socket buffers to fill first.

import net from 'node:net';

export const TLS_HANDSHAKE = 22;
export const TLS_APPLICATION_DATA = 23;

export interface TlsRecordEvent {
  /** performance.now() when the record header went by. */
  readonly time: number;
  readonly from: 'client' | 'server';
  readonly type: number;
  readonly length: number;
}

export interface RecordTap {
  readonly port: number;
  readonly records: readonly TlsRecordEvent[];
  /** The relay's local port towards the gateway (the gateway sees the connection coming from it). */
  upstreamPort(): number | undefined;
  close(): Promise<void>;
}

/** Splits a byte stream into TLS record headers, across any chunk boundaries. */
export class RecordHeaderReader {
  private header = Buffer.alloc(0);
  private skip = 0;

  constructor(private readonly onRecord: (type: number, length: number) => void) {}

  push(chunk: Buffer): void {
    let i = 0;
    while (i < chunk.length) {
      if (this.skip > 0) {
        const n = Math.min(this.skip, chunk.length - i);
        this.skip -= n;
        i += n;
        continue;
      }
      const need = 5 - this.header.length;
      const take = chunk.subarray(i, i + need);
      this.header = Buffer.concat([this.header, take]);
      i += take.length;
      if (this.header.length === 5) {
        const length = this.header.readUInt16BE(3);
        this.onRecord(this.header[0]!, length);
        this.skip = length;
        this.header = Buffer.alloc(0);
      }
    }
  }
}

export function startRecordTap(host: string, port: number): Promise<RecordTap> {
  const records: TlsRecordEvent[] = [];
  const sockets = new Set<net.Socket>();
  let upstreamLocalPort: number | undefined;
  const server = net.createServer((client) => {
    const upstream = net.connect({ host, port });
    sockets.add(client).add(upstream);
    upstream.once('connect', () => (upstreamLocalPort = upstream.localPort));
    const note = (from: 'client' | 'server') => new RecordHeaderReader((type, length) => records.push({ time: performance.now(), from, type, length }));
    const fromClient = note('client');
    const fromServer = note('server');
    client.on('data', (d: Buffer) => fromClient.push(d));
    upstream.on('data', (d: Buffer) => fromServer.push(d));
    client.pipe(upstream);
    upstream.pipe(client);
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      resolve({
        port: (server.address() as net.AddressInfo).port,
        records,
        upstreamPort: () => upstreamLocalPort,
        close: () =>
          new Promise<void>((done) => {
            for (const s of sockets) s.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}

export interface RenegotiationEvidence {
  /** When the server's first post-handshake handshake record went by (HelloRequest), ms after `since`. */
  readonly helloRequestAt?: number;
  /** When the client's answer (a new ClientHello) went by towards the gateway, ms after `since`. */
  readonly clientHelloAgainAt?: number;
}

/** Reads the renegotiation marks out of a tap's records (times relative to `since`, a performance.now() value). */
export function renegotiationEvidence(records: readonly TlsRecordEvent[], since: number): RenegotiationEvidence {
  let clientSentData = false;
  let helloRequestAt: number | undefined;
  let clientHelloAgainAt: number | undefined;
  for (const r of records) {
    if (r.from === 'client' && r.type === TLS_APPLICATION_DATA) clientSentData = true;
    if (!clientSentData || r.type !== TLS_HANDSHAKE) continue;
    const at = Math.round((r.time - since) * 10) / 10;
    if (r.from === 'server') helloRequestAt ??= at;
    else clientHelloAgainAt ??= at;
  }
  return { ...(helloRequestAt !== undefined ? { helloRequestAt } : {}), ...(clientHelloAgainAt !== undefined ? { clientHelloAgainAt } : {}) };
}
