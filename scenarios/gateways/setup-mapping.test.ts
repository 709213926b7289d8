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
import { apacheDriver } from './apache';
import { setupProblems, type GatewayDriver } from './driver';
import { haproxyDriver } from './haproxy';
import { nginxDriver } from './nginx';
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

  it('Root-store CA uploads become the trusted CA list (PKI manifest names); the CertificateAuthority store is skipped', () => {
    expect(mapped(setup({ negotiateClientCertificate: true, caCertificates: [{ certificate: 'root-ca', store: 'Root' }] })).trustedCas).toEqual(['root-ca']);
    const m = mapSetup(setup({ caCertificates: [{ certificate: 'intermediate-ca', store: 'CertificateAuthority' }] }), 'haproxy');
    expect(m).toMatchObject({ skip: expect.stringMatching(/CertificateAuthority store .* no haproxy counterpart/) });
  });

  it('skips what no gateway has, naming the gateway and the APIM feature', () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ tier: 'standardv2' }, /standardv2 tier's certificate setting .* no apache counterpart/],
      [{ tier: 'consumption' }, /consumption tier/],
      [{ applicationGateway: 'strict' }, /Application Gateway .* no apache counterpart/],
      [{ uploadedCertificates: [{ id: 'x', certificate: 'valid-rsa', format: 'cer' }] }, /uploaded certificates/],
      [{ policy: { library: 'validate-client-certificate', params: {} } }, /APIM policy validate-client-certificate has no apache counterpart/],
      [{ policy: { xml: '<policies/>', readsCertificate: true } }, /inline APIM policy has no apache counterpart/],
    ];
    for (const [input, reason] of cases) expect(mapSetup(setup(input), 'apache'), JSON.stringify(input)).toMatchObject({ skip: expect.stringMatching(reason) });
  });

  it('the self-hosted gateway negotiates per hostname like the classic tiers', () => {
    expect(mapSetup(setup({ tier: 'selfhosted', negotiateClientCertificate: true }), 'nginx')).toMatchObject({ setup: { verify: 'optional-no-ca' } });
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
