// Memory levels off under keep-alive mTLS load (issue 7, "no memory left growing after the run"). The emulator
// runs in a child process started with --expose-gc, so its heap can be read after a full GC; this process is the
// client. The store of timelines is filled to its cap first (it is bounded by entry count, so it grows until then
// by design), then three equal rounds run; after each, with every connection closed:
//  - no TLS socket is alive in the emulator (a closed connection's entry once kept its socket and buffers),
//  - no request timeline outlives the store's cap (nothing else keeps them),
//  - heapUsed after round 3 is within 4 MiB of round 1 (≈ 1 KiB per request over the 4,000 requests between).
// Counting live objects (v8.queryObjects) is exact, so those checks do not depend on machine load; the heap margin
// is wide against GC noise (±0.3 MiB measured) and narrow against a per-request leak.
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Client } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_TIMELINE_LIMIT } from '../../emulator/front/timeline';
import { askProbe, type LiveObjects, type Usage } from './support/memory-probe';

const CHILD = fileURLToPath(new URL('./support/memory-child.ts', import.meta.url));
const MiB = 2 ** 20;
let child: ChildProcess;
let ready: { url: string; ca: string; cert: string; key: string };

const ask = <T>(msg: string): Promise<T> => askProbe<T>(child, msg);

/** `connections` keep-alive mTLS connections × `requests` each; returns the status counts. */
async function round(connections: number, requests: number, tag: string): Promise<Record<number, number>> {
  const statuses: Record<number, number> = {};
  await Promise.all(Array.from({ length: connections }, async (_, c) => {
    const client = new Client(ready.url, { connect: { ca: ready.ca, cert: ready.cert, key: ready.key, servername: 'localhost' }, pipelining: 1 });
    try {
      for (let r = 0; r < requests; r++) {
        const res = await client.request({ path: `/validate/${tag}/c${c}/r${r}`, method: 'GET' });
        await res.body.text();
        statuses[res.statusCode] = (statuses[res.statusCode] ?? 0) + 1;
      }
    } finally {
      await client.close();
    }
  }));
  return statuses;
}

/** After the clients closed: wait until the emulator has seen every connection close, then measure after a GC. */
async function settled(): Promise<Usage> {
  for (let i = 0; i < 100 && (await ask<number>('open')) > 0; i++) await new Promise((r) => setTimeout(r, 50));
  return ask<Usage>('usage-gc-only');
}

beforeAll(async () => {
  child = fork(CHILD, [], { execArgv: ['--import', 'tsx', '--expose-gc', '--disable-warning=ExperimentalWarning'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  ready = await new Promise((resolve, reject) => {
    child.once('message', (m) => resolve(m as typeof ready));
    child.once('exit', (code) => reject(new Error(`emulator child exited with ${code} before it was ready`)));
  });
}, 60_000);

afterAll(async () => {
  if (!child || child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.send('stop');
  await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
  if (child.exitCode === null) child.kill();
});

describe('emulator memory under keep-alive mTLS load', () => {
  it('levels off: no closed TLS socket kept, request timelines bounded by the cap, heap flat over three rounds', async () => {
    const CONNECTIONS = 50;
    const PER_CONNECTION = 40;
    // Fill the timeline store to its cap with the same requests as the rounds (so later rounds replace like with like).
    const fill = await round(100, Math.ceil(DEFAULT_TIMELINE_LIMIT / 100), 'fill');
    expect(fill).toEqual({ 200: 100 * Math.ceil(DEFAULT_TIMELINE_LIMIT / 100) });

    const after: Usage[] = [];
    for (let i = 1; i <= 3; i++) {
      expect(await round(CONNECTIONS, PER_CONNECTION, `round${i}`)).toEqual({ 200: CONNECTIONS * PER_CONNECTION });
      after.push(await settled());
    }
    // Counting live objects walks the heap (~1 s): once, at the end, when 150 connections have come and gone.
    const live = await ask<LiveObjects>('live');
    const table = after.map((u, i) => `round ${i + 1}: heapUsed ${(u.heapUsed / MiB).toFixed(1)} MiB, fds ${u.fds}, open ${u.connectionsOpen}`).join('\n') +
      `\nlive after round 3: TLSSockets ${live.tlsSockets}, ConnectionTimelines ${live.connectionTimelines}, RequestTimelines ${live.requestTimelines}`;
    for (const u of after) expect(u.connectionsOpen, table).toBe(0);
    expect(live.tlsSockets, `closed TLS sockets still alive in the emulator\n${table}`).toBeLessThanOrEqual(2);
    expect(live.requestTimelines, `request timelines beyond the store's cap\n${table}`).toBeLessThanOrEqual(DEFAULT_TIMELINE_LIMIT + 2);
    expect(after[2]!.fds, table).toBeLessThanOrEqual(after[0]!.fds + 2);
    expect(after[2]!.heapUsed, `heap grew from round 1 to round 3\n${table}`).toBeLessThanOrEqual(after[0]!.heapUsed + 4 * MiB);
  }, 120_000);
});
