// Hostile TLS and HTTP input against the emulator (issue 7): each attack gets the right answer (an alert, a 400 or
// 431, a close) within a bound, and a well-behaved mTLS client running alongside keeps getting 200 throughout.
// The emulator runs in this process with the lab PKI (support/lab.ts): hostname 1 negotiates the certificate in
// the first handshake, hostname 2 has negotiate off (renegotiation on demand).
import { randomBytes } from 'node:crypto';
import { Agent as HttpsAgent } from 'node:https';
import { connect as netConnect } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LONG_FUZZ } from '../fc';
import { pemToDer, derToPem } from '../../ca/der';
import { buildOcspRequest } from '../../ca/ocsp-request';
import { parseOcspResponse } from '../../ca/ocsp-response';
import { HTTP2_PROPERTY } from '../../emulator/config/schema';
import { startEmulator, type RunningEmulator } from '../../emulator/index';
import { startGoodClient, httpsGet, type GoodClient } from './support/client';
import { fdCount, labConfig, RESPONDER_HEADERS_TIMEOUT_MS, startLab, type Lab } from './support/lab';
import { captureClientHello, certificateList, garbage, rawExchange, sendCertificateMessage, withServerName, RECORD_ALERT } from './support/tls-raw';

const HANDSHAKE_TIMEOUT_MS = 1500;
let lab: Lab;
let emu: RunningEmulator;
let port: number; // negotiate on
let good: GoodClient;

beforeAll(async () => {
  lab = await startLab();
  emu = await startEmulator(labConfig(lab, { withNegotiateOff: true, emulation: { handshakeTimeoutMs: HANDSHAKE_TIMEOUT_MS, renegotiationTimeoutMs: 1000 } }));
  port = emu.hostnames[0]!.port;
  // Sanity: the good client is good before any attack.
  const a = await httpsGet(`${emu.url}/validate/ping`, lab.client('client-valid-ec'));
  expect(a.status).toBe(200);
}, 120_000);

afterAll(async () => {
  await emu?.close();
  await lab?.close();
});

/** Runs `attack` with the good client looping alongside; asserts the good client saw only 200s. */
async function underAttack<T>(attack: () => Promise<T>): Promise<T> {
  good = startGoodClient(emu.url, lab.client('client-valid-ec'));
  let result: T;
  try {
    result = await attack();
  } finally {
    const seen = await good.stop();
    expect(seen.failures, `good client failures during the attack: ${seen.failures.slice(0, 5).join(' | ')}`).toEqual([]);
    expect(seen.ok).toBeGreaterThan(0);
  }
  return result!;
}

async function inBatches<T>(items: readonly T[], size: number, run: (item: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(run));
}

