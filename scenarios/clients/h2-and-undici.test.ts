// undici and node:http2 clients against real local servers: ordinary mTLS requests over HTTP/1.1 and h2, an h2
// stream reset with HTTP_1_1_REQUIRED, and undici's view of a renegotiation it refuses.

import { constants, X509Certificate } from 'node:crypto';
import http2 from 'node:http2';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { h2Request } from './h2-client';
import { makeTestPki, type TestPki } from './test-pki';
import { undiciRequest } from './undici-client';

let pki: TestPki;
let h2server: http2.Http2SecureServer;
let h1server: https.Server;
let h2origin: string;
let h1origin: string;
const thumb = (pem: string) => new X509Certificate(pem).fingerprint.replace(/:/g, '');

beforeAll(async () => {
  pki = makeTestPki();
  // h2 with the certificate asked for in the first handshake (negotiate on), HTTP/1.1 allowed as fallback.
  h2server = http2.createSecureServer({ cert: pki.serverCert, key: pki.serverKey, ca: pki.ca, requestCert: true, rejectUnauthorized: false, allowHTTP1: true });
  h2server.on('stream', (stream, headers) => {
    if (headers[':path'] === '/needs-http1') {
      stream.on('error', () => {}); // closing with an error code also raises it on the server's own stream
      stream.close(http2.constants.NGHTTP2_HTTP_1_1_REQUIRED);
      return;
    }
    const peer = (stream.session?.socket as TLSSocket).getPeerX509Certificate();
    stream.respond({ ':status': 200, 'x-certgate-client-thumbprint': peer ? peer.fingerprint.replace(/:/g, '') : 'none' });
    stream.end('ok');
  });
  // HTTP/1.1 requests (ALPN without h2) arrive as 'request'.
  h2server.on('request', (req, res) => {
    if (req.httpVersion === '2.0') return;
    const peer = (req.socket as TLSSocket).getPeerX509Certificate();
    res.writeHead(200, { 'x-certgate-client-thumbprint': peer ? peer.fingerprint.replace(/:/g, '') : 'none' }).end('ok');
  });
  await new Promise<void>((ok) => h2server.listen(0, '127.0.0.1', ok));
  h2origin = `https://127.0.0.1:${(h2server.address() as AddressInfo).port}`;

  h1server = https.createServer(
    { cert: pki.serverCert, key: pki.serverKey, ca: pki.ca, secureOptions: constants.SSL_OP_NO_SESSION_RESUMPTION_ON_RENEGOTIATION },
    (req, res) => {
      const socket = req.socket as TLSSocket;
      req.resume();
      req.on('end', () =>
        setImmediate(() =>
          socket.renegotiate({ requestCert: true, rejectUnauthorized: false }, (err) => {
            if (err) return res.destroy();
            const peer = socket.getPeerX509Certificate();
            res.writeHead(200, { 'x-certgate-client-thumbprint': peer ? peer.fingerprint.replace(/:/g, '') : 'none' }).end('ok');
          }),
        ),
      );
    },
  );
  h1server.on('tlsClientError', () => {});
  await new Promise<void>((ok) => h1server.listen(0, '127.0.0.1', ok));
  h1origin = `https://127.0.0.1:${(h1server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  h1server?.closeAllConnections();
  await Promise.all([new Promise((ok) => h2server?.close(ok)), new Promise((ok) => h1server?.close(ok))]);
  pki?.cleanup();
});

const tlsOpts = () => ({ ca: pki.ca, cert: pki.clientCert, key: pki.clientKey, servername: 'localhost' });

describe('h2 client', () => {
  it('a request over h2 with the certificate from the first handshake', async () => {
    const r = await h2Request({ origin: h2origin, tls: tlsOpts(), method: 'GET', path: '/echo' });
    expect(r.observation).toMatchObject({ outcome: 'response', status: 200, httpVersion: '2', backendSawCertificate: true });
    expect(r.observation.certificateThumbprint).toBe(thumb(pki.clientCert));
  });

  it('RST_STREAM HTTP_1_1_REQUIRED is a reset with code 0xd', async () => {
    const r = await h2Request({ origin: h2origin, tls: tlsOpts(), method: 'GET', path: '/needs-http1' });
    expect(r.observation).toMatchObject({ outcome: 'reset', errorCode: '0xd' });
  });
});

describe('undici client', () => {
  it('allowH2 negotiates h2 and carries the client certificate', async () => {
    const r = await undiciRequest({ origin: h2origin, tls: tlsOpts(), allowH2: true, method: 'GET', path: '/echo' });
    expect(r.observation).toMatchObject({ outcome: 'response', status: 200, httpVersion: '2', backendSawCertificate: true, renegotiationSeen: false });
    expect(r.timings.endMs).toBeGreaterThan(0);
  });

  it('without allowH2 the same server answers over HTTP/1.1', async () => {
    const r = await undiciRequest({ origin: h2origin, tls: tlsOpts(), method: 'GET', path: '/echo' });
    expect(r.observation).toMatchObject({ outcome: 'response', httpVersion: '1.1', backendSawCertificate: true });
  });

  it('sees a server-started renegotiation and the certificate delivered through it', async () => {
    const r = await undiciRequest({ origin: h1origin, tls: tlsOpts(), tlsVersion: '1.2', method: 'POST', path: '/x', bodyBytes: 5000 });
    expect(r.observation).toMatchObject({ outcome: 'response', status: 200, renegotiationSeen: true, backendSawCertificate: true });
  });

  it('with renegotiation refused, undici only sees the socket close (node-tls-notes): reset or tls-error', async () => {
    const r = await undiciRequest({ origin: h1origin, tls: tlsOpts(), tlsVersion: '1.2', renegotiation: false, method: 'GET', path: '/x' });
    expect(['reset', 'tls-error']).toContain(r.observation.outcome);
    expect(r.observation.status).toBeUndefined();
    expect(r.observation.tlsVersion).toBe('TLSv1.2');
  });
});
