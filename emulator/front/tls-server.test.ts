// The TLS front against real clients (curl, openssl s_client, Node https, undici), with a small test pipeline
// standing in at the contract seam: it answers through the echo backend, so "the backend saw the certificate" is
// read from what the client receives. Expectations come from apim-behaviour.md §1–3 and node-tls-notes.md.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { connect } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { echoBackend } from '../backend/echo';
import { X509Certificate2 } from '../certificates/x509-certificate2';
import type { Pipeline } from '../pipeline/contract';
import { curl, nodeHttps, sClient, undici, undiciAgent } from './test-clients';
import { createTestPki, type TestPki } from './test-pki';
import { TimelineStore } from './timeline';
import { createFront, type Front, type FrontOptions } from './tls-server';
import type { TierSettings } from './planner';
import { thumbprintOf } from '../../ca/certificate-info';
import { pemToDer } from '../../ca/der';

const KiB = 1024;
const TIMEOUT_MS = 1000;

const testPipeline: Pipeline = {
  match(_method, path) {
    if (path.startsWith('/cert')) return { apiName: 'cert', needs: { readsClientCertificate: true }, params: {} };
    if (path.startsWith('/open')) return { apiName: 'open', needs: { readsClientCertificate: false }, params: {} };
    return null;
  },
  async execute(_match, req, backend, record) {
    record({ kind: 'test-policy', detail: { certificate: req.certificate !== null } });
    return backend({ method: req.method, url: req.url, headers: req.headers, body: req.body, clientCertificate: req.certificate });
  },
};

let pki: TestPki;
const fronts: Front[] = [];
const store = new TimelineStore();

async function start(tier: Partial<TierSettings>, over: Partial<FrontOptions> = {}): Promise<string> {
  const f = createFront({
    hostName: 'localhost', serverCert: pki.server.cert, serverKey: pki.server.key, http2: false, tls13: false,
    handshakeTimeoutMs: 2000, keepAliveTimeoutMs: 5000, renegotiationTimeoutMs: TIMEOUT_MS, handshakeSettleMs: 1000,
    maxBodyBytes: 8 * 1024 * KiB, pipeline: testPipeline, backendFor: () => echoBackend, store,
    buildCertificate: async (peer) => X509Certificate2.fromDer(peer.der, peer.chain),
    tier: {
      sku: 'developer', negotiateClientCertificate: false, enableClientCertificate: false, renegotiationBufferBytes: 61440,
      onRenegotiationTimeout: '403', h2WithoutNegotiate: 'null-certificate', missingRequiredCertificate: '403', ...tier,
    },
    ...over,
  });
  fronts.push(f);
  const a = await f.listen(0, '127.0.0.1');
  return `https://localhost:${a.port}`;
}

let classicOff: string; // developer, negotiate off, HTTP/1.1 only, TLS 1.2
let classicOn: string; // developer, negotiate on, h2 enabled
let h2Off: string; // developer, negotiate off, h2 enabled, null certificate
let h2Reset: string; // developer, negotiate off, h2 enabled, HTTP_1_1_REQUIRED
let tls13: string; // developer, negotiate off, TLS 1.3 on
let v2: string; // standardv2 without enableClientCertificate
let consumption: string; // consumption with enableClientCertificate
let nullOutcome: string; // negotiate off, deadlock yields a null certificate
let freeze: string; // negotiate off, deadlock freezes
let consumptionTls: string; // consumption, a missing certificate fails the connection instead of a 403

const ec = () => ({ certFile: pki.clientEc.certFile, keyFile: pki.clientEc.keyFile, caFile: pki.rootFile });
const anon = () => ({ caFile: pki.rootFile });
const ecThumbprint = () => thumbprintOf(pemToDer(pki.clientEc.cert)[0]!);
const timeline = (id: string | undefined) => store.request(id ?? '')!;
const kinds = (id: string | undefined) => timeline(id).events.map((e) => e.kind);