describe('garbage and cut-short handshakes', () => {
  it('random bytes: every connection is closed by the server within 2 s', async () => {
    await underAttack(async () => {
      const outcomes = await Promise.all(Array.from({ length: 100 }, (_, i) => rawExchange(port, garbage(`emulator-${i}`, 1 + ((i * 97) % 4096)), 3000)));
      const open = outcomes.filter((o) => o.closedAfterMs === undefined || o.closedAfterMs > 2000);
      expect(open).toEqual([]);
    });
  });

  it('a real ClientHello cut at every length, then closed by the client: no crash, nothing left open', async () => {
    const hello = await captureClientHello({ maxVersion: 'TLSv1.3' });
    expect(hello.length).toBeGreaterThan(100);
    const before = emu.connections().filter((c) => c.open).length;
    await underAttack(() => inBatches(Array.from({ length: hello.length - 1 }, (_, i) => i + 1), 50, async (n) => {
      await rawExchange(port, hello.subarray(0, n), 3000, { endAfterWrite: true });
    }));
    await new Promise((r) => setTimeout(r, 200));
    // Cut handshakes never become open connections in the emulator's books.
    expect(emu.connections().filter((c) => c.open).length).toBeLessThanOrEqual(before);
  }, 60_000);

  it('a ClientHello cut short and held open: the server drops it after its handshake timeout', async () => {
    const hello = await captureClientHello();
    const cuts = [1, 5, 9, Math.floor(hello.length / 2), hello.length - 1];
    const outcomes = await underAttack(() => Promise.all(cuts.map((n) => rawExchange(port, hello.subarray(0, n), HANDSHAKE_TIMEOUT_MS + 3000))));
    for (const o of outcomes) {
      expect(o.closedAfterMs, 'closed by the server').toBeDefined();
      expect(o.closedAfterMs!).toBeLessThan(HANDSHAKE_TIMEOUT_MS + 1500);
    }
  });

  it('a 60 KB SNI host name in a hand-built ClientHello: refused with a TLS alert and closed, within 2 s', async () => {
    const hello = withServerName(await captureClientHello({ maxVersion: 'TLSv1.2' }), `${'a'.repeat(63)}.`.repeat(960) + 'example');
    expect(hello.length).toBeGreaterThan(60_000);
    const o = await underAttack(() => rawExchange(port, hello, 4000));
    expect(o.closedAfterMs).toBeDefined();
    expect(o.closedAfterMs!).toBeLessThan(2000);
    expect(o.recordTypes).toContain(RECORD_ALERT);
    // unrecognized_name (112), or decode_error (50) / illegal_parameter (47) for a name over 255 bytes.
    expect(o.alerts.some((a) => [112, 50, 47].includes(a))).toBe(true);
  });
});

describe('client certificates', () => {
  it('a chain of 300 extra certificates (≈ 200 KB): refused in the handshake (excessive message) within 2 s', async () => {
    const client = lab.client('client-valid-ec');
    const junk = [...lab.pki.certificates.values()].map((c) => c.certPem);
    const cert = client.cert + Array.from({ length: 300 }, (_, i) => junk[i % junk.length]).join('');
    expect(cert.length).toBeGreaterThan(200_000);
    const started = performance.now();
    const result = await underAttack(() => httpsGet(`${emu.url}/validate/big-chain`, { ...client, cert }, { timeoutMs: 5000 }).then((a) => `status ${a.status}`, (e: Error) => e.message));
    expect(performance.now() - started).toBeLessThan(3000);
    // OpenSSL's default max_cert_list is 100 KiB: the server must refuse, not process 300 certificates.
    expect(result).toMatch(/alert|socket hang up|ECONNRESET|excessive|other side closed/i);
  });

  it('a chain of 100 extra unrelated certificates (under the 100 KiB limit): validated in bounded time, the right leaf', async () => {
    const client = lab.client('client-valid-ec');
    const junk = [...lab.pki.certificates.values()].filter((c) => !c.name.startsWith('client-valid')).map((c) => c.certPem);
    const cert = client.cert + Array.from({ length: 100 }, (_, i) => junk[i % junk.length]).join('');
    const a = await underAttack(() => httpsGet(`${emu.url}/verify/long-list`, { ...client, cert }, { timeoutMs: 10_000 }));
    expect(a.status).toBe(200);
    expect(a.headers['x-verify-no-revocation']).toBe('True');
    expect(a.ms).toBeLessThan(5000);
  });

  it('a certificate whose signature does not verify: the handshake completes (key matches), policies refuse it', async () => {
    const client = lab.client('client-valid-ec');
    const der = pemToDer(client.cert, 'CERTIFICATE')[0]!;
    const broken = Buffer.from(der);
    broken[broken.length - 5] ^= 0x55; // inside the signature BIT STRING
    const rest = pemToDer(client.cert, 'CERTIFICATE').slice(1).map((d) => derToPem(d, 'CERTIFICATE')).join('');
    const auth = { ...client, cert: derToPem(broken, 'CERTIFICATE') + rest };
    const [validate, verify] = await underAttack(() => Promise.all([httpsGet(`${emu.url}/validate/x`, auth), httpsGet(`${emu.url}/verify/x`, auth)]));
    expect(validate.status).toBe(401);
    expect(verify.headers['x-verify']).toBe('False');
    expect(verify.headers['x-verify-no-revocation']).toBe('False');
  });

  it('truncated DER in a hand-built Certificate message: a TLS alert and a close within 2 s', async () => {
    const hello = await captureClientHello({ maxVersion: 'TLSv1.2' });
    const der = lab.pki.get('client-valid-ec').certDer;
    const results = await underAttack(() => Promise.all([
      sendCertificateMessage(port, hello, certificateList([der.subarray(0, der.length - 40)]), 4000),
      sendCertificateMessage(port, hello, certificateList([Buffer.from([0x30, 0x82, 0xff, 0xff, 1, 2, 3])]), 4000),
      // List length says more than what follows.
      sendCertificateMessage(port, hello, Buffer.concat([Buffer.from([0, 0x10, 0]), certificateList([der]).subarray(3)]), 4000),
    ]));
    for (const r of results) {
      expect(r.sawServerHelloDone).toBe(true);
      expect(r.closedAfterMs).toBeDefined();
      expect(r.closedAfterMs!).toBeLessThan(2000);
      expect(r.recordTypes).toContain(RECORD_ALERT);
      // decode_error (50) or bad_certificate (42): the DER is refused as such, not a record-layer complaint.
      expect(r.alerts.some((a) => a === 50 || a === 42)).toBe(true);
    }
  });
});

