// Apache's renegotiation buffer edge, byte exact: a body of SSLRenegBufferSize bytes is buffered and the request
// renegotiates; one byte more is refused with 413 before any renegotiation (mod_ssl docs: default 131072).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apacheDriver } from './apache';
import { gatewaySetup, parseEcho, type RunningGateway } from './driver';
import { availability, curl, issueTestPki, type TestPki } from './test-support';

const unavailable = await availability(apacheDriver);

describe.skipIf(!!unavailable)(`Apache SSLRenegBufferSize edge${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  let t: TestPki;
  let byDefault: RunningGateway;
  let configured: RunningGateway;

  beforeAll(async () => {
    t = await issueTestPki();
    [byDefault, configured] = await Promise.all([
      apacheDriver.start(gatewaySetup({ locations: [{ path: '/secure', verify: 'require' }] }), t.pki),
      apacheDriver.start(gatewaySetup({ locations: [{ path: '/secure', verify: 'require' }], renegotiationBufferBytes: 65536 }), t.pki),
    ]);
  });
  afterAll(async () => {
    await Promise.all([byDefault, configured].map((g) => g?.stop()));
    t?.cleanup();
  });

  const post = (g: RunningGateway, bytes: number) => curl(t, `${g.url}/secure/upload`, { cert: t.files('client-valid-rsa'), tls: '1.2', bodyBytes: bytes });

  it("default buffer: 131072 bytes → 200 with the certificate, 131073 → 413", async () => {
    expect(byDefault.config).not.toMatch(/SSLRenegBufferSize/);
    const at = await post(byDefault, 131072);
    expect(at.status).toBe(200);
    expect(parseEcho(at.body)).toMatchObject({ verify: 'SUCCESS', bodyBytes: 131072 });
    const over = await post(byDefault, 131073);
    expect(over.status).toBe(413);
    expect(byDefault.logs()).toMatch(/AH02018/);
  });

  it('renegotiationBufferBytes 65536: 65536 → 200, 65537 → 413', async () => {
    expect(configured.config).toMatch(/SSLRenegBufferSize 65536/);
    expect((await post(configured, 65536)).status).toBe(200);
    expect((await post(configured, 65537)).status).toBe(413);
  });
});