beforeAll(async () => {
  pki = createTestPki();
  classicOff = await start({});
  classicOn = await start({ negotiateClientCertificate: true }, { http2: true });
  h2Off = await start({}, { http2: true });
  h2Reset = await start({ h2WithoutNegotiate: 'http-1.1-required' }, { http2: true });
  tls13 = await start({}, { tls13: true });
  v2 = await start({ sku: 'standardv2' });
  consumption = await start({ sku: 'consumption', enableClientCertificate: true });
  nullOutcome = await start({ onRenegotiationTimeout: 'null-certificate' });
  freeze = await start({ onRenegotiationTimeout: 'freeze' });
  consumptionTls = await start({ sku: 'consumption', enableClientCertificate: true, missingRequiredCertificate: 'tls-handshake-failure' });
});
afterAll(async () => {
  await Promise.all(fronts.map((f) => f.close()));
  pki?.cleanup();
});

describe('first handshake', () => {
  it('negotiate on: the certificate comes in the handshake and the backend sees it (curl, HTTP/1.1)', async () => {
    const r = await curl({ ...ec(), url: `${classicOn}/cert/x` });
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body).clientCertificate.thumbprint).toBe(ecThumbprint());
    expect(kinds(r.headers['x-certgate-request-id'])).not.toContain('renegotiation-requested');
  });
  it('negotiate on over HTTP/2: the certificate is present (curl --http2 and undici allowH2)', async () => {
    const r = await curl({ ...ec(), url: `${classicOn}/cert/h2`, http2: true });
    expect(r.httpVersion).toBe('2');
    expect(JSON.parse(r.body).clientCertificate.thumbprint).toBe(ecThumbprint());
    const agent = undiciAgent({ ...ec(), allowH2: true });
    const u = await undici(agent, `${classicOn}/cert/h2`);
    await agent.close();
    expect(JSON.parse(u.body).clientCertificate.thumbprint).toBe(ecThumbprint());
    expect(timeline(u.headers['x-certgate-request-id']).protocol).toBe('HTTP/2');
  });
});