describe('HTTP', () => {
  function rawHttps(payload: string | Buffer, waitMs: number): Promise<{ text: string; closedAfterMs?: number }> {
    return new Promise((resolve) => {
      const c = lab.client('client-valid-ec');
      const s = tlsConnect({ port, host: '127.0.0.1', servername: 'localhost', cert: c.cert, key: c.key, ca: c.ca });
      let text = '';
      let sentAt = 0;
      const timer = setTimeout(() => { s.destroy(); resolve({ text }); }, waitMs);
      s.on('secureConnect', () => { s.write(payload); sentAt = performance.now(); });
      s.on('data', (d: Buffer) => { text += d.toString('latin1'); });
      s.on('close', () => { clearTimeout(timer); resolve({ text, closedAfterMs: performance.now() - sentAt }); });
      s.on('error', () => undefined);
    });
  }

  it('a header block over the limit: 431 and a close', async () => {
    const big = `GET /open/x HTTP/1.1\r\nHost: localhost\r\nX-Big: ${'a'.repeat(64 * 1024)}\r\n\r\n`;
    const r = await underAttack(() => rawHttps(big, 5000));
    expect(r.text).toMatch(/^HTTP\/1\.1 431 /);
    expect(r.closedAfterMs).toBeDefined();
  });

  it('a malformed request line: 400 and a close', async () => {
    const r = await underAttack(() => rawHttps('GET /open/x HTTP/9.Z\r\n\u0000\r\n\r\n', 5000));
    expect(r.text).toMatch(/^HTTP\/1\.1 400 /);
    expect(r.closedAfterMs).toBeDefined();
  });

  it('slowloris (50 connections trickling header bytes): the good client is not starved', async () => {
    const c = lab.client('client-valid-ec');
    const sockets: TLSSocket[] = [];
    await underAttack(async () => {
      for (let i = 0; i < 50; i++) {
        const s = tlsConnect({ port, host: '127.0.0.1', servername: 'localhost', cert: c.cert, key: c.key, ca: c.ca });
        s.on('error', () => undefined);
        sockets.push(s);
      }
      const line = 'GET /open/x HTTP/1.1\r\nHost: localhost\r\nX-Slow: ';
      for (let i = 0; i < 30; i++) {
        for (const s of sockets) if (s.writable) s.write(line[i % line.length]!);
        await new Promise((r) => setTimeout(r, 100));
      }
    });
    for (const s of sockets) s.destroy();
  });
});

