// The harness's window into the front: a plain-HTTP endpoint bound to loopback only (and refusing any peer that
// is not loopback, in case it is ever bound wider), serving the timelines as JSON.
//   GET /health            → {"status":"ok"}
//   GET /connections       → every known connection (bounded by the store)
//   GET /connections/<id>  → one connection
//   GET /requests/<id>     → one request's timeline (id from the x-certgate-request-id response header)
//   GET /stats             → entries held against the store's caps (count and approximate bytes), evictions
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TimelineStore } from './timeline';

const LOOPBACK = /^(127\.|::1$|::ffff:127\.)/;

export interface Introspection {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

export function startIntrospection(store: TimelineStore, host = '127.0.0.1', port = 0): Promise<Introspection> {
  if (!LOOPBACK.test(host) && host !== 'localhost') return Promise.reject(new Error(`introspection must bind to loopback, not ${host}`));
  const server: Server = createServer((req, res) => {
    const send = (status: number, body: unknown): void => {
      const text = JSON.stringify(body);
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
      res.end(text);
    };
    if (!LOOPBACK.test(req.socket.remoteAddress ?? '')) return send(403, { error: 'loopback only' });
    if (req.method !== 'GET') return send(405, { error: 'GET only' });
    const path = new URL(req.url ?? '/', 'http://introspection').pathname;
    let m: RegExpMatchArray | null;
    if (path === '/health') return send(200, { status: 'ok' });
    if (path === '/connections') return send(200, store.listConnections());
    if (path === '/stats') return send(200, store.stats());
    if ((m = path.match(/^\/connections\/([\w-]+)$/))) {
      const c = store.connection(m[1]!);
      return c ? send(200, c) : send(404, { error: `no connection ${m[1]}` });
    }
    if ((m = path.match(/^\/requests\/([\w-]+)$/))) {
      const r = store.request(m[1]!);
      return r ? send(200, r) : send(404, { error: `no request ${m[1]}` });
    }
    return send(404, { error: 'unknown path', paths: ['/health', '/stats', '/connections', '/connections/<id>', '/requests/<id>'] });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const a = server.address() as AddressInfo;
      const h = a.family === 'IPv6' ? `[${a.address}]` : a.address;
      resolve({
        url: `http://${h}:${a.port}`, port: a.port,
        close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }),
      });
    });
  });
}
