// The setup → emulator configuration mapping, checked against the emulator's own configuration loader (the same
// validation `certgate emulate` applies), and the target's refusal path on a real start.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Pki } from '../../ca/index';
import { configFromObject } from '../../emulator/config/load';
import { startRunPki } from '../runner';
import { Setup, type Tier } from '../schema';
import { HTTP2_PROPERTY } from './apim-setup';
import { EmulatorTarget, emulatorConfigFor } from './emulator-target';
import { isRejected, setupKeyOf, type ConcreteSetup } from './target';

const setup = (tier: Tier, input: Record<string, unknown>): ConcreteSetup => ({ ...Setup.parse(input), tier }) as ConcreteSetup;

describe('emulator target', () => {
  let pki: Pki;
  let close: () => Promise<void>;
  beforeAll(async () => {
    ({ pki, close } = await startRunPki());
  });
  afterAll(() => close?.());

  it('applies only the certificate setting and switches the tier has', () => {
    const on = { negotiateClientCertificate: true, enableClientCertificate: true, http2: true };
    const classic = configFromObject(emulatorConfigFor(setup('premium', on), pki)).config;
    expect(classic.sku).toBe('premium');
    expect(classic.hostnameConfigurations[0]!.negotiateClientCertificate).toBe(true);
    expect(classic.enableClientCertificate).toBe(false);
    expect(classic.customProperties[HTTP2_PROPERTY]).toBe(true);
    const v2 = configFromObject(emulatorConfigFor(setup('basicv2', on), pki)).config;
    expect(v2.hostnameConfigurations[0]!.negotiateClientCertificate).toBe(false);
    expect(v2.enableClientCertificate).toBe(true);
    // Consumption has no client HTTP/2 at all: the switch is not applied (the emulator would refuse it).
    const consumption = configFromObject(emulatorConfigFor(setup('consumption', on), pki)).config;
    expect(consumption.customProperties[HTTP2_PROPERTY]).toBeUndefined();
  });

  it('uploads certificates as base64 without PEM markers, and renders the policy with real thumbprints', () => {
    const s = setup('developer', {
      uploadedCertificates: [{ id: 'c1', certificate: 'valid-rsa', format: 'cer' }, { id: 'c2', certificate: 'valid-ec', format: 'pfx' }],
      caCertificates: [{ certificate: 'root-ca', store: 'Root' }],
      policy: { library: 'validate-client-certificate', params: { identities: [{ thumbprint: { of: 'valid-ec', take: 'thumbprint' } }] } },
    });
    const c = emulatorConfigFor(s, pki);
    const cer = (c.certificates as Record<string, { cer?: string; pfx?: string }>).c1!.cer!;
    expect(cer).not.toMatch(/-----BEGIN/);
    expect(Buffer.from(cer, 'base64').equals(pki.get('client-valid-rsa').certDer)).toBe(true);
    expect((c.certificates as Record<string, { pfx?: string }>).c2!.pfx).toBeTruthy();
    expect(c.apis![0]!.policy).toContain(`thumbprint="${pki.get('client-valid-ec').thumbprint}"`);
    expect(() => configFromObject(c)).not.toThrow();
  });

  it('a setup the emulator refuses comes back as rejected with its message; distinct setups get distinct keys', async () => {
    const target = new EmulatorTarget();
    try {
      const s = setup('consumption', { caCertificates: [{ certificate: 'root-ca', store: 'Root' }] });
      const r = await target.prepare(setupKeyOf(s), s, pki);
      expect(isRejected(r) && r.rejected).toMatch(/caCertificates.*Consumption/s);
      expect(setupKeyOf(s)).not.toBe(setupKeyOf(setup('developer', { caCertificates: [{ certificate: 'root-ca', store: 'Root' }] })));
      expect(setupKeyOf(s)).toBe(setupKeyOf(setup('consumption', { caCertificates: [{ store: 'Root', certificate: 'root-ca' }] })));
    } finally {
      await target.close();
    }
  });
});