/** Opens a TLS connection and trickles request header bytes every `everyMs`; resolves with ms until the server closed it. */
function trickle(toPort: number, everyMs: number, giveUpMs: number, alpn?: string[]): Promise<number> {
  const c = lab.client('client-valid-ec');
  const started = performance.now();
  return new Promise<number>((resolve) => {
    const s = tlsConnect({ port: toPort, host: '127.0.0.1', servername: 'localhost', cert: c.cert, key: c.key, ca: c.ca, ALPNProtocols: alpn });
    const line = 'GET /open/x HTTP/1.1\r\nHost: localhost\r\nX-Slow: ' + 'a'.repeat(100_000);
    let i = 0;
    const timer = setInterval(() => { if (s.writable) s.write(line[i++ % line.length]!); }, everyMs);
    const giveUp = setTimeout(() => { clearInterval(timer); s.destroy(); }, giveUpMs);
    s.on('error', () => undefined);
    s.on('close', () => { clearInterval(timer); clearTimeout(giveUp); resolve(performance.now() - started); });
  });
}

// The slowloris bound (emulator/front/tls-server.ts headerBounds): a connection that has not delivered complete
// request headers within emulation.headersTimeoutMs is answered 408 and closed within 1.25 × that + 1 s (Node's
// check runs every quarter of it; the client then has 1 s to read the answer). Before the fix the server answered
// with a half-close a non-reading client never saw, and the HTTP/2 server's HTTP/1.1 fallback had no bound at all:
// measured once, a trickling client was still connected after 120 s. The bound is made small through the setting.
describe('slowloris bound (emulation.headersTimeoutMs)', () => {
  const HEADERS_TIMEOUT_MS = 1200;
  const BOUND_MS = HEADERS_TIMEOUT_MS * 1.25 + 1000 + 1000; // + the 1 s read grace + 1 s for a loaded CI machine
  let fast: RunningEmulator;
  let fastH2: RunningEmulator;
  beforeAll(async () => {
    const emulation = { handshakeTimeoutMs: HANDSHAKE_TIMEOUT_MS, renegotiationTimeoutMs: 1000, headersTimeoutMs: HEADERS_TIMEOUT_MS };
    fast = await startEmulator(labConfig(lab, { withNegotiateOff: true, emulation }));
    fastH2 = await startEmulator({ ...labConfig(lab, { emulation }), customProperties: { [HTTP2_PROPERTY]: 'True' } });
  }, 60_000);
  afterAll(async () => {
    await fast?.close();
    await fastH2?.close();
  });

  it('HTTP/1.1 server, both hostnames: a client trickling header bytes is closed after headersTimeoutMs, within the bound', async () => {
    const closed = await Promise.all(fast.hostnames.map((h) => trickle(h.port, 100, 10_000)));
    for (const ms of closed) {
      expect(ms).toBeGreaterThanOrEqual(HEADERS_TIMEOUT_MS - 100);
      expect(ms).toBeLessThan(BOUND_MS);
    }
  });

  it('HTTP/2 server, HTTP/1.1 fallback connection: the same bound; a well-behaved client on it is unaffected', async () => {
    const ms = await trickle(fastH2.hostnames[0]!.port, 100, 10_000, ['http/1.1']);
    expect(ms).toBeGreaterThanOrEqual(HEADERS_TIMEOUT_MS - 100);
    expect(ms).toBeLessThan(BOUND_MS);
    // Requests spread over more than the bound on one keep-alive connection still get their answers.
    const agent = new HttpsAgent({ keepAlive: true, maxSockets: 1, ...lab.client('client-valid-ec') });
    try {
      for (let i = 0; i < 4; i++) {
        const r = await httpsGet(`${fastH2.url}/open/x`, lab.client('client-valid-ec'), { agent });
        expect(r.status).toBe(200);
        await new Promise((resolve) => setTimeout(resolve, HEADERS_TIMEOUT_MS / 2));
      }
    } finally {
      agent.destroy();
    }
  });
});

