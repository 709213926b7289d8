// An HTTP proxy standing at the address the certificates' CDP and OCSP URLs name, routing CRL and OCSP requests to
// different real revocation servers — so a test can make CRL and OCSP disagree, serve an expired CRL while OCSP is
// unreachable, or refuse one of them.
import { createServer, request, type Server } from 'node:http';

export type Route =
  | { readonly kind: 'forward'; readonly to: string }
  /** The CRL URL answers with the upstream's "-expired" variant of that CRL. */
  | { readonly kind: 'expired'; readonly to: string }
  /** The connection is dropped unanswered. */
  | { readonly kind: 'refuse' };

export interface RevocationProxy {
  readonly port: number;
  routes: { ocsp: Route; crl: Route };
  close(): Promise<void>;
}

export async function startRevocationProxy(port: number, routes: { ocsp: Route; crl: Route }): Promise<RevocationProxy> {
  const proxy: RevocationProxy = { port, routes, close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }) };
  const server: Server = createServer((req, res) => {
    const path = req.url ?? '/';
    const route = path.startsWith('/crl/') ? proxy.routes.crl : proxy.routes.ocsp;
    if (route.kind === 'refuse') return req.socket.destroy();
    const target = route.kind === 'expired' ? path.replace(/\.crl$/, '-expired.crl') : path;
    const up = request(`${route.to}${target}`, { method: req.method, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    up.on('error', () => req.socket.destroy());
    req.pipe(up);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return proxy;
}
