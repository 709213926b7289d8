// Gateway container-mode benchmark: `node --import tsx bench/gateway-container-bench.ts`. Prints a table and ratios.
//
//  1. The gateway image script (scripts/docker-gateway-image.sh): a cold build (FORCE=1) and a cached check.
//  2. Per driver (nginx, Apache httpd, HAProxy): start → first TLS answer, and stop (incl. removing the work directory),
//     on the host and in a container (StartOptions.container), median of BENCH_ROUNDS rounds (default 5; min–max too).
// Needs a Docker engine (scripts/docker-engine.sh) and the three Debian packages. Figures are noisy on a shared machine.

import { execFileSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { apacheDriver } from '../scenarios/gateways/apache';
import { ensureGatewayImage } from '../scenarios/gateways/container-gateway';
import { gatewaySetup, type GatewayDriver } from '../scenarios/gateways/driver';
import { haproxyDriver } from '../scenarios/gateways/haproxy';
import { nginxDriver } from '../scenarios/gateways/nginx';
import { issueTestPki } from '../scenarios/gateways/test-support';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const fmt = (xs: number[]): string => `${median(xs).toFixed(0)} ms (${Math.min(...xs).toFixed(0)}–${Math.max(...xs).toFixed(0)})`;

function timeScript(env: Record<string, string>): { ms: number; line: string } {
  const t0 = performance.now();
  const line = execFileSync('bash', ['scripts/docker-gateway-image.sh'], { env: { ...process.env, ...env }, encoding: 'utf8' }).trim();
  return { ms: performance.now() - t0, line };
}

const cold = timeScript({ FORCE: '1' });
const warm = timeScript({});
const size = Number(execFileSync('docker', ['image', 'inspect', '-f', '{{.Size}}', 'certgate/gateways:local'], { encoding: 'utf8' }).trim());
await ensureGatewayImage(); // once per process, so the container rows below time the start only

const t = await issueTestPki();
const rows: string[][] = [];
for (const driver of [nginxDriver, apacheDriver, haproxyDriver] as GatewayDriver[]) {
  const times = { host: { start: [] as number[], stop: [] as number[] }, container: { start: [] as number[], stop: [] as number[] } };
  for (let i = 0; i < ROUNDS; i++) {
    for (const mode of ['host', 'container'] as const) {
      const t0 = performance.now();
      const g = await driver.start(gatewaySetup({ verify: 'require' }), t.pki, { container: mode === 'container' });
      const t1 = performance.now();
      await g.stop();
      times[mode].start.push(t1 - t0);
      times[mode].stop.push(performance.now() - t1);
    }
  }
  rows.push([
    driver.name,
    fmt(times.host.start),
    fmt(times.container.start),
    `${(median(times.container.start) / median(times.host.start)).toFixed(1)}×`,
    fmt(times.host.stop),
    fmt(times.container.stop),
  ]);
}
t.cleanup();

console.log(`gateway image: cold build ${(cold.ms / 1000).toFixed(1)} s, cached check ${(warm.ms / 1000).toFixed(1)} s, size ${(size / 1e6).toFixed(1)} MB`);
console.log(`  ${cold.line}\n  ${warm.line}`);
console.log(`\nstart → TLS answer and stop, median of ${ROUNDS} (min–max); load average ${loadavg()[0]!.toFixed(2)}`);
const header = ['driver', 'host start', 'container start', 'ratio', 'host stop', 'container stop'];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
for (const r of [header, ...rows]) console.log(r.map((c, i) => c.padEnd(widths[i]!)).join('  '));
