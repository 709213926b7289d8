// The scenario → gateway mapping, pure. Besides single cases, one cross-check between two independently written
// sides: a gateway profile (the oracle, from the server's docs) answers a scenario exactly when the mapping can
// express its setup and the driver supports it — otherwise a profile would claim what no run can check, or a run
// would start gateways the profile has no answer for.

import { describe, expect, it } from 'vitest';
import { loadCatalogue } from '../catalogue';
import { expectationFor, getProfile } from '../profiles';
import { Setup, type PolicyRef } from '../schema';
import { GATEWAY_PROFILE_OF } from '../targets/gateway-target';
import type { ConcreteSetup } from '../targets/target';
import { apacheConfig, apacheDriver } from './apache';
import { setupProblems, type GatewayDriver } from './driver';
import { haproxyConfig, haproxyDriver } from './haproxy';
import { nginxConfig, nginxDriver } from './nginx';
import { mapSetup } from './setup-mapping';

const setup = (input: Record<string, unknown>): ConcreteSetup => ({ ...Setup.parse(input), tier: 'developer', ...(input.tier ? { tier: input.tier } : {}) }) as ConcreteSetup;
const forward: PolicyRef = { library: 'forward-certificate', params: {} };

function mapped(s: ConcreteSetup) {
  const m = mapSetup(s, 'nginx');
  if ('skip' in m) throw new Error(`unexpected skip: ${m.skip}`);
  return m.setup;
}

describe('mapSetup: APIM classic settings in a gateway’s terms', () => {
  it('negotiate on: asked in the first handshake, any issuer let through (optional-no-ca), certificate forwarded', () => {
    const g = mapped(setup({ negotiateClientCertificate: true, policy: forward }));
    expect(g).toMatchObject({ verify: 'optional-no-ca', locations: [], forwardCertificate: true, crl: false, ocsp: 'off' });
  });

  it('negotiate off + a policy reading the certificate: asked per request for the whole API (a location at /)', () => {
    const g = mapped(setup({ negotiateClientCertificate: false, policy: forward }));
    expect(g.verify).toBe('none');
    expect(g.locations).toEqual([{ path: '/', verify: 'optional-no-ca' }]);
    expect(nginxDriver.supports(g)).toMatchObject({ reason: expect.stringMatching(/first handshake/) });
    expect(haproxyDriver.supports(g)).toMatchObject({ reason: expect.stringMatching(/handshake only/) });
    expect(apacheDriver.supports(g)).toBe(true);
  });

  it('policy none: nothing asked with negotiate off, nothing forwarded either way', () => {
    expect(mapped(setup({ negotiateClientCertificate: false }))).toMatchObject({ verify: 'none', locations: [], forwardCertificate: false });
    expect(mapped(setup({ negotiateClientCertificate: true }))).toMatchObject({ verify: 'optional-no-ca', forwardCertificate: false });
  });

  it('http2 and tls13 become the protocol settings; emulation knobs change nothing', () => {
    expect(mapped(setup({ http2: true, tls13: true }))).toMatchObject({ http2: true, tlsMax: '1.3' });
    expect(mapped(setup({ http2: false, tls13: false }))).toMatchObject({ http2: false, tlsMax: '1.2' });
    const plain = mapped(setup({ negotiateClientCertificate: false, policy: forward }));
    expect(mapped(setup({ negotiateClientCertificate: false, policy: forward, emulation: { deadlockTimeoutMs: 5, renegotiationBodyThreshold: 7 } }))).toEqual(plain);
  });

  it('CA uploads become the CA file: Root-store roots anchor, CertificateAuthority-store intermediates help build chains', () => {
    expect(mapped(setup({ negotiateClientCertificate: true, caCertificates: [{ certificate: 'root-ca', store: 'Root' }] })).trustedCas).toEqual(['root-ca']);
    const both = setup({ negotiateClientCertificate: true, caCertificates: [{ certificate: 'root-ca', store: 'Root' }, { certificate: 'intermediate-ca', store: 'CertificateAuthority' }] });
    expect(mapped(both).trustedCas).toEqual(['root-ca', 'intermediate-ca']);
    // Intermediates alone anchor nothing in OpenSSL (no partial chains): every certificate would fail, unlike APIM.
    const m = mapSetup(setup({ caCertificates: [{ certificate: 'intermediate-ca', store: 'CertificateAuthority' }] }), 'haproxy');
    expect(m).toMatchObject({ skip: expect.stringMatching(/CertificateAuthority store without a Root-store upload .* no haproxy counterpart/) });
  });

  it('skips what no gateway has, naming the gateway and the APIM feature', () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ tier: 'standardv2' }, /standardv2 tier's certificate setting .* no apache counterpart/],
      [{ tier: 'consumption' }, /consumption tier/],
      [{ applicationGateway: 'strict' }, /Application Gateway .* no apache counterpart/],
      [{ uploadedCertificates: [{ id: 'x', certificate: 'valid-rsa', format: 'cer' }] }, /uploaded certificates/],
      [{ policy: { library: 'documented-thumbprint', params: { thumbprint: 'AB' } } }, /documented-thumbprint compares the thumbprint .* apache only verifies/],
      [{ policy: { xml: '<policies/>', readsCertificate: true } }, /inline APIM policy has no apache counterpart/],
    ];
    for (const [input, reason] of cases) expect(mapSetup(setup(input), 'apache'), JSON.stringify(input)).toMatchObject({ skip: expect.stringMatching(reason) });
  });

  it('the self-hosted gateway negotiates per hostname like the classic tiers', () => {
    expect(mapSetup(setup({ tier: 'selfhosted', negotiateClientCertificate: true }), 'nginx')).toMatchObject({ setup: { verify: 'optional-no-ca' } });
  });
});