describe('renegotiation (classic, negotiate off, HTTP/1.1, TLS 1.2)', () => {
  it('a policy reading the certificate makes a real renegotiation; the certificate arrives (curl, Node, undici, s_client)', async () => {
    const c = await curl({ ...ec(), url: `${classicOff}/cert/a`, tls: '1.2' });
    expect(c.status).toBe(200);
    expect(JSON.parse(c.body).clientCertificate.thumbprint).toBe(ecThumbprint());
    expect(kinds(c.headers['x-certgate-request-id'])).toEqual(expect.arrayContaining(['renegotiation-requested', 'renegotiation-completed']));
    const n = await nodeHttps({ ...ec(), url: `${classicOff}/cert/b` });
    expect(JSON.parse(n.body).clientCertificate.thumbprint).toBe(ecThumbprint());
    const agent = undiciAgent(ec());
    const u = await undici(agent, `${classicOff}/cert/c`);
    await agent.close();
    expect(JSON.parse(u.body).clientCertificate.thumbprint).toBe(ecThumbprint());
    const s = await sClient({ ...ec(), port: Number(new URL(classicOff).port), request: 'GET /cert/s HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n' });
    expect(s.stdout).toMatch(/HTTP\/1\.1 200/);
    expect(s.stdout).toContain(ecThumbprint());
  });
  it('no policy reads the certificate: no renegotiation, null certificate', async () => {
    const r = await curl({ ...ec(), url: `${classicOff}/open/x` });
    expect(JSON.parse(r.body).clientCertificate).toBeNull();
    expect(kinds(r.headers['x-certgate-request-id'])).not.toContain('renegotiation-requested');
  });
  it('the second request on the same connection does not renegotiate again', async () => {
    const agent = undiciAgent({ ...ec(), connections: 1 });
    const a = await undici(agent, `${classicOff}/cert/1`);
    const b = await undici(agent, `${classicOff}/cert/2`);
    await agent.close();
    const ta = timeline(a.headers['x-certgate-request-id']);
    const tb = timeline(b.headers['x-certgate-request-id']);
    expect(ta.connectionId).toBe(tb.connectionId);
    expect(ta.events.map((e) => e.kind)).toContain('renegotiation-completed');
    expect(tb.events.map((e) => e.kind)).not.toContain('renegotiation-requested');
    expect(JSON.parse(b.body).clientCertificate.thumbprint).toBe(ecThumbprint());
  });
  it('60 KiB POST: 200 quickly; 64 KiB POST: 403 after the timeout with Connection: close (curl, Node, undici)', async () => {
    const small = await curl({ ...ec(), url: `${classicOff}/cert/up`, bodyBytes: 60 * KiB });
    expect(small.status).toBe(200);
    expect(JSON.parse(small.body).body.length).toBe(60 * KiB);
    expect(small.ms).toBeLessThan(TIMEOUT_MS);
    const agent = undiciAgent(ec());
    const results = await Promise.all([
      curl({ ...ec(), url: `${classicOff}/cert/up`, bodyBytes: 64 * KiB }),
      nodeHttps({ ...ec(), url: `${classicOff}/cert/up`, bodyBytes: 64 * KiB }),
      undici(agent, `${classicOff}/cert/up`, { bodyBytes: 64 * KiB }),
      curl({ ...ec(), url: `${classicOff}/cert/up`, bodyBytes: 1024 * KiB }),
    ]);
    await agent.close();
    for (const r of results) {
      expect(r.error).toBeUndefined();
      expect(r.status).toBe(403);
      expect(r.headers.connection).toBe('close');
      expect(r.ms).toBeGreaterThanOrEqual(TIMEOUT_MS - 50);
      const events = timeline(r.headers['x-certgate-request-id']).events;
      expect(events.map((e) => e.kind)).toEqual(expect.arrayContaining(['renegotiation-requested', 'renegotiation-stalled']));
      const requested = events.find((e) => e.kind === 'renegotiation-requested')!;
      const stalled = events.find((e) => e.kind === 'renegotiation-stalled')!;
      // The body was not consumed during the stall; at most one small TLS record (the HelloRequest, when OpenSSL
      // could send it before the drain) went out meanwhile — no response bytes.
      expect(stalled.bodyBytesRead).toBe(0);
      if (stalled.detail!.handshakeFinishedMeanwhile === false) expect(stalled.bytesWritten - requested.bytesWritten).toBeLessThan(100);
      expect(stalled.at - requested.at).toBeGreaterThanOrEqual(TIMEOUT_MS - 5);
      expect(events.map((e) => e.kind)).toContain('body-drained');
    }
  });
  it('chunked bodies: within the buffer → read then renegotiate; overflowing it → the deadlock', async () => {
    const chunked = ['-H', 'Transfer-Encoding: chunked'];
    const small = await curl({ ...ec(), url: `${classicOff}/cert/up`, bodyBytes: 16 * KiB, extraArgs: chunked });
    expect(small.status).toBe(200);
    expect(JSON.parse(small.body).clientCertificate.thumbprint).toBe(ecThumbprint());
    const big = await curl({ ...ec(), url: `${classicOff}/cert/up`, bodyBytes: 256 * KiB, extraArgs: chunked });
    expect(big.status).toBe(403);
    expect(big.headers.connection).toBe('close');
    expect(kinds(big.headers['x-certgate-request-id'])).toEqual(expect.arrayContaining(['body-read', 'renegotiation-stalled']));
  });
  it('the deadlock can yield a null certificate to the policies instead', async () => {
    const r = await curl({ ...ec(), url: `${nullOutcome}/cert/up`, bodyBytes: 64 * KiB });
    expect(r.status).toBe(200);
    expect(r.headers.connection).toBe('close');
    expect(JSON.parse(r.body).clientCertificate).toBeNull();
  });
  it('the deadlock can freeze: no answer until the client gives up', async () => {
    const before = new Set(store.listConnections().map((c) => c.id));
    const r = await curl({ ...ec(), url: `${freeze}/cert/up`, bodyBytes: 64 * KiB, maxTimeS: 2 });
    expect(r.exitCode).toBe(28); // curl: operation timed out
    expect(r.status).toBeUndefined();
    await new Promise((res) => setTimeout(res, 100));
    const conn = store.listConnections().find((c) => !before.has(c.id) && c.requests.length > 0)!;
    expect(store.request(conn.requests[0]!)!.events.map((e) => e.kind)).toEqual(expect.arrayContaining(['renegotiation-stalled', 'frozen']));
    expect(conn.open).toBe(false);
  });
  it('Expect: 100-continue with 64 KiB: renegotiation before the body, no deadlock', async () => {
    const r = await curl({ ...ec(), url: `${classicOff}/cert/up`, bodyBytes: 64 * KiB, expect100: true });
    expect(r.status).toBe(200);
    expect(r.ms).toBeLessThan(TIMEOUT_MS);
    expect(JSON.parse(r.body).clientCertificate.thumbprint).toBe(ecThumbprint());
    expect(JSON.parse(r.body).body.length).toBe(64 * KiB);
  });
  it('a client with renegotiation disabled fails in TLS, and another client is served meanwhile', async () => {
    const [refused, nodeRefused, other] = await Promise.all([
      curl({ ...ec(), url: `${classicOff}/cert/x`, noRenegotiation: true }),
      nodeHttps({ ...ec(), url: `${classicOff}/cert/y`, noRenegotiation: true }),
      curl({ ...ec(), url: `${classicOff}/cert/z` }),
    ]);
    expect(refused.exitCode).not.toBe(0);
    expect(refused.stderr).toMatch(/handshake failure|alert/i);
    expect(nodeRefused.error).toMatch(/HANDSHAKE_FAILURE|ECONNRESET|socket hang up/i);
    expect(other.status).toBe(200);
    const s = await sClient({ ...ec(), port: Number(new URL(classicOff).port), noRenegotiation: true, request: 'GET /cert/s HTTP/1.1\r\nHost: localhost\r\n\r\n' });
    expect(s.stdout).not.toMatch(/HTTP\/1\.1 200/);
    const refusals = store.listConnections().filter((c) => c.events.some((e) => e.kind === 'renegotiation-refused'));
    expect(refusals.length).toBeGreaterThanOrEqual(2);
    expect(refusals[0]!.events.find((e) => e.kind === 'renegotiation-refused')!.detail!.code).toBe('ERR_SSL_NO_RENEGOTIATION');
  });
});

