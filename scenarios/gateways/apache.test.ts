// The Apache httpd driver against the real Apache (Debian package): per-location client certificates through
// renegotiation (TLS 1.2) and post-handshake auth (TLS 1.3), the renegotiation body buffer, h2 → HTTP_1_1_REQUIRED.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apacheDriver } from './apache';
import { gatewaySetup, parseEcho, type RunningGateway } from './driver';
import { availability, curl, issueTestPki, nodeH2, nodeHttps, opensslSubject, type TestPki } from './test-support';

const unavailable = await availability(apacheDriver);

describe.skipIf(!!unavailable)(`apache driver against the real Apache httpd${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  let t: TestPki;
  let perLocation: RunningGateway; // vhost none, /secure require, h2 on
  let defaultDepth: RunningGateway; // vhost require, SSLVerifyDepth left at Apache's default

  beforeAll(async () => {
    t = await issueTestPki();
    [perLocation, defaultDepth] = await Promise.all([
      apacheDriver.start(gatewaySetup({ verify: 'none', locations: [{ path: '/secure', verify: 'require' }], http2: true }), t.pki),
      apacheDriver.start(gatewaySetup({ verify: 'require', verifyDepth: undefined }), t.pki),
    ]);
  });
  afterAll(async () => {
    await Promise.all([perLocation, defaultDepth].map((g) => g?.stop()));
    t?.cleanup();
  });

  it('outside the location nothing is asked: 200 with NONE', async () => {
    const r = await curl(t, `${perLocation.url}/open`, { cert: t.files('client-valid-rsa'), tls: '1.2' });
    expect(r.status).toBe(200);
    expect(parseEcho(r.body)).toMatchObject({ verify: 'NONE', thumbprint: null, path: '/open' });
  });

  it('TLS 1.2 to the location: Apache renegotiates and the certificate arrives (subject as OpenSSL prints it)', async () => {
    const r = await curl(t, `${perLocation.url}/secure/echo`, { cert: t.files('client-valid-rsa'), tls: '1.2' });
    expect(r.status).toBe(200);
    const echo = parseEcho(r.body);
    expect(echo).toMatchObject({ verify: 'SUCCESS', tlsVersion: 'TLSv1.2', thumbprint: t.pki.get('client-valid-rsa').thumbprint });
    expect(echo.subject).toBe(await opensslSubject(t, 'client-valid-rsa'));
    expect(perLocation.logs()).toMatch(/AH02221: Requesting connection re-negotiation/);
  });

  it('POST 128 KiB to the location → 200 (body buffered, then renegotiation); 129 KiB → 413 with AH02018', async () => {
    const ok = await curl(t, `${perLocation.url}/secure/upload`, { cert: t.files('client-valid-ec'), tls: '1.2', bodyBytes: 128 * 1024 });
    expect(ok.status).toBe(200);
    expect(parseEcho(ok.body)).toMatchObject({ verify: 'SUCCESS', bodyBytes: 128 * 1024 });
    const tooBig = await curl(t, `${perLocation.url}/secure/upload`, { cert: t.files('client-valid-ec'), tls: '1.2', bodyBytes: 129 * 1024 });
    expect(tooBig.status).toBe(413);
    expect(perLocation.logs()).toMatch(/AH02018/);
  });

  it('h2 to the location: the stream is reset with HTTP_1_1_REQUIRED (0xd); curl then retries over HTTP/1.1', async () => {
    const n = await nodeH2(t, perLocation.url, { cert: 'client-valid-rsa', path: '/secure/echo' });
    expect(n).toEqual({ kind: 'reset', rstCode: 0xd });
    const c = await curl(t, `${perLocation.url}/secure/echo`, { cert: t.files('client-valid-rsa'), http2: true, verbose: true });
    expect(c.stderr).toMatch(/HTTP_1_1_REQUIRED/);
    expect(c.status).toBe(200);
    expect(parseEcho(c.body)).toMatchObject({ verify: 'SUCCESS', httpVersion: 'HTTP/1.1' });
    // The same h2 connection serves paths that need no certificate.
    const open = await nodeH2(t, perLocation.url, { path: '/open' });
    expect(open).toMatchObject({ kind: 'response', status: 200 });
  });

  it('TLS 1.3: a client without post-handshake auth (Node) gets 403 with AH10158; curl (PHA) gets the certificate through', async () => {
    const n = await nodeHttps(t, perLocation.url, { cert: 'client-valid-rsa', tls: '1.3', path: '/secure/echo' });
    expect(n).toMatchObject({ kind: 'response', status: 403 });
    expect(perLocation.logs()).toMatch(/AH10158/);
    const c = await curl(t, `${perLocation.url}/secure/echo`, { cert: t.files('client-valid-rsa'), tls: '1.3' });
    expect(c.status).toBe(200);
    expect(parseEcho(c.body)).toMatchObject({ verify: 'SUCCESS', tlsVersion: 'TLSv1.3' });
  });

  it("Apache's default SSLVerifyDepth (1) refuses a leaf under an intermediate (AH02040 chain too long)", async () => {
    expect(defaultDepth.config).not.toMatch(/SSLVerifyDepth/);
    const r = await curl(t, `${defaultDepth.url}/echo`, { cert: t.files('client-valid-rsa'), tls: '1.2' });
    expect(r.status).not.toBe(200);
    expect(defaultDepth.logs()).toMatch(/AH02040: Certificate Verification: Certificate Chain too long/);
  });
});
