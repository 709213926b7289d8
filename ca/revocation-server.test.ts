// The revocation server over real loopback HTTP, checked with `openssl ocsp -url` and `openssl crl`, plus the fault
// switches, bad input and the promise that no route serves key material.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createPrivateKey } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pemToDer } from './der';
import { parseCrl } from './crl-parser';
import { buildOcspRequest } from './ocsp-request';
import { parseOcspResponse } from './ocsp-response';
import { startRevocationServer, type RevocationServer } from './revocation-server';
import { makeTestPki, opensslAsync, type TestCa, type TestPki } from './revocation-test-pki';

let pki: TestPki;
let server: RevocationServer;
beforeAll(async () => {
  pki = makeTestPki();
  // rsa-ca answers OCSP with the CA key, ec-ca through its delegated signer.
  server = await startRevocationServer({ authorities: [pki.rsa.authority, pki.ec.delegated], largeCrlEntries: 2000 });
});
afterAll(async () => {
  await server?.close();
  pki?.cleanup();
});

const ocspCli = (ca: TestCa, leafFile: string, url: string, extra: string[] = []) =>
  opensslAsync(['ocsp', '-issuer', 'ca.pem', '-cert', leafFile, '-url', url, '-CAfile', 'ca.pem', '-timeout', '5', ...extra], { cwd: ca.dir });

const post = (url: string, body: Buffer) => fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/ocsp-request' } });

describe('OCSP with openssl ocsp -url', () => {
  it.each([
    ['rsa', 'CA-signed'],
    ['ec', 'delegated signer'],
  ] as const)('%s CA (%s): good, revoked with reason and time, unknown; nonce checked; per-CA and shared URL', async (which, _signedBy) => {
    const ca = pki[which];
    for (const url of [server.ocspUrl(ca.authority.name), server.ocspUrl()]) {
      const good = await ocspCli(ca, 'good.pem', url);
      expect(good.code, good.out).toBe(0);
      expect(good.out).toContain('good.pem: good');
      expect(good.out).toContain('Response verify OK');
      expect(good.out).not.toContain('nonce'); // openssl warns "WARNING: no nonce in response" when it is not echoed
      const revoked = await ocspCli(ca, 'revoked.pem', url);
      expect(revoked.out).toContain('revoked.pem: revoked');
      expect(revoked.out).toContain('Reason: keyCompromise');
      expect(revoked.out).toMatch(/Revocation Time: \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4} GMT/);
      expect(revoked.out).toContain('Response verify OK');
      const unknown = await ocspCli(ca, 'unknown.pem', url);
      expect(unknown.out).toContain('unknown.pem: unknown');
      expect(unknown.out).toContain('Response verify OK');
    }
  });

  it('-no_nonce works, and the delegated signer verifies with -VAfile / -verify_other too', async () => {
    const ca = pki.ec;
    const plain = await ocspCli(ca, 'revoked-high.pem', server.ocspUrl('ec-ca'), ['-no_nonce']);
    expect(plain.out).toContain('revoked-high.pem: revoked');
    expect(plain.out).toContain('Reason: superseded');
    const va = await opensslAsync(['ocsp', '-issuer', 'ca.pem', '-cert', 'good.pem', '-url', server.ocspUrl('ec-ca'), '-VAfile', 'signer.pem'], { cwd: ca.dir });
    expect(va.out).toContain('good.pem: good');
    expect(va.out).toContain('Response verify OK');
    const other = await ocspCli(ca, 'good.pem', server.ocspUrl('ec-ca'), ['-verify_other', 'signer.pem']);
    expect(other.out).toContain('Response verify OK');
  });

  it('a CA path answers unauthorized for another CA’s certificate', async () => {
    const r = await ocspCli(pki.ec, 'good.pem', server.ocspUrl('rsa-ca'));
    expect(r.out).toContain('Responder Error: unauthorized (6)');
  });

  it('GET /ocsp/<ca>/<url-encoded base64> and GET /ocsp/<base64> answer like POST', async () => {
    const ca = pki.ec;
    const b64 = buildOcspRequest(ca.leaves.revoked.der, ca.authority.certDer, { hash: 'sha256' }).toString('base64');
    for (const url of [`${server.ocspUrl('ec-ca')}/${encodeURIComponent(b64)}`, `${server.url}/ocsp/${encodeURIComponent(b64)}`]) {
      const res = await fetch(url);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/ocsp-response');
      const der = Buffer.from(await res.arrayBuffer());
      writeFileSync(join(ca.dir, 'get.der'), der);
      const check = await opensslAsync(['ocsp', '-respin', 'get.der', '-issuer', 'ca.pem', '-sha256', '-cert', 'revoked.pem', '-CAfile', 'ca.pem', '-no_nonce'], { cwd: ca.dir });
      expect(check.out).toContain('revoked.pem: revoked');
      expect(check.out).toContain('Response verify OK');
    }
  });

  it('garbage gets malformedRequest, and the next valid request is answered', async () => {
    for (const body of [Buffer.from('not an ocsp request'), Buffer.alloc(0), Buffer.from([0x30, 0x84, 0xff, 0xff, 0xff, 0xff])]) {
      const res = await post(server.ocspUrl('rsa-ca'), body);
      expect(parseOcspResponse(Buffer.from(await res.arrayBuffer())).status).toBe('malformedRequest');
    }
    const get = await fetch(`${server.ocspUrl()}/%%%not-base64`);
    expect(parseOcspResponse(Buffer.from(await get.arrayBuffer())).status).toBe('malformedRequest');
    const good = await ocspCli(pki.rsa, 'good.pem', server.ocspUrl('rsa-ca'));
    expect(good.out).toContain('good.pem: good');
  });

  it('HTTP errors for what is not OCSP: 404 unknown path or CA, 405 wrong method, 413 body too large', async () => {
    expect((await fetch(`${server.url}/nothing`)).status).toBe(404);
    expect((await fetch(`${server.url}/crl/no-such-ca.crl`)).status).toBe(404);
    expect((await post(`${server.url}/ocsp/no-such-ca/x`, Buffer.from('x'))).status).toBe(404);
    expect((await fetch(server.ocspUrl('rsa-ca'), { method: 'PUT', body: 'x' })).status).toBe(405);
    expect((await post(server.ocspUrl('rsa-ca'), Buffer.alloc(200 * 1024))).status).toBe(413);
    expect((await ocspCli(pki.rsa, 'good.pem', server.ocspUrl('rsa-ca'))).out).toContain('good.pem: good');
  });

  it('keeps connections alive', async () => {
    const res = await fetch(server.crlUrl('rsa-ca'));
    await res.arrayBuffer();
    expect(res.headers.get('connection')).toBe('keep-alive');
  });
});

