// The raw client against real Node TLS servers on 127.0.0.1: healthy requests, a real renegotiation mid-request,
// a server that stops reading (stall), a server that answers before reading, and a client that refuses to renegotiate.

import { constants, X509Certificate } from 'node:crypto';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRequest, type RawRequest } from './raw-tls-client';
import { makeTestPki, type TestPki } from './test-pki';

let pki: TestPki;
let server: https.Server;
let port: number;
/** What the server saw, per path, so tests can check the server side independently of the client. */
const seen: Record<string, { bodyBytes: number; answered: boolean; peerCertCN?: string }> = {};

function thumbprintOf(pem: string): string {
  return new X509Certificate(pem).fingerprint.replace(/:/g, '');
}

beforeAll(async () => {
  pki = makeTestPki();
  server = https.createServer(
    {
      cert: pki.serverCert,
      key: pki.serverKey,
      ca: pki.ca,
      requestCert: false,
      rejectUnauthorized: false,
      // without this a client resuming its session gets no CertificateRequest (node-tls-notes)
      secureOptions: constants.SSL_OP_NO_SESSION_RESUMPTION_ON_RENEGOTIATION,
    },
    (req, res) => {
      const path = req.url ?? '/';
      const record: (typeof seen)[string] = (seen[path] = { bodyBytes: 0, answered: false });
      const socket = req.socket as TLSSocket;
      const answer = (status: number, headers: Record<string, string> = {}) => {
        record.answered = true;
        res.writeHead(status, { 'content-type': 'text/plain', ...headers });
        res.end('ok\n');
      };
      if (path === '/stop-reading') {
        // Never read the body, never answer: the deadlock as the gateway would produce it.
        socket.pause();
        req.pause();
        return;
      }
      if (path === '/answer-first') {
        // Answer at once and stop reading what follows.
        req.pause();
        socket.pause();
        answer(403);
        return;
      }
      req.on('data', (d: Buffer) => (record.bodyBytes += d.length));
      req.on('end', () => {
        if (path === '/renegotiate') {
          // From setImmediate, never synchronously in the handler (node-tls-notes).
          setImmediate(() =>
            socket.renegotiate({ requestCert: true, rejectUnauthorized: false }, (err) => {
              if (err) return answer(500);
              const cert = socket.getPeerCertificate();
              record.peerCertCN = String(cert?.subject?.CN);
              answer(200, { 'x-certgate-client-thumbprint': cert?.raw ? thumbprintOf(`-----BEGIN CERTIFICATE-----\n${cert.raw.toString('base64')}\n-----END CERTIFICATE-----`) : 'none' });
            }),
          );
          return;
        }
        answer(200, { 'x-certgate-request-id': 'req-1' });
      });
    },
  );
  // A client that refuses renegotiation makes the server socket fail; that must not crash the test process.
  server.on('tlsClientError', () => {});
  server.on('clientError', (_e, s) => s.destroy());
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  server?.closeAllConnections();
  await new Promise((ok) => server?.close(ok));
  pki?.cleanup();
});

const base = (): RawRequest => ({
  host: '127.0.0.1',
  port,
  tls: { ca: pki.ca, cert: pki.clientCert, key: pki.clientKey, servername: 'localhost' },
  tlsVersion: '1.2',
  method: 'GET',
  path: '/plain',
  stallWindowMs: 1000,
  hardTimeoutMs: 10_000,
});

