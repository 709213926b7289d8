// Repro endpoints on a real gateway started here (nginx, Apache httpd, HAProxy through their drivers): the same two
// setups the emulator repro uses — negotiate off with a policy that reads the certificate, and negotiate on — mapped
// the way the conformance runner maps them (scenarios/gateways/setup-mapping.ts). Only Apache can express the first
// (a per-location requirement: renegotiation, with the body buffered up to SSLRenegBufferSize).

import type { GatewayDriver, StartOptions } from '../gateways/driver';
import { mapSetup } from '../gateways/setup-mapping';
import { Setup } from '../schema';
import type { ConcreteSetup } from '../targets/target';
import { startReproPair, type ReproGateways } from './endpoints';

export interface GatewayReproOptions {
  /** Apache's SSLRenegBufferSize for the negotiate-off location (default: Apache's own, 131072). */
  readonly bufferBytes?: number;
  readonly start?: StartOptions;
}

/** Two gateways of one driver sharing one PKI: negotiate off (certificate asked per request) and negotiate on. */
export async function startReproGateways(driver: GatewayDriver, o: GatewayReproOptions = {}): Promise<ReproGateways> {
  const setupFor = (negotiate: boolean) => {
    const s = { ...Setup.parse({ negotiateClientCertificate: negotiate, policy: { library: 'forward-certificate' } }), tier: 'developer' } as ConcreteSetup;
    const m = mapSetup(s, driver.name);
    if ('skip' in m) throw new Error(`${driver.name}: ${m.skip}`);
    const g = negotiate || o.bufferBytes === undefined ? m.setup : { ...m.setup, renegotiationBufferBytes: o.bufferBytes };
    const support = driver.supports(g);
    if (support !== true) throw new Error(`${driver.name} cannot run the negotiate-off repro: ${support.reason}`);
    return g;
  };
  // Both setups are checked before anything starts, so an unsupported driver fails with its reason and leaves nothing.
  const off = setupFor(false);
  const on = setupFor(true);
  return startReproPair(async (negotiate, pki, tls) => {
    const g = await driver.start(negotiate ? on : off, pki, o.start);
    return { endpoint: { label: `${driver.name} (negotiate ${negotiate ? 'on' : 'off'}) at ${g.url}`, host: '127.0.0.1', port: g.port, path: '/repro', tls }, stop: () => g.stop() };
  });
}