// With the default setting (20 s) the bound is 26 s from the first header byte (sent here after 1 s), + 1 s for a
// loaded machine: checked in long mode only (CERTGATE_LONG_FUZZ=1). Measured once: 27.0 s.
describe.runIf(LONG_FUZZ)('slowloris bound, default setting (long mode)', () => {
  it('a client trickling one header byte per second is closed within 28 s of connecting (1 s + 20 s × 1.25 + 1 s grace + 1 s)', async () => {
    const closedAfter = await trickle(port, 1000, 120_000);
    console.log(`slowloris closed after ${(closedAfter / 1000).toFixed(1)} s`);
    expect(closedAfter).toBeLessThan(28_000);
  }, 130_000);
});

describe('renegotiation started by the client', () => {
  function renegotiateLoop(times: number): Promise<{ completed: number; closed: boolean; error?: string }> {
    return new Promise((resolve) => {
      const c = lab.client('client-valid-ec');
      const s = tlsConnect({ port, host: '127.0.0.1', servername: 'localhost', cert: c.cert, key: c.key, ca: c.ca, maxVersion: 'TLSv1.2' });
      let completed = 0;
      let error: string | undefined;
      const timer = setTimeout(() => { s.destroy(); resolve({ completed, closed: false, error }); }, 8000);
      s.on('error', (e: NodeJS.ErrnoException) => { error ??= e.code ?? e.message; });
      s.on('close', () => { clearTimeout(timer); resolve({ completed, closed: true, error }); });
      const next = (): void => {
        if (completed >= times) { s.end(); return; }
        const ok = s.renegotiate({ rejectUnauthorized: false }, (err) => {
          if (err) { error ??= err.message; return; }
          completed++;
          // Keep the connection busy with data so the server processes each renegotiation.
          s.write('GET /open/x HTTP/1.1\r\nHost: localhost\r\n\r\n');
          setTimeout(next, 20);
        });
        if (!ok) error ??= 'renegotiate() refused locally';
      };
      s.on('secureConnect', next);
      s.on('data', () => undefined);
    });
  }

  it('one connection renegotiating 10 times: the server cuts it off after its limit (Node: 3 per 10 min)', async () => {
    const r = await underAttack(() => renegotiateLoop(10));
    expect(r.closed).toBe(true);
    expect(r.completed).toBeLessThan(10);
  });

  it('a flood of 20 connections renegotiating in a loop: all cut off, the good client unaffected', async () => {
    const results = await underAttack(() => Promise.all(Array.from({ length: 20 }, () => renegotiateLoop(10))));
    for (const r of results) {
      expect(r.closed).toBe(true);
      expect(r.completed).toBeLessThan(10);
    }
  }, 30_000);
});

describe('connection churn', () => {
  it('10,000 connections opened and dropped (200 at a time): bounded time, no descriptor growth', async () => {
    const settle = () => new Promise((r) => setTimeout(r, 500));
    await settle();
    const fdsBefore = await fdCount();
    const started = performance.now();
    await underAttack(() => inBatches(Array.from({ length: 10_000 }, (_, i) => i), 200, (i) => new Promise<void>((resolve) => {
      const s = netConnect({ port, host: '127.0.0.1' });
      s.on('error', () => resolve());
      s.on('close', () => resolve());
      // Half of them send a byte first, so both the TCP accept and the TLS read path see the drop.
      s.on('connect', () => (i % 2 ? s.end(Buffer.from([0x16])) : s.destroy()));
    })));
    const ms = performance.now() - started;
    await settle();
    const fdsAfter = await fdCount();
    console.log(`10,000 connections in ${ms.toFixed(0)} ms; descriptors ${fdsBefore} → ${fdsAfter}`);
    expect(ms).toBeLessThan(60_000);
    expect(fdsAfter - fdsBefore).toBeLessThan(20);
    // And the emulator still answers.
    expect((await httpsGet(`${emu.url}/validate/after-churn`, lab.client('client-valid-ec'))).status).toBe(200);
  }, 120_000);
});

