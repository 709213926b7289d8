import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseRunReport, serializeRunReport } from '../../reports/index';
import { attemptText, reproduceDeadlock } from './deadlock';
import { startReproEmulators, type ReproGateways } from './endpoints';

describe('repro deadlock against the emulator (stall window 1 s)', () => {
  let g: ReproGateways;
  beforeAll(async () => {
    g = await startReproEmulators({ tier: 'developer', protocol: 'h1', gatewayTimeoutMs: 3000 });
  });
  afterAll(async () => {
    await g?.close();
  });

  it('a 64 KiB POST with negotiate off stalls; negotiate on and Expect: 100-continue both avoid it', async () => {
    const r = await reproduceDeadlock({ gateways: g, protocol: 'h1', bodyBytes: 65536, stallWindowMs: 1000, targetLabel: 'emulator', profileLabel: 'apim-developer' });
    const [off, on, expect100] = r.attempts;
    expect(off!.probe!.observation.outcome).toBe('stall');
    // decided by the stall window (1 s), not by the gateway's 3 s timeout
    expect(off!.probe!.observation.durationMs).toBeGreaterThanOrEqual(1000);
    expect(off!.probe!.observation.durationMs).toBeLessThan(2500);
    // the client side saw the server ask to renegotiate (a TLS handshake record after the request)
    expect(off!.probe!.evidence.helloRequestAt).toBeDefined();
    // and the gateway says it stopped reading the body for it
    expect(off!.probe!.serverTimeline?.map((p) => p.kind)).toContain('body-reading-stopped');
    expect(on!.probe!.observation).toMatchObject({ outcome: 'response', status: 200, backendSawCertificate: true, renegotiationSeen: false });
    expect(expect100!.probe!.observation).toMatchObject({ outcome: 'response', status: 200, backendSawCertificate: true, renegotiationSeen: true });
    expect([r.reproduced, r.negotiateOnAvoids, r.expect100Avoids, r.ok]).toEqual([true, true, true, true]);

    const text = attemptText(off!, 65536, 1000);
    expect(text).toMatch(/stall window +\|/);
    expect(text).toContain('DEADLOCK REPRODUCED');
    // the report of the three requests is a valid RunReport (what the HTML renderer draws)
    expect(parseRunReport(serializeRunReport(r.report), 'repro report').results.map((x) => x.verdict)).toEqual(['pass', 'pass', 'pass']);
  });

  it('a body within the renegotiation buffer does not stall: nothing reproduced', async () => {
    const r = await reproduceDeadlock({ gateways: g, protocol: 'h1', bodyBytes: 32 * 1024, stallWindowMs: 1000, targetLabel: 'emulator', profileLabel: 'apim-developer' });
    expect(r.attempts[0]!.probe!.observation).toMatchObject({ outcome: 'response', status: 200, backendSawCertificate: true, renegotiationSeen: true });
    expect(r.reproduced).toBe(false);
    expect(r.ok).toBe(false);
  });
});