describe('raw TLS HTTP/1.1 client', () => {
  it('a healthy POST is a response; every body byte reached the server', async () => {
    const r = await rawRequest({ ...base(), method: 'POST', path: '/plain', bodyBytes: 100_000 });
    expect(r.observation).toMatchObject({ outcome: 'response', status: 200, renegotiationSeen: false, requestId: 'req-1', tlsVersion: 'TLSv1.2' });
    expect(seen['/plain']!.bodyBytes).toBe(100_000);
    expect(r.counters.bodyAccepted).toBe(100_000);
    expect(r.timeline.map((p) => p.kind)).toEqual(expect.arrayContaining(['connect', 'tls-handshake', 'request-sent', 'response']));
  });

  it('chunked upload with a warm-up HEAD first on the same connection', async () => {
    const r = await rawRequest({ ...base(), method: 'PUT', path: '/chunked', bodyBytes: 50_000, bodyEncoding: 'chunked', warmUp: 'head' });
    expect(r.observation).toMatchObject({ outcome: 'response', status: 200 });
    expect(seen['/chunked']!.bodyBytes).toBe(50_000);
    expect(r.counters.handshakes).toBe(1);
    expect(r.timeline.some((p) => p.kind === 'warm-up-response')).toBe(true);
  });

  it('Expect: 100-continue: the body follows the interim response', async () => {
    const r = await rawRequest({ ...base(), method: 'POST', path: '/expect', bodyBytes: 20_000, expect100: true });
    expect(r.observation).toMatchObject({ outcome: 'response', status: 200 });
    expect(r.timeline.some((p) => p.kind === 'interim-response' && p.detail?.status === 100)).toBe(true);
    expect(seen['/expect']!.bodyBytes).toBe(20_000);
  });

  it('sees a real renegotiation mid-request, and the server got the certificate through it', async () => {
    const r = await rawRequest({ ...base(), method: 'POST', path: '/renegotiate', bodyBytes: 10_000 });
    expect(r.observation).toMatchObject({ outcome: 'response', status: 200, renegotiationSeen: true, backendSawCertificate: true });
    expect(r.observation.certificateThumbprint).toBe(thumbprintOf(pki.clientCert));
    expect(seen['/renegotiate']!.peerCertCN).toBe('certgate test client');
    expect(r.timeline.filter((p) => p.kind === 'renegotiation')).toHaveLength(1);
  });

  it('a server that stops reading a large body is a stall, decided in under 2 s, and it never answered', async () => {
    const r = await rawRequest({ ...base(), method: 'POST', path: '/stop-reading', bodyBytes: 8 * 1024 * 1024 });
    expect(r.observation.outcome).toBe('stall');
    expect(r.decidedAtMs).toBeLessThan(2000);
    expect(r.decidedAtMs).toBeGreaterThanOrEqual(1000);
    expect(seen['/stop-reading']!.answered).toBe(false);
    expect(r.counters.bodyAccepted).toBeLessThan(8 * 1024 * 1024);
    expect(r.timeline.some((p) => p.kind === 'stall')).toBe(true);
  });

  it('a server that answers before reading the body: response-before-body-sent', async () => {
    const r = await rawRequest({ ...base(), method: 'POST', path: '/answer-first', bodyBytes: 8 * 1024 * 1024 });
    expect(r.observation).toMatchObject({ outcome: 'response-before-body-sent', status: 403 });
    expect(r.counters.bodyAccepted).toBeLessThan(8 * 1024 * 1024);
  });

  it('a client that refuses renegotiation gets a TLS error from a renegotiating server', async () => {
    const r = await rawRequest({ ...base(), method: 'GET', path: '/renegotiate', renegotiation: false });
    expect(r.observation.outcome).toBe('tls-error');
    expect(r.observation.errorCode).toMatch(/^ERR_SSL_/);
    // Node re-emits secureConnect when the server's HelloRequest starts the second handshake, even though the
    // client then refuses it: the attempt is what the client saw (and what the catalogue means by a renegotiation).
    expect(r.observation.renegotiationSeen).toBe(true);
    expect(r.observation.errorCode).toBe('ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE');
    expect(seen['/renegotiate']!.answered).toBe(false);
  });

  it('a server that resets the connection is a reset', async () => {
    const net = await import('node:net');
    const rude = net.createServer((s) => s.destroy());
    await new Promise<void>((ok) => rude.listen(0, '127.0.0.1', ok));
    try {
      const r = await rawRequest({ ...base(), port: (rude.address() as AddressInfo).port });
      expect(r.observation.outcome).toBe('reset');
    } finally {
      rude.close();
    }
  });
});