describe('no renegotiation: TLS 1.3, v2, HTTP/2', () => {
  it('TLS 1.3: null certificate, no renegotiation', async () => {
    const r = await curl({ ...ec(), url: `${tls13}/cert/x`, tls: '1.3' });
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body).clientCertificate).toBeNull();
    expect(timeline(r.headers['x-certgate-request-id']).tlsVersion).toBe('TLSv1.3');
    expect(kinds(r.headers['x-certgate-request-id'])).not.toContain('renegotiation-requested');
  });
  it('v2 tier: never renegotiates', async () => {
    const r = await curl({ ...ec(), url: `${v2}/cert/up`, bodyBytes: 64 * KiB });
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body).clientCertificate).toBeNull();
    expect(kinds(r.headers['x-certgate-request-id'])).not.toContain('renegotiation-requested');
  });
  it('h2 with negotiate off, null-certificate setting: served with a null certificate', async () => {
    const r = await curl({ ...ec(), url: `${h2Off}/cert/x`, http2: true });
    expect(r.httpVersion).toBe('2');
    expect(JSON.parse(r.body).clientCertificate).toBeNull();
  });
  it('h2 with negotiate off, http-1.1-required: RST_STREAM, curl retries over HTTP/1.1 and renegotiates', async () => {
    const r = await curl({ ...ec(), url: `${h2Reset}/cert/x`, http2: true });
    expect(r.status).toBe(200);
    expect(r.httpVersion).toBe('1.1');
    expect(JSON.parse(r.body).clientCertificate.thumbprint).toBe(ecThumbprint());
    const resets = store.listConnections().flatMap((c) => c.requests).map((id) => store.request(id)!).filter((q) => q.events.some((e) => e.kind === 'stream-reset'));
    expect(resets.length).toBeGreaterThanOrEqual(1);
  });
});

