// An Application Gateway in front of the gateway (apim-behaviour.md §7): it terminates the client's TLS itself,
// asks for the client certificate in its own handshake, and opens a NEW connection to the gateway, so the gateway
// never sees the client's certificate in TLS — only the PEM, URL-encoded, in a header (the client_certificate
// server variable). Strict mode answers 400 for a missing or untrusted certificate before the gateway sees the call;
// passthrough forwards everything and leaves the verdict to the gateway's policies.
import { createServer, type Server } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { constants as cryptoConstants } from 'node:crypto';
import { Agent, request } from 'undici';
import { derToPem } from '../../ca/der';
import { REQUEST_ID_HEADER } from './respond';

export interface AppGatewayOptions {
  readonly mode: 'strict' | 'passthrough';
  readonly headerName: string;
  readonly serverCert: string;
  readonly serverKey: string;
  /** Roots strict mode trusts (PEM). */
  readonly trustedRoots: readonly string[];
  /** The gateway's base URL and the CA that signed its server certificate. */
  readonly gatewayUrl: string;
  readonly gatewayCa: readonly string[];
}

export interface AppGateway {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer', 'expect']);

export async function startAppGateway(o: AppGatewayOptions, host: string, port: number): Promise<AppGateway> {
  const agent = new Agent({ connect: { ca: [...o.gatewayCa], servername: new URL(o.gatewayUrl).hostname } });
  const header = o.headerName.toLowerCase();
  let seq = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer({
    cert: o.serverCert, key: o.serverKey, requestCert: true, rejectUnauthorized: false, ca: [...o.trustedRoots],
    maxVersion: 'TLSv1.3', secureOptions: cryptoConstants.SSL_OP_NO_RENEGOTIATION,
  }, (req, res) => {
    const id = `agw-${++seq}`;
    const socket = req.socket as TLSSocket;
    const peer = socket.getPeerCertificate(false);
    const hasCert = Boolean(peer && peer.raw && peer.raw.length > 0);
    if (o.mode === 'strict' && (!hasCert || !socket.authorized)) {
      // Answered by the Application Gateway itself; the gateway never sees this call.
      const body = `<html><head><title>400 Bad Request</title></head><body><center><h1>400 Bad Request</h1></center><center>${hasCert ? 'The SSL certificate error' : 'No required SSL certificate was sent'}</center><hr><center>Microsoft-Azure-Application-Gateway/v2</center></body></html>`;
      res.writeHead(400, { 'content-type': 'text/html', 'content-length': Buffer.byteLength(body), [REQUEST_ID_HEADER]: id, server: 'Microsoft-Azure-Application-Gateway/v2' });
      res.end(body);
      return;
    }
    const headers: Record<string, string | string[]> = {};
    for (const [k, v] of Object.entries(req.headers)) {
      // A client-supplied certificate header must never pass: only the gateway's own variable is trusted.
      if (v !== undefined && !HOP_BY_HOP.has(k) && k !== header && k !== 'host') headers[k] = v;
    }
    headers[header] = hasCert ? encodeURIComponent(derToPem(peer.raw, 'CERTIFICATE')) : '';
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      request(new URL(req.url ?? '/', o.gatewayUrl), { dispatcher: agent, method: (req.method ?? 'GET') as 'GET', headers, body: chunks.length ? Buffer.concat(chunks) : undefined })
        .then(async (up) => {
          const body = Buffer.from(await up.body.arrayBuffer());
          const out: Record<string, string | string[]> = {};
          for (const [k, v] of Object.entries(up.headers)) if (v !== undefined && !HOP_BY_HOP.has(k) && k !== 'content-length') out[k] = v;
          out['content-length'] = String(body.length);
          res.writeHead(up.statusCode, out);
          res.end(body);
        })
        .catch((err: Error) => {
          const body = JSON.stringify({ statusCode: 502, message: `Application Gateway: backend (gateway) unreachable: ${err.message}` });
          res.writeHead(502, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), [REQUEST_ID_HEADER]: id });
          res.end(body);
        });
    });
  });
  server.on('connection', (s: Socket) => { sockets.add(s); s.once('close', () => sockets.delete(s)); });
  server.on('tlsClientError', (_e, s) => s.destroy());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const a = server.address() as AddressInfo;
  return {
    url: `https://${host === '127.0.0.1' || host === '::1' ? 'localhost' : host}:${a.port}`,
    port: a.port,
    close: async () => {
      await new Promise<void>((r) => { server.close(() => r()); for (const s of sockets) s.destroy(); });
      await agent.close();
    },
  };
}