const ROOT_AND_INTERMEDIATES = [
  { certificate: 'root-ca', store: 'Root' },
  { certificate: 'intermediate-ca', store: 'CertificateAuthority' },
  { certificate: 'long-chain-intermediates', store: 'CertificateAuthority' },
];
const validate = (params: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  setup({ negotiateClientCertificate: true, caCertificates: ROOT_AND_INTERMEDIATES, policy: { library: 'validate-client-certificate', params }, ...extra });

describe('mapSetup: validate-client-certificate is the server verifying in the handshake', () => {
  it('every check on (the defaults): require, the CRL file, the uploaded CAs as the CA file, the certificate forwarded', () => {
    expect(mapped(validate({}))).toMatchObject({
      verify: 'require',
      locations: [],
      crl: true,
      ocsp: 'off',
      forwardCertificate: true,
      trustedCas: ['root-ca', 'intermediate-ca', 'sub-intermediate-ca'],
    });
  });

  it('negotiate off: required per request at "/" — Apache renegotiates, nginx and HAProxy cannot', () => {
    const g = mapped(validate({}, { negotiateClientCertificate: false }));
    expect(g).toMatchObject({ verify: 'none', locations: [{ path: '/', verify: 'require' }], crl: true });
    expect(apacheDriver.supports(g)).toBe(true);
    expect(nginxDriver.supports(g)).toMatchObject({ reason: expect.stringMatching(/first handshake/) });
  });

  it('skips each attribute combination no server configuration means, naming the attribute', () => {
    const thumb = { thumbprint: { of: 'valid-rsa', take: 'thumbprint' } };
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ identities: [thumb] }, /with identities \(1\) matches particular certificates; nginx only verifies the chain/],
      [{ 'ignore-error': true }, /ignore-error="true"/],
      [{ 'validate-trust': false, 'validate-revocation': false }, /validate-trust="false" .* cannot require one without verifying its issuer/],
      [{ 'validate-not-before': false }, /validate-not-before="false" .* always checks it/],
      [{ 'validate-not-after': false }, /validate-not-after="false"/],
    ];
    for (const [params, reason] of cases) expect(mapSetup(validate(params), 'nginx'), JSON.stringify(params)).toMatchObject({ skip: expect.stringMatching(reason) });
    const noRoot = setup({ negotiateClientCertificate: true, policy: { library: 'validate-client-certificate', params: {} } });
    expect(mapSetup(noRoot, 'nginx')).toMatchObject({ skip: expect.stringMatching(/none is uploaded/) });
  });

  it('validate-revocation="false" verifies without the CRL file (a revoked certificate passes there, unlike with "true")', () => {
    expect(mapSetup(validate({ 'validate-revocation': false }), 'apache')).toMatchObject({ setup: { verify: 'require', crl: false } });
    expect(mapSetup(validate({ 'validate-revocation': true }), 'apache')).toMatchObject({ setup: { verify: 'require', crl: true } });
  });

  it('the choice is visible in each server’s configuration (require + the CRL file)', () => {
    const g = mapped(validate({}));
    const d = '/nonexistent/certgate';
    const files = { serverChain: `${d}/c.pem`, serverKey: `${d}/k.pem`, serverCombined: `${d}/ck.pem`, caBundle: `${d}/ca.pem`, crlBundle: `${d}/crl.pem`, trustedCaNames: g.trustedCas! };
    const io = { setup: g, files, dir: d, host: '127.0.0.1', port: 1 };
    const nginx = nginxConfig({ ...io, runAsRoot: false });
    expect(nginx).toMatch(/ssl_verify_client on;\s+ssl_client_certificate \/nonexistent\/certgate\/ca\.pem;/);
    expect(nginx).toContain(`ssl_crl ${d}/crl.pem;`);
    const apache = apacheConfig({ ...io, moduleDir: d });
    for (const line of [`SSLCACertificateFile "${d}/ca.pem"`, `SSLCARevocationFile "${d}/crl.pem"`, 'SSLCARevocationCheck chain', 'SSLVerifyClient require']) expect(apache).toContain(line);
    expect(haproxyConfig(io)).toMatch(/ca-file \/nonexistent\/certgate\/ca\.pem verify required crl-file \/nonexistent\/certgate\/crl\.pem/);
  });
});

describe('profiles and mapping agree over the whole catalogue', () => {
  const catalogue = loadCatalogue();
  const drivers: GatewayDriver[] = [nginxDriver, apacheDriver, haproxyDriver];
  for (const driver of drivers) {
    const profile = getProfile(GATEWAY_PROFILE_OF[driver.name]);
    it(`${profile.id}: answers exactly the scenarios ${driver.name} can express, and every mapped setup is valid`, () => {
      let answered = 0;
      for (const s of catalogue) {
        const e = expectationFor(profile, s);
        const m = mapSetup({ ...s.setup, tier: profile.tier } as ConcreteSetup, driver.name);
        const expressible = !('skip' in m) && driver.supports(m.setup) === true;
        if (!('skip' in m)) expect(setupProblems(m.setup), s.id).toEqual([]);
        // A profile may still skip an expressible scenario for a documented gap (wrong-usage certificates) or because
        // the scenario is written for other APIM tiers, but it must never answer one the gateway cannot be configured for.
        if (!('skip' in e)) {
          answered++;
          expect(expressible, `${s.id}: ${profile.id} answers it, but ${'skip' in m ? m.skip : 'the driver does not support the mapped setup'}`).toBe(true);
        } else if (expressible) {
          expect(e.skip, `${s.id}: expressible on ${driver.name} but skipped by ${profile.id}`).toMatch(/do not say|does not say|follows the APIM classic tiers/);
        }
      }
      expect(answered).toBeGreaterThanOrEqual(driver.name === 'apache' ? 100 : 40);
    });
  }
});
