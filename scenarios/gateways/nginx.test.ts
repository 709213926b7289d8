// The nginx driver against the real nginx (Debian package): generated configs, real TLS, curl and Node clients.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gatewaySetup, parseEcho, type RunningGateway } from './driver';
import { nginxDriver } from './nginx';
import { availability, curl, issueTestPki, nodeH2, opensslSubject, type TestPki } from './test-support';

const unavailable = await availability(nginxDriver);

describe('nginx driver: what it can express', () => {
  it('refuses per-location requirements with the reason (nginx has no renegotiation)', () => {
    const r = nginxDriver.supports(gatewaySetup({ verify: 'none', locations: [{ path: '/secure', verify: 'require' }] }));
    expect(r).not.toBe(true);
    expect((r as { reason: string }).reason).toMatch(/first handshake/);
    expect(nginxDriver.supports(gatewaySetup({ verify: 'require', locations: [{ path: '/x', verify: 'require' }] }))).toBe(true);
  });
});

describe.skipIf(!!unavailable)(`nginx driver against the real nginx${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  let t: TestPki;
  let strict: RunningGateway; // on + CRL + h2
  let noCrl: RunningGateway; // on, no CRL
  let optional: RunningGateway;
  let optionalNoCa: RunningGateway;

  beforeAll(async () => {
    t = await issueTestPki();
    [strict, noCrl, optional, optionalNoCa] = await Promise.all([
      nginxDriver.start(gatewaySetup({ verify: 'require', crl: true, http2: true }), t.pki),
      nginxDriver.start(gatewaySetup({ verify: 'require' }), t.pki),
      nginxDriver.start(gatewaySetup({ verify: 'optional' }), t.pki),
      nginxDriver.start(gatewaySetup({ verify: 'optional-no-ca' }), t.pki),
    ]);
  });
  afterAll(async () => {
    await Promise.all([strict, noCrl, optional, optionalNoCa].map((g) => g?.stop()));
    t?.cleanup();
  });

  it('on + no certificate: the handshake completes and nginx answers 400 "No required SSL certificate was sent"', async () => {
    const r = await curl(t, `${strict.url}/echo`);
    expect(r.exitCode).toBe(0);
    expect(r.status).toBe(400);
    expect(r.body).toContain('No required SSL certificate was sent');
  });

  it('on + valid certificate: 200, SUCCESS, the subject as OpenSSL prints it (RFC 2253), serial and SHA-1 thumbprint', async () => {
    const r = await curl(t, `${strict.url}/echo`, { cert: t.files('client-valid-rsa') });
    expect(r.status).toBe(200);
    const echo = parseEcho(r.body);
    const c = t.pki.get('client-valid-rsa');
    expect(echo.verify).toBe('SUCCESS');
    expect(echo.subject).toBe(await opensslSubject(t, 'client-valid-rsa'));
    expect(echo.thumbprint).toBe(c.thumbprint);
    expect(echo.serial).toBe(c.serialNumber);
    expect(echo.httpVersion).toBe('HTTP/1.1');
  });

  it('on + certificate from an untrusted root: 400 "The SSL certificate error"', async () => {
    const r = await curl(t, `${strict.url}/echo`, { cert: t.files('client-untrusted-issuer') });
    expect(r.status).toBe(400);
    expect(r.body).toContain('The SSL certificate error');
  });

  it('revoked certificate: rejected with the CRL file, accepted without it', async () => {
    const withCrl = await curl(t, `${strict.url}/echo`, { cert: t.files('client-revoked') });
    expect(withCrl.status).toBe(400);
    expect(withCrl.body).toContain('The SSL certificate error');
    expect(strict.logs()).toMatch(/certificate revoked/);
    const without = await curl(t, `${noCrl.url}/echo`, { cert: t.files('client-revoked') });
    expect(without.status).toBe(200);
    expect(parseEcho(without.body).verify).toBe('SUCCESS');
  });

  it('optional: no certificate → the request proceeds with NONE; an untrusted one is still refused', async () => {
    const none = await curl(t, `${optional.url}/echo`);
    expect(none.status).toBe(200);
    expect(parseEcho(none.body)).toMatchObject({ verify: 'NONE', subject: null, thumbprint: null });
    const untrusted = await curl(t, `${optional.url}/echo`, { cert: t.files('client-untrusted-issuer') });
    expect(untrusted.status).toBe(400);
  });

  it('optional_no_ca: an untrusted certificate proceeds as FAILED with its reason', async () => {
    const r = await curl(t, `${optionalNoCa.url}/echo`, { cert: t.files('client-untrusted-issuer') });
    expect(r.status).toBe(200);
    const echo = parseEcho(r.body);
    expect(echo.verify).toBe('FAILED');
    expect(echo.verifyDetail).toMatch(/^FAILED:/);
    expect(echo.thumbprint).toBe(t.pki.get('client-untrusted-issuer').thumbprint);
  });

  it('h2 with a certificate from the first handshake works (curl and Node http2)', async () => {
    const r = await curl(t, `${strict.url}/echo`, { cert: t.files('client-valid-ec'), http2: true });
    expect(r.status).toBe(200);
    expect(r.httpVersion).toBe('2');
    expect(parseEcho(r.body)).toMatchObject({ verify: 'SUCCESS', httpVersion: 'HTTP/2.0', thumbprint: t.pki.get('client-valid-ec').thumbprint });
    const n = await nodeH2(t, strict.url, { cert: 'client-valid-ec' });
    expect(n.kind).toBe('response');
    if (n.kind === 'response') {
      expect(n.status).toBe(200);
      expect(parseEcho(n.body).verify).toBe('SUCCESS');
    }
  });

  it('reads the whole POST body before answering (128 KiB and 1 MiB counted)', async () => {
    for (const size of [131072, 1 << 20]) {
      const r = await curl(t, `${strict.url}/upload`, { cert: t.files('client-valid-rsa'), bodyBytes: size });
      expect(r.status).toBe(200);
      expect(parseEcho(r.body)).toMatchObject({ method: 'POST', path: '/upload', contentLength: size, bodyBytes: size });
    }
  });

  it('an awkward subject (escaped comma, leading space, multi-valued RDN, non-ASCII) arrives exactly as OpenSSL prints it', async () => {
    const r = await curl(t, `${strict.url}/echo`, { cert: t.files('client-awkward-dn') });
    expect(r.status).toBe(200);
    const echo = parseEcho(r.body);
    // nginx 1.22 uses OpenSSL's RFC 2253 flags as `openssl x509 -nameopt RFC2253` does: non-ASCII as \C3\AB escapes.
    expect(echo.subject).toBe(await opensslSubject(t, 'client-awkward-dn'));
    expect(echo.thumbprint).toBe(t.pki.get('client-awkward-dn').thumbprint);
  });

  it('stop() ends the process, removes the directory and keeps the logs', async () => {
    const g = await nginxDriver.start(gatewaySetup({ verify: 'none' }), t.pki);
    const { existsSync } = await import('node:fs');
    const dir = /ssl_certificate (\S+)\/server-chain\.pem/.exec(g.config)![1]!;
    expect(existsSync(dir)).toBe(true);
    await g.stop();
    expect(existsSync(dir)).toBe(false);
    expect(g.logs()).toMatch(/nginx\/1\.\d+/);
    const after = await curl(t, `${g.url}/echo`);
    expect(after.exitCode).not.toBe(0);
  });
});