describe('consumption with enableClientCertificate', () => {
  it('a certificate is required on every call, also where no policy reads it', async () => {
    const without = await curl({ ...anon(), url: `${consumption}/open/x` });
    expect(without.status).toBe(403);
    expect(without.headers['x-certgate-request-id']).toBeTruthy();
    const withCert = await curl({ ...ec(), url: `${consumption}/open/x` });
    expect(withCert.status).toBe(200);
    expect(JSON.parse(withCert.body).clientCertificate.thumbprint).toBe(ecThumbprint());
  });

  it('the alternative setting closes the connection of a client without a certificate', async () => {
    const without = await curl({ ...anon(), url: `${consumptionTls}/open/x` });
    expect(without.status).toBeUndefined();
    expect(without.exitCode).not.toBe(0);
    expect((await curl({ ...ec(), url: `${consumptionTls}/open/x` })).status).toBe(200);
  });
});

describe('byte counters', () => {
  it('a connection counts the raw TCP bytes both ways: what the client\'s own TCP socket wrote and read, live and after close', async () => {
    const port = Number(new URL(classicOff).port);
    const front = fronts.find((f) => (f.server.address() as { port: number }).port === port)!;
    const accepted = new Promise<{ bytesRead: number; bytesWritten: number }>((r) => front.server.once('secureConnection', (s: { _parent: { bytesRead: number; bytesWritten: number } }) => r(s._parent)));
    const tcp = connect(port, '127.0.0.1');
    await new Promise((r) => tcp.once('connect', r));
    const tls = tlsConnect({ socket: tcp, servername: 'localhost', ca: pki.rootCert, maxVersion: 'TLSv1.2' });
    await new Promise((r) => tls.once('secureConnect', r));
    let received = '';
    tls.on('data', (d: Buffer) => { received += d.toString('latin1'); });
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      tls.write(`GET /open/count${i} HTTP/1.1\r\nhost: localhost\r\n\r\n`);
      // Responses are small JSON bodies with a content-length: wait until this one is complete.
      await vi.waitFor(() => {
        const m = [...received.matchAll(/x-certgate-request-id: (\S+)[\s\S]*?content-length: (\d+)\r\n[\s\S]*?\r\n\r\n/g)];
        const last = m[i];
        if (!last || received.length < last.index! + last[0].length + Number(last[2])) throw new Error('not yet');
        ids[i] = last[1]!;
      });
    }
    const connectionId = store.request(ids[0]!)!.connectionId;
    // The server's own raw TCP socket (Node's getters) agrees with the entry, which reads the TCP handle directly.
    const raw = await accepted;
    const live = store.connection(connectionId)!;
    expect(live.open).toBe(true);
    expect({ read: live.bytesRead, written: live.bytesWritten }).toEqual({ read: raw.bytesRead, written: raw.bytesWritten });
    // And with the client: every byte it wrote was read; it read what was written (Node's server counts a few bytes
    // more than the client receives, getters and handle alike: not checked to the byte).
    expect(live.bytesRead).toBe(tcp.bytesWritten);
    expect(live.bytesWritten - tcp.bytesRead).toBeGreaterThanOrEqual(0);
    expect(live.bytesWritten - tcp.bytesRead).toBeLessThan(64);
    // Each request's events saw the counts grow: its first event already counts its own request bytes.
    const firstEvents = ids.map((id) => store.request(id)!.events[0]!);
    expect(firstEvents[1]!.bytesRead).toBeGreaterThan(firstEvents[0]!.bytesRead);
    expect(firstEvents[2]!.bytesWritten).toBeGreaterThan(firstEvents[1]!.bytesWritten);
    tcp.destroy();
    await vi.waitFor(() => expect(store.connection(connectionId)!.open).toBe(false));
    // Closed: the entry kept the final counts (the server's closing alert included), the same as the socket's.
    const closed = store.connection(connectionId)!;
    expect(closed.bytesWritten).toBeGreaterThanOrEqual(live.bytesWritten);
    expect({ read: closed.bytesRead, written: closed.bytesWritten }).toEqual({ read: raw.bytesRead, written: raw.bytesWritten });
  });
});

