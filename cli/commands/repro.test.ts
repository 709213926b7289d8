// `certgate repro sweep --target apache` against the real Apache httpd: the binary search finds SSLRenegBufferSize's
// documented edge (131072 bytes answered after renegotiation, 131073 refused with 413 — mod_ssl docs).
import { describe, expect, it } from 'vitest';
import { apacheDriver } from '../../scenarios/gateways/apache';
import { nginxDriver } from '../../scenarios/gateways/nginx';
import { runReproSweep, type SweepFlags } from './repro';

const apache = await apacheDriver.detect();
const nginx = await nginxDriver.detect();
const base: SweepFlags = { target: 'apache', tier: 'developer', stallWindow: 1000, min: 1024, max: 1024 * 1024, method: 'POST' };

function capture() {
  let out = '';
  let err = '';
  return { io: { out: (t: string) => void (out += t), err: (t: string) => void (err += t) }, text: () => ({ out, err }) };
}

describe('certgate repro sweep against real gateways', () => {
  it.skipIf('unavailable' in apache)(`--target apache finds the 413 edge at 131072/131073${'unavailable' in apache ? ` (skipped: ${apache.unavailable})` : ''}`, async () => {
    const c = capture();
    const code = await runReproSweep(base, c.io);
    expect(c.text().err).toBe('');
    expect(code).toBe(0);
    expect(c.text().out).toContain('edge: 131072 bytes answered, 131073 bytes is refused with 413');
    expect(c.text().out).toMatch(/first refused size: 131073\n/);
  });

  it.skipIf('unavailable' in apache)('--buffer sets SSLRenegBufferSize: the edge moves to 65536/65537', async () => {
    const c = capture();
    expect(await runReproSweep({ ...base, min: 32 * 1024, max: 96 * 1024, buffer: 65536 }, c.io)).toBe(0);
    expect(c.text().out).toContain('edge: 65536 bytes answered, 65537 bytes is refused with 413');
  });

  it.skipIf('unavailable' in nginx)('--target nginx: exit 2, nginx cannot ask for the certificate per request', async () => {
    const c = capture();
    expect(await runReproSweep({ ...base, target: 'nginx' }, c.io)).toBe(2);
    expect(c.text().err).toMatch(/nginx cannot run the negotiate-off repro: .*first handshake/);
  });
});