describe('CRLs over HTTP', () => {
  it('serves current, PEM, expired and large CRLs that openssl reads and verifies', async () => {
    for (const ca of [pki.rsa, pki.ec]) {
      const name = ca.authority.name;
      const current = await fetch(server.crlUrl(name));
      expect(current.headers.get('content-type')).toBe('application/pkix-crl');
      const der = Buffer.from(await current.arrayBuffer());
      writeFileSync(join(ca.dir, 'served.crl'), der);
      const check = await opensslAsync(['crl', '-inform', 'DER', '-in', 'served.crl', '-noout', '-CAfile', 'ca.pem'], { cwd: ca.dir });
      expect(check.out).toContain('verify OK');
      const crl = parseCrl(der);
      expect(crl.lookup(ca.leaves.revoked.serialHex)?.reason).toBe('keyCompromise');
      expect(crl.nextUpdate!.getTime()).toBeGreaterThan(Date.now());

      const pem = await (await fetch(`${server.crlUrl(name)}.pem`)).text();
      expect(pemToDer(pem, 'X509 CRL')[0]!.equals(der)).toBe(true);

      const expired = parseCrl(Buffer.from(await (await fetch(server.crlUrl(name, 'expired'))).arrayBuffer()));
      expect(expired.nextUpdate!.getTime()).toBeLessThan(Date.now());
      expect(expired.verifySignature(ca.authority.certDer)).toBe(true);

      const large = parseCrl(Buffer.from(await (await fetch(server.crlUrl(name, 'large'))).arrayBuffer()));
      expect(large.entries).toBe(2000 + ca.authority.revoked.length);
      expect(large.lookup(ca.leaves.revoked.serialHex)).toBeDefined();
      expect(large.lookup(ca.leaves.good.serialHex)).toBeUndefined();
    }
  });

  it('no route returns private key material', async () => {
    // The secret parts of every key (RSA d, p, q; EC d), as raw big-endian bytes.
    const secrets = [pki.rsa.caKeyPem, pki.ec.caKeyPem, pki.rsa.signerKeyPem, pki.ec.signerKeyPem].flatMap((pem) => {
      const jwk = createPrivateKey(pem).export({ format: 'jwk' });
      return [jwk.d, jwk.p, jwk.q].filter((v): v is string => v !== undefined).map((v) => Buffer.from(v, 'base64url').subarray(0, 24));
    });
    expect(secrets).toHaveLength(2 * 3 + 2);
    const urls = [
      ...['rsa-ca', 'ec-ca'].flatMap((ca) => [server.crlUrl(ca), `${server.crlUrl(ca)}.pem`, server.crlUrl(ca, 'expired'), server.crlUrl(ca, 'large')]),
      `${server.url}/crl/rsa-ca.key`,
      `${server.url}/crl/ca.key`,
      `${server.url}/rsa-ca/ca.key`,
      `${server.url}/crl/..%2Fca.key`,
      `${server.url}/ocsp/rsa-ca/key`,
    ];
    const bodies = await Promise.all(urls.map(async (u) => Buffer.from(await (await fetch(u)).arrayBuffer())));
    bodies.push(Buffer.from(await (await post(server.ocspUrl('ec-ca'), buildOcspRequest(pki.ec.leaves.good.der, pki.ec.authority.certDer))).arrayBuffer()));
    for (const body of bodies) {
      expect(body.toString('latin1')).not.toContain('PRIVATE KEY');
      for (const secret of secrets) expect(body.includes(secret)).toBe(false);
    }
  });
});