describe('bad input', () => {
  const rawExchange = (port: number, bytes: Buffer, waitMs: number): Promise<{ data: Buffer; closed: boolean }> =>
    new Promise((resolve) => {
      const s = connect(port, '127.0.0.1');
      const chunks: Buffer[] = [];
      let closed = false;
      s.on('data', (d) => chunks.push(d));
      s.on('error', () => { /* reset counts as closed */ });
      s.on('close', () => { closed = true; resolve({ data: Buffer.concat(chunks), closed }); });
      s.write(bytes);
      setTimeout(() => { s.destroy(); resolve({ data: Buffer.concat(chunks), closed }); }, waitMs);
    });

  it('garbage bytes, a ClientHello cut short and an idle client are closed while others are served', async () => {
    const port = Number(new URL(classicOff).port);
    const helloStart = Buffer.from('160301020001', 'hex'); // a handshake record that promises 512 bytes, then nothing
    const [garbage, cut, idle, ok] = await Promise.all([
      rawExchange(port, Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'), 1500),
      rawExchange(port, helloStart, 3500),
      rawExchange(port, Buffer.alloc(0), 3500),
      curl({ ...ec(), url: `${classicOff}/open/y` }),
    ]);
    expect(garbage.closed).toBe(true); // within 1.5 s: before the 2 s handshake timeout, so for the garbage itself
    expect(cut.closed).toBe(true); // handshake timeout (2 s here)
    expect(idle.closed).toBe(true);
    expect(ok.status).toBe(200);
    const failures = store.listConnections().flatMap((c) => c.events).filter((e) => e.kind === 'handshake-failed').map((e) => e.detail!.code);
    expect(failures).toEqual(expect.arrayContaining(['ERR_SSL_HTTP_REQUEST', 'ERR_TLS_HANDSHAKE_TIMEOUT']));
  });
  it('a header section over the limit gets 431 with a request id', async () => {
    const r = await curl({ ...ec(), url: `${classicOff}/open/y`, extraArgs: ['-H', `x-big: ${'a'.repeat(20_000)}`] });
    expect(r.status).toBe(431);
    expect(r.headers['x-certgate-request-id']).toBeTruthy();
  });
  it('a client-initiated renegotiation flood is cut off by Node\'s limit (3 per 10 min) and the server goes on serving', async () => {
    const port = Number(new URL(classicOff).port);
    const s = await sClient({ ...ec(), port, request: 'GET /open/flood HTTP/1.1\r\nHost: localhost\r\n\r\n', afterRequest: ['R\n', 'R\n', 'R\n', 'R\n', 'R\n', 'R\n'], timeoutMs: 5000, interactive: true });
    const id = s.stdout.match(/x-certgate-request-id: (\S+)/)![1]!;
    const conn = store.connection(timeline(id).connectionId)!;
    expect(conn.events.find((e) => e.kind === 'socket-error')?.detail?.code).toBe('ERR_TLS_SESSION_ATTACK');
    expect(conn.open).toBe(false);
    // At most three of the client's renegotiations went through before the cut.
    expect(s.stdout.split('RENEGOTIATING').length - 1).toBeLessThanOrEqual(6);
    expect((s.stdout.match(/depth=0 CN = localhost/g) ?? []).length).toBeLessThanOrEqual(1 + 3);
    const ok = await curl({ ...ec(), url: `${classicOff}/open/after` });
    expect(ok.status).toBe(200);
  });
  it('an unknown path answers 404 the APIM way, with a request id', async () => {
    const r = await curl({ ...ec(), url: `${classicOff}/nowhere` });
    expect(r.status).toBe(404);
    expect(JSON.parse(r.body)).toEqual({ statusCode: 404, message: 'Resource not found' });
    expect(timeline(r.headers['x-certgate-request-id']).status).toBe(404);
  });
});
