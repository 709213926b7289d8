// Raw TLS for the hostile-input tests: capture a real ClientHello from Node's TLS client, rebuild it with another
// SNI, frame handshake messages into records, and read the server's records (to spot alerts and ServerHelloDone).
import { createHash } from 'node:crypto';
import { connect as netConnect, createServer, type Socket } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';

export const RECORD_HANDSHAKE = 22;
export const RECORD_ALERT = 21;

/** The first flight a Node TLS client sends (its ClientHello record(s)), captured by a plain TCP server. */
export async function captureClientHello(opts: ConnectionOptions = {}): Promise<Buffer> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  try {
    return await new Promise<Buffer>((resolve, reject) => {
      server.once('connection', (s: Socket) => {
        let buf = Buffer.alloc(0);
        s.on('data', (d: Buffer) => {
          buf = Buffer.concat([buf, d]);
          if (buf.length >= 9) {
            const hsLen = buf.readUIntBE(6, 3);
            if (buf.length >= 9 + hsLen) {
              resolve(buf);
              s.destroy();
            }
          }
        });
      });
      const c = tlsConnect({ port, host: '127.0.0.1', servername: 'localhost', rejectUnauthorized: false, ...opts });
      c.on('error', () => undefined);
      setTimeout(() => { c.destroy(); reject(new Error('no ClientHello captured')); }, 5000).unref();
    });
  } finally {
    server.close();
  }
}

/** Splits a handshake message into TLS records of at most 16 KiB (record version TLS 1.0 as clients send a
 *  ClientHello; 1.2 — minor 3 — once TLS 1.2 is negotiated). */
export function frameHandshake(message: Buffer, minor = 1): Buffer {
  const out: Buffer[] = [];
  for (let at = 0; at < message.length; at += 16384) {
    const frag = message.subarray(at, at + 16384);
    const header = Buffer.from([RECORD_HANDSHAKE, 3, minor, 0, 0]);
    header.writeUInt16BE(frag.length, 3);
    out.push(header, frag);
  }
  return Buffer.concat(out);
}

/** The captured ClientHello with its server_name extension replaced by `hostname` (any length up to 65,000). */
export function withServerName(captured: Buffer, hostname: string): Buffer {
  const hsLen = captured.readUIntBE(6, 3);
  const body = captured.subarray(9, 9 + hsLen);
  let at = 2 + 32;
  at += 1 + body[at]!; // session id
  at += 2 + body.readUInt16BE(at); // cipher suites
  at += 1 + body[at]!; // compression methods
  const head = body.subarray(0, at);
  const extEnd = at + 2 + body.readUInt16BE(at);
  const exts: Buffer[] = [];
  const name = Buffer.from(hostname, 'latin1');
  const sni = Buffer.alloc(9 + name.length);
  sni.writeUInt16BE(0, 0); // type server_name
  sni.writeUInt16BE(5 + name.length, 2);
  sni.writeUInt16BE(3 + name.length, 4); // server_name_list length
  sni[6] = 0; // host_name
  sni.writeUInt16BE(name.length, 7);
  name.copy(sni, 9);
  exts.push(sni);
  for (let p = at + 2; p < extEnd; ) {
    const type = body.readUInt16BE(p);
    const len = body.readUInt16BE(p + 2);
    if (type !== 0) exts.push(body.subarray(p, p + 4 + len));
    p += 4 + len;
  }
  const extBlock = Buffer.concat(exts);
  const extLen = Buffer.alloc(2);
  extLen.writeUInt16BE(extBlock.length);
  const newBody = Buffer.concat([head, extLen, extBlock]);
  const hsHeader = Buffer.from([1, 0, 0, 0]);
  hsHeader.writeUIntBE(newBody.length, 1, 3);
  return frameHandshake(Buffer.concat([hsHeader, newBody]));
}

export interface RawOutcome {
  /** Record types received, in order. */
  readonly recordTypes: number[];
  /** Alert descriptions received in plaintext alert records. */
  readonly alerts: number[];
  readonly bytes: number;
  /** ms from the last write to the close; undefined when it did not close within the wait. */
  readonly closedAfterMs?: number;
}

/** The TLS record types in what a server sent, and the alert descriptions among them. */
function recordsOf(buf: Buffer): { recordTypes: number[]; alerts: number[] } {
  const recordTypes: number[] = [];
  const alerts: number[] = [];
  for (let at = 0; at + 5 <= buf.length; ) {
    const type = buf[at]!;
    const len = buf.readUInt16BE(at + 3);
    recordTypes.push(type);
    if (type === RECORD_ALERT && len === 2 && at + 7 <= buf.length) alerts.push(buf[at + 6]!);
    at += 5 + len;
  }
  return { recordTypes, alerts };
}