describe('fault switches', () => {
  const statusOf = async (ca: 'rsa' | 'ec') => {
    const res = await post(server.ocspUrl(), buildOcspRequest(pki[ca].leaves.good.der, pki[ca].authority.certDer));
    return parseOcspResponse(Buffer.from(await res.arrayBuffer()));
  };

  it('down refuses connections; up listens again on the same port', async () => {
    const port = server.port;
    await server.faults.set({ mode: 'down' });
    const err = await new Promise<NodeJS.ErrnoException>((resolve) => {
      httpRequest(server.ocspUrl(), { method: 'POST' }).on('error', resolve).end();
    });
    expect(err.code).toBe('ECONNREFUSED');
    // Without -timeout openssl connects once (with it, it retries until the timeout).
    const cli = await opensslAsync(['ocsp', '-issuer', 'ca.pem', '-cert', 'good.pem', '-url', server.ocspUrl('rsa-ca')], { cwd: pki.rsa.dir });
    expect(cli.code).not.toBe(0);
    expect(cli.out).toContain('Connection refused');
    await server.faults.set({ mode: 'up' });
    expect(server.port).toBe(port);
    expect((await statusOf('rsa')).responses[0]!.certStatus).toBe('good');
  });

  it('down for one CA drops its connections unanswered and leaves the other CA answering', async () => {
    await server.faults.set({ mode: 'down', ca: 'ec-ca' });
    await expect(fetch(server.crlUrl('ec-ca'))).rejects.toThrow();
    expect((await fetch(server.crlUrl('rsa-ca'))).status).toBe(200);
    await server.faults.set({ mode: 'up', ca: 'ec-ca' });
    expect((await fetch(server.crlUrl('ec-ca'))).status).toBe(200);
  });

  it('slow delays the answer by at least delayMs', async () => {
    await server.faults.set({ mode: 'slow', delayMs: 400 });
    const started = Date.now();
    expect((await statusOf('ec')).responses[0]!.certStatus).toBe('good');
    expect(Date.now() - started).toBeGreaterThanOrEqual(390);
    await server.faults.clear();
  });

  it('tryLater, badSignature and staleNextUpdate are what openssl reports; per-CA faults leave the other CA alone', async () => {
    await server.faults.set({ mode: 'tryLater', ca: 'ec-ca' });
    expect((await ocspCli(pki.ec, 'good.pem', server.ocspUrl('ec-ca'))).out).toContain('Responder Error: trylater (3)');
    expect((await ocspCli(pki.rsa, 'good.pem', server.ocspUrl())).out).toContain('good.pem: good');
    expect((await fetch(server.crlUrl('ec-ca'))).status).toBe(503);

    await server.faults.set({ mode: 'badSignature', ca: 'ec-ca' });
    expect((await ocspCli(pki.ec, 'good.pem', server.ocspUrl('ec-ca'))).out).toContain('Response Verify Failure');
    expect(parseCrl(Buffer.from(await (await fetch(server.crlUrl('ec-ca'))).arrayBuffer())).verifySignature(pki.ec.authority.certDer)).toBe(false);

    await server.faults.set({ mode: 'staleNextUpdate' });
    const stale = await ocspCli(pki.rsa, 'good.pem', server.ocspUrl('rsa-ca'));
    expect(stale.out).toContain('Status times invalid');
    expect(parseCrl(Buffer.from(await (await fetch(server.crlUrl('rsa-ca'))).arrayBuffer())).nextUpdate!.getTime()).toBeLessThan(Date.now());
    // The per-CA fault wins over the global one for ec-ca.
    expect((await statusOf('ec')).verifySignature(pki.ec.authority.certDer)).toBe(false);

    await server.faults.clear();
    expect((await ocspCli(pki.ec, 'good.pem', server.ocspUrl('ec-ca'))).out).toContain('Response verify OK');
    expect(server.stats.ocsp.tryLater).toBeGreaterThan(0);
  });
});
