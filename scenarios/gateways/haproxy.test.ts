// The HAProxy driver against the real HAProxy (Debian package): handshake-time verification only.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gatewaySetup, parseEcho, type RunningGateway } from './driver';
import { haproxyDriver } from './haproxy';
import { availability, curl, issueTestPki, nodeH2, nodeHttps, opensslSubject, type TestPki } from './test-support';

const unavailable = await availability(haproxyDriver);

describe('haproxy driver: what it can express', () => {
  it('refuses per-location requirements, client OCSP and a renegotiation buffer, each with its reason', () => {
    const reason = (s: Parameters<typeof haproxyDriver.supports>[0]) => (haproxyDriver.supports(s) as { reason?: string }).reason;
    expect(reason(gatewaySetup({ locations: [{ path: '/secure', verify: 'require' }] }))).toMatch(/handshake only/);
    expect(reason(gatewaySetup({ verify: 'require', ocsp: 'leaf' }))).toMatch(/OCSP/);
    expect(reason(gatewaySetup({ verify: 'require', renegotiationBufferBytes: 1 }))).toMatch(/never renegotiates/);
    expect(haproxyDriver.supports(gatewaySetup({ verify: 'require', crl: true, http2: true }))).toBe(true);
  });
});

describe.skipIf(!!unavailable)(`haproxy driver against the real HAProxy${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  let t: TestPki;
  let required: RunningGateway; // verify required + crl-file + h2
  let optional: RunningGateway; // verify optional, no CRL

  beforeAll(async () => {
    t = await issueTestPki();
    [required, optional] = await Promise.all([
      haproxyDriver.start(gatewaySetup({ verify: 'require', crl: true, http2: true }), t.pki),
      haproxyDriver.start(gatewaySetup({ verify: 'optional' }), t.pki),
    ]);
  });
  afterAll(async () => {
    await Promise.all([required, optional].map((g) => g?.stop()));
    t?.cleanup();
  });

  it('verify required + no certificate: the handshake fails (no HTTP response at all)', async () => {
    const c12 = await curl(t, `${required.url}/echo`, { tls: '1.2' });
    expect(c12.exitCode).not.toBe(0);
    expect(c12.status).toBe(0);
    expect(c12.stderr).toMatch(/alert|handshake/i);
    const n13 = await nodeHttps(t, required.url, { tls: '1.3' });
    expect(n13.kind).toBe('error');
    expect(required.logs()).toMatch(/SSL handshake failure/);
  });

  it('valid certificate: 200, ssl_c_verify 0, subject as OpenSSL prints it, serial and SHA-1 thumbprint', async () => {
    const r = await curl(t, `${required.url}/echo`, { cert: t.files('client-valid-rsa') });
    expect(r.status).toBe(200);
    const echo = parseEcho(r.body);
    const c = t.pki.get('client-valid-rsa');
    expect(echo).toMatchObject({ verify: 'SUCCESS', verifyDetail: '0', thumbprint: c.thumbprint, serial: c.serialNumber });
    expect(echo.subject).toBe(await opensslSubject(t, 'client-valid-rsa'));
  });

  it('crl-file: the revoked certificate fails the handshake; without a CRL it is accepted', async () => {
    const revoked = await curl(t, `${required.url}/echo`, { cert: t.files('client-revoked'), tls: '1.2' });
    expect(revoked.exitCode).not.toBe(0);
    expect(revoked.status).toBe(0);
    const withoutCrl = await curl(t, `${optional.url}/echo`, { cert: t.files('client-revoked') });
    expect(withoutCrl.status).toBe(200);
    expect(parseEcho(withoutCrl.body).verify).toBe('SUCCESS');
  });

  it('untrusted issuer: the handshake fails even with verify optional', async () => {
    for (const g of [required, optional]) {
      const r = await curl(t, `${g.url}/echo`, { cert: t.files('client-untrusted-issuer'), tls: '1.2' });
      expect(r.exitCode).not.toBe(0);
      expect(r.status).toBe(0);
    }
  });

  it('verify optional + no certificate: 200 with NONE', async () => {
    const r = await curl(t, `${optional.url}/echo`);
    expect(r.status).toBe(200);
    expect(parseEcho(r.body)).toMatchObject({ verify: 'NONE', thumbprint: null, subject: null });
  });

  it('h2 with the certificate from the handshake; the body is read in full', async () => {
    const n = await nodeH2(t, required.url, { cert: 'client-valid-ec' });
    expect(n).toMatchObject({ kind: 'response', status: 200 });
    if (n.kind === 'response') expect(parseEcho(n.body)).toMatchObject({ verify: 'SUCCESS', httpVersion: 'HTTP/2.0' });
    const r = await curl(t, `${required.url}/upload`, { cert: t.files('client-valid-ec'), bodyBytes: 128 * 1024, http2: true });
    expect(r.status).toBe(200);
    expect(parseEcho(r.body)).toMatchObject({ method: 'POST', bodyBytes: 128 * 1024, contentLength: 128 * 1024 });
  });
});
