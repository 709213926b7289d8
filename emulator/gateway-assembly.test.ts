// The pieces buildGateway hands the fronts, checked end to end with a hostname certificate given as files (no PKI):
// what the Application Gateway trusts for the gateway's own certificate, and the v2 header rule (apim-behaviour.md
// §7 OBS). The hierarchy root → intermediate → localhost is made by the openssl CLI; requests go through curl.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EmulatorConfigInput } from './config/schema';
import { curl } from './front/test-clients';
import { startEmulator, type RunningEmulator } from './index';

let dir: string;
const f = (name: string): string => join(dir, name);
const running: RunningEmulator[] = [];

function openssl(args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'certgate-assembly-'));
  writeFileSync(f('ca.ext'), 'basicConstraints=critical,CA:true\nkeyUsage=critical,keyCertSign,cRLSign\n');
  writeFileSync(f('leaf.ext'), 'basicConstraints=CA:false\nsubjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  const key = (name: string): void => {
    openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', `${name}.key`]);
    chmodSync(f(`${name}.key`), 0o600);
  };
  for (const n of ['root', 'inter', 'leaf']) key(n);
  openssl(['req', '-x509', '-new', '-key', 'root.key', '-subj', '/CN=Assembly Test Root', '-days', '2', '-out', 'root.pem', '-addext', 'basicConstraints=critical,CA:true', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  openssl(['req', '-new', '-key', 'inter.key', '-subj', '/CN=Assembly Test Intermediate', '-out', 'inter.csr']);
  openssl(['x509', '-req', '-in', 'inter.csr', '-CA', 'root.pem', '-CAkey', 'root.key', '-CAcreateserial', '-days', '2', '-extfile', 'ca.ext', '-out', 'inter.pem']);
  openssl(['req', '-new', '-key', 'leaf.key', '-subj', '/CN=localhost', '-out', 'leaf.csr']);
  openssl(['x509', '-req', '-in', 'leaf.csr', '-CA', 'inter.pem', '-CAkey', 'inter.key', '-CAcreateserial', '-days', '2', '-extfile', 'leaf.ext', '-out', 'leaf.pem']);
  // The hostname certificate as users usually give it: leaf + intermediate, no root.
  writeFileSync(f('chain.pem'), readFileSync(f('leaf.pem'), 'utf8') + readFileSync(f('inter.pem'), 'utf8'));
});
afterAll(async () => {
  for (const e of running) await e.close();
  rmSync(dir, { recursive: true, force: true });
});

async function start(extra: Partial<EmulatorConfigInput> & { applicationGateway?: EmulatorConfigInput['applicationGateway'] }): Promise<RunningEmulator> {
  const config = {
    sku: 'developer',
    hostnameConfigurations: [{ hostName: 'localhost', negotiateClientCertificate: false, certificate: { file: f('chain.pem'), keyFile: f('leaf.key') } }],
    apis: [{ name: 'echo', path: 'echo' }],
    listen: { host: '127.0.0.1', port: 0 },
    ...extra,
  } as EmulatorConfigInput;
  const emu = await startEmulator(config);
  running.push(emu);
  return emu;
}

const viaAppGateway = (emu: RunningEmulator, headers: string[] = []) =>
  curl({ caFile: f('root.pem'), url: `${emu.applicationGatewayUrl!}/echo/x`, extraArgs: headers.flatMap((h) => ['-H', h]) });

describe('the Application Gateway reaching a gateway whose hostname certificate is a PEM chain (no PKI)', () => {
  it('without a root to anchor at, it cannot verify the gateway (502): the intermediate alone is no trust anchor', async () => {
    const emu = await start({ applicationGateway: { mode: 'passthrough' } });
    const r = await viaAppGateway(emu);
    expect(r.status, r.body).toBe(502);
  });

  it('the instance\'s Root-store CA certificate is trusted for the gateway by default', async () => {
    const emu = await start({ caCertificates: [{ store: 'Root', certificate: { file: f('root.pem') } }], applicationGateway: { mode: 'passthrough' } });
    const r = await viaAppGateway(emu);
    expect(r.status, r.body).toBe(200);
  });

  it('applicationGateway.trustedBackendRoots names the root explicitly (v2 tiers have no Root-store CA certificates)', async () => {
    const emu = await start({ sku: 'standardv2', applicationGateway: { mode: 'passthrough', trustedBackendRoots: [{ file: f('root.pem') }] } });
    const r = await viaAppGateway(emu);
    expect(r.status, r.body).toBe(200);
  });
});

describe('a header named X-ARR-ClientCert (apim-behaviour.md §7, OBS)', () => {
  const echoOf = async (sku: string) => {
    const emu = await start({ sku: sku as EmulatorConfigInput['sku'] });
    const r = await curl({ caFile: f('root.pem'), url: `${emu.url}/echo/x`, extraArgs: ['-H', 'X-ARR-ClientCert: forwarded-pem', '-H', 'X-Client-Certificate: forwarded-pem'] });
    expect(r.status, r.body).toBe(200);
    return JSON.parse(r.body) as { headers: Record<string, string[]> };
  };

  it('arrives empty on v2 tiers; other forwarding headers arrive as sent', async () => {
    const echo = await echoOf('standardv2');
    expect(echo.headers['x-arr-clientcert']).toEqual(['']);
    expect(echo.headers['x-client-certificate']).toEqual(['forwarded-pem']);
  });

  it('arrives as sent on classic tiers', async () => {
    const echo = await echoOf('developer');
    expect(echo.headers['x-arr-clientcert']).toEqual(['forwarded-pem']);
  });
});