describe('the CRL/OCSP responder (ca/revocation-server.ts) under hostile input', () => {
  /** A well-behaved OCSP + CRL client looping alongside; every answer must be a good OCSP status and a CRL. */
  async function responderUnderAttack(attack: () => Promise<void>): Promise<void> {
    const leaf = lab.pki.get('client-valid-ec');
    const ocspBody = buildOcspRequest(leaf.certDer, lab.pki.get('intermediate-ca').certDer);
    let running = true;
    let ok = 0;
    const failures: string[] = [];
    const loop = (async () => {
      while (running) {
        try {
          const o = await fetch(lab.revocation.ocspUrl('intermediate-ca'), { method: 'POST', body: ocspBody, headers: { 'content-type': 'application/ocsp-request' } });
          const parsed = parseOcspResponse(Buffer.from(await o.arrayBuffer()));
          const crl = await fetch(lab.revocation.crlUrl('intermediate-ca'));
          const crlBytes = Buffer.from(await crl.arrayBuffer());
          if (parsed.status === 'successful' && parsed.responses[0]?.certStatus === 'good' && crl.status === 200 && crlBytes[0] === 0x30) ok++;
          else failures.push(`ocsp ${parsed.status}, crl ${crl.status}`);
        } catch (err) {
          failures.push((err as Error).message);
        }
      }
    })();
    try {
      await attack();
    } finally {
      running = false;
      await loop;
    }
    expect(failures).toEqual([]);
    expect(ok).toBeGreaterThan(0);
  }

  const responderPort = () => lab.revocation.port;

  it('random bytes: closed within 2 s (an HTTP 400 at most)', async () => {
    await responderUnderAttack(async () => {
      const outcomes = await Promise.all(Array.from({ length: 100 }, (_, i) => rawExchange(responderPort(), garbage(`responder-${i}`, 1 + ((i * 131) % 4096)), 3000)));
      expect(outcomes.filter((o) => o.closedAfterMs === undefined || o.closedAfterMs > 2000)).toEqual([]);
    });
  });

  it('half a request line (slowloris): closed after the header timeout, the responder keeps serving', async () => {
    await responderUnderAttack(async () => {
      const outcomes = await Promise.all(['G', 'GET /crl/root-ca.crl HTTP/1.1\r\nHost: x\r\n'].map((p) => rawExchange(responderPort(), Buffer.from(p), 5000)));
      for (const o of outcomes) {
        expect(o.closedAfterMs).toBeDefined();
        expect(o.closedAfterMs!).toBeGreaterThan(RESPONDER_HEADERS_TIMEOUT_MS * 0.9);
        expect(o.closedAfterMs!).toBeLessThan(RESPONDER_HEADERS_TIMEOUT_MS * 1.25 + 1000);
      }
    });
  });

  it('a header block over the limit and a 1 MiB OCSP POST: refused, closed, the responder keeps serving', async () => {
    await responderUnderAttack(async () => {
      const big = await rawExchange(responderPort(), Buffer.from(`GET /crl/root-ca.crl HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(64 * 1024)}\r\n\r\n`), 3000);
      expect(big.closedAfterMs).toBeDefined();
      const post = await fetch(lab.revocation.ocspUrl(), { method: 'POST', body: randomBytes(1024 * 1024), headers: { 'content-type': 'application/ocsp-request' } }).then((r) => r.status, (e: Error) => e.message);
      expect([413, 'fetch failed']).toContain(post);
    });
  });

  it('garbage OCSP bodies by POST and GET: malformedRequest, never a server error', async () => {
    await responderUnderAttack(async () => {
      for (let i = 0; i < 50; i++) {
        const body = randomBytes(1 + i * 7);
        const viaPost = await fetch(lab.revocation.ocspUrl('intermediate-ca'), { method: 'POST', body, headers: { 'content-type': 'application/ocsp-request' } });
        const viaGet = await fetch(`${lab.revocation.ocspUrl()}/${encodeURIComponent(body.toString('base64'))}`);
        for (const r of [viaPost, viaGet]) {
          expect(r.status).toBe(200);
          expect(parseOcspResponse(Buffer.from(await r.arrayBuffer())).status).toBe('malformedRequest');
        }
      }
    });
  });
});