/** Connects, writes `payload` (optionally in pieces), then waits up to `waitMs` for the server to close. */
export function rawExchange(port: number, payload: Buffer | readonly Buffer[], waitMs: number, opts: { endAfterWrite?: boolean } = {}): Promise<RawOutcome> {
  return new Promise((resolve) => {
    const s = netConnect({ port, host: '127.0.0.1' });
    let buf = Buffer.alloc(0);
    let lastWrite = performance.now();
    const finish = (closed: boolean) => {
      clearTimeout(timer);
      s.destroy();
      resolve({ ...recordsOf(buf), bytes: buf.length, closedAfterMs: closed ? performance.now() - lastWrite : undefined });
    };
    const timer = setTimeout(() => finish(false), waitMs);
    s.on('data', (d: Buffer) => { buf = Buffer.concat([buf, d]); });
    s.on('close', () => finish(true));
    s.on('error', () => undefined);
    s.on('connect', () => {
      for (const p of Array.isArray(payload) ? payload : [payload]) s.write(p);
      lastWrite = performance.now();
      if (opts.endAfterWrite) s.end();
    });
  });
}

/**
 * TLS 1.2 by hand up to the client's Certificate message: sends `hello`, reads until ServerHelloDone (handshake
 * type 14; TLS 1.2 handshake messages before ChangeCipherSpec are plaintext), then sends a Certificate message whose
 * body is `certificateListBody` (the 3-byte list length included), and reports what the server does.
 */
export function sendCertificateMessage(port: number, hello: Buffer, certificateListBody: Buffer, waitMs: number): Promise<RawOutcome & { sawServerHelloDone: boolean }> {
  return new Promise((resolve) => {
    const s = netConnect({ port, host: '127.0.0.1' });
    let inbound = Buffer.alloc(0);
    let handshake = Buffer.alloc(0);
    let afterDone = Buffer.alloc(0);
    let sent = false;
    let sentAt = 0;
    const finish = (closed: boolean) => {
      clearTimeout(timer);
      s.destroy();
      resolve({ ...recordsOf(afterDone), bytes: afterDone.length, closedAfterMs: closed && sent ? performance.now() - sentAt : undefined, sawServerHelloDone: sent });
    };
    const timer = setTimeout(() => finish(false), waitMs);
    s.on('error', () => undefined);
    s.on('close', () => finish(true));
    s.on('data', (d: Buffer) => {
      if (sent) { afterDone = Buffer.concat([afterDone, d]); return; }
      inbound = Buffer.concat([inbound, d]);
      // Reassemble handshake messages from complete handshake records.
      while (inbound.length >= 5 && inbound.length >= 5 + inbound.readUInt16BE(3)) {
        const len = inbound.readUInt16BE(3);
        if (inbound[0] === RECORD_HANDSHAKE) handshake = Buffer.concat([handshake, inbound.subarray(5, 5 + len)]);
        inbound = inbound.subarray(5 + len);
      }
      for (let at = 0; at + 4 <= handshake.length; ) {
        const type = handshake[at]!;
        const len = handshake.readUIntBE(at + 1, 3);
        if (type === 14) {
          const header = Buffer.from([11, 0, 0, 0]);
          header.writeUIntBE(certificateListBody.length, 1, 3);
          s.write(frameHandshake(Buffer.concat([header, certificateListBody]), 3));
          sent = true;
          sentAt = performance.now();
          afterDone = Buffer.from(inbound);
          return;
        }
        at += 4 + len;
      }
    });
    s.on('connect', () => s.write(hello));
  });
}

/** A Certificate message body: 3-byte list length, then each certificate with its 3-byte length. */
export function certificateList(ders: readonly Buffer[]): Buffer {
  const items = ders.map((d) => {
    const l = Buffer.alloc(3);
    l.writeUIntBE(d.length, 0, 3);
    return Buffer.concat([l, d]);
  });
  const body = Buffer.concat(items);
  const l = Buffer.alloc(3);
  l.writeUIntBE(body.length, 0, 3);
  return Buffer.concat([l, body]);
}

/**
 * Deterministic garbage (SHA-256 in counter mode, so a failure reproduces) whose first byte is 0x00–0x0f: never a
 * TLS handshake record (0x16) nor an HTTP token character, so no server may read it as the start of a valid message
 * and wait for the rest. (Truly random bytes were ~6% of the time a lone `G`, which an HTTP server rightly waits on.)
 */
export function garbage(seed: string, length: number): Buffer {
  const out = Buffer.alloc(length);
  for (let block = 0, at = 0; at < length; block++, at += 32) {
    createHash('sha256').update(`${seed}:${block}`).digest().copy(out, at);
  }
  if (length > 0) out[0] = out[0]! & 0x0f;
  return out;
}
