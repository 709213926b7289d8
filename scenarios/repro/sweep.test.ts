import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startReproEmulators, type ReproGateways } from './endpoints';
import { parseSize } from './size';
import { endpointProber, sweepBodySize, type SweepProbe } from './sweep';

describe('parseSize', () => {
  it('reads bytes, binary k/KiB/m/MiB and decimal KB/MB', () => {
    expect(parseSize('131073')).toBe(131073);
    expect(parseSize('64k')).toBe(64 * 1024);
    expect(parseSize('64K')).toBe(64 * 1024);
    expect(parseSize('64KiB')).toBe(64 * 1024);
    expect(parseSize('1m')).toBe(1024 * 1024);
    expect(parseSize('1MiB')).toBe(1024 * 1024);
    expect(parseSize('60KB')).toBe(60_000);
    expect(parseSize('1.5k')).toBe(1536);
  });
  it('refuses what is not a size, saying what is accepted', () => {
    expect(() => parseSize('12q')).toThrow(/not a size: expected bytes/);
    expect(() => parseSize('')).toThrow(/not a size/);
    expect(() => parseSize('0.3k')).toThrow(/whole number of bytes/);
  });
});

describe('sweepBodySize (the search alone)', () => {
  const threshold = (edge: number, kind: SweepProbe['kind'] = 'stall') => async (bytes: number): Promise<SweepProbe> =>
    ({ bytes, kind: bytes > edge ? kind : 'ok', outcome: bytes > edge ? kind : 'response', ms: 1 });

  it('finds an edge exactly, in about log2(range) probes', async () => {
    for (const edge of [1024, 1025, 5000, 61440, 1048575]) {
      const r = await sweepBodySize({ min: 1024, max: 1048576, probeSize: threshold(edge) });
      expect(r.edge).toEqual({ lastOk: edge, firstBad: edge + 1, kind: 'stall' });
      expect(r.probes.length).toBeLessThanOrEqual(2 + Math.ceil(Math.log2(1048576 - 1024)));
    }
  });
  it('names a 413 edge as such', async () => {
    const r = await sweepBodySize({ min: 1024, max: 262144, probeSize: threshold(131072, '413') });
    expect(r.edge).toEqual({ lastOk: 131072, firstBad: 131073, kind: '413' });
    expect(r.summary).toContain('refused with 413');
  });
  it('says so when the edge is outside the range', async () => {
    expect((await sweepBodySize({ min: 1024, max: 4096, probeSize: threshold(10_000) })).edge).toBeUndefined();
    const below = await sweepBodySize({ min: 1024, max: 4096, probeSize: threshold(100) });
    expect(below.edge).toBeUndefined();
    expect(below.summary).toMatch(/already at 1024 bytes/);
  });
});

describe('sweep against the emulator', () => {
  let g: ReproGateways;
  beforeAll(async () => {
    g = await startReproEmulators({ tier: 'developer', protocol: 'h1', bufferBytes: 20000, gatewayTimeoutMs: 5000 });
  });
  afterAll(async () => {
    await g?.close();
  });

  it('finds the configured renegotiation buffer: 20000 answered, 20001 stalls', async () => {
    const min = 16 * 1024;
    const max = 24 * 1024;
    const r = await sweepBodySize({ min, max, probeSize: endpointProber(g.negotiateOff, { method: 'POST', stallWindowMs: 500 }) });
    expect(r.edge).toEqual({ lastOk: 20000, firstBad: 20001, kind: 'stall' });
    expect(r.probes.length).toBeLessThanOrEqual(2 + Math.ceil(Math.log2(max - min)));
    // each stalling probe was decided by the stall window, not by a hard timeout
    for (const p of r.probes.filter((x) => x.kind === 'stall')) expect(p.ms).toBeLessThan(2500);
  });
});
