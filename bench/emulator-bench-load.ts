// Load generator for bench/emulator-bench.ts, run in its own process so it does not share a core's event loop with
// the server under test. Reads one JSON job from argv[2], prints one JSON result line.
//   new-connections: every request on a fresh mTLS connection (full handshake, no session reuse)
//   keep-alive:      requests over a fixed pool of kept-alive mTLS connections (undici)
//   hold:            opens `connections` keep-alive mTLS connections, prints "held", waits for stdin to close
//   interleave:      keep-alive load on `urls` in turn, `phases` phases of `phaseMs` each, pools warmed first; prints
//                    "start <phase> <target>" and "done <phase> <target> <ok>" around each phase and waits for a line on
//                    stdin after each, so the parent can read the server's CPU time at the phase's edges
import { readFileSync } from 'node:fs';
import { request as httpsRequest, Agent as HttpsAgent } from 'node:https';
import { createSecureContext } from 'node:tls';
import { Agent, Client, request } from 'undici';

interface Job {
  readonly mode: 'new-connections' | 'keep-alive' | 'hold' | 'interleave';
  readonly urls?: readonly string[];
  readonly phases?: number;
  readonly phaseMs?: number;
  readonly url: string;
  readonly caFile: string;
  readonly certFile: string;
  readonly keyFile: string;
  readonly concurrency: number;
  readonly durationMs: number;
  readonly connections?: number;
}

const job = JSON.parse(process.argv[2]!) as Job;
const ca = readFileSync(job.caFile);
const cert = readFileSync(job.certFile);
const key = readFileSync(job.keyFile);

async function newConnections(): Promise<{ ok: number; failed: number; statuses: Record<number, number> }> {
  // One secure context for all connections (per-connect cert/key costs ~45% more: node-tls-notes.md).
  const secureContext = createSecureContext({ ca, cert, key, maxVersion: 'TLSv1.2' });
  const statuses: Record<number, number> = {};
  let ok = 0;
  let failed = 0;
  const end = Date.now() + job.durationMs;
  const one = (): Promise<void> => new Promise((resolve) => {
    const options = { agent: false as unknown as HttpsAgent, secureContext, servername: 'localhost', headers: { connection: 'close' } };
    const req = httpsRequest(job.url, options as Parameters<typeof httpsRequest>[1], (res) => {
      statuses[res.statusCode ?? 0] = (statuses[res.statusCode ?? 0] ?? 0) + 1;
      res.resume();
      res.on('end', () => { ok++; resolve(); });
    });
    req.on('error', () => { failed++; resolve(); });
    req.end();
  });
  await Promise.all(Array.from({ length: job.concurrency }, async () => { while (Date.now() < end) await one(); }));
  return { ok, failed, statuses };
}

async function keepAlive(): Promise<{ ok: number; failed: number; statuses: Record<number, number> }> {
  const agent = new Agent({ connections: job.concurrency, keepAliveTimeout: 60_000, connect: { ca, cert, key, maxVersion: 'TLSv1.2', servername: 'localhost' } });
  const statuses: Record<number, number> = {};
  let ok = 0;
  let failed = 0;
  // Warm the pool so the handshakes are not counted.
  await Promise.all(Array.from({ length: job.concurrency }, async () => { const r = await request(job.url, { dispatcher: agent }); await r.body.dump(); }));
  const end = Date.now() + job.durationMs;
  await Promise.all(Array.from({ length: job.concurrency }, async () => {
    while (Date.now() < end) {
      try {
        const r = await request(job.url, { dispatcher: agent });
        await r.body.dump();
        statuses[r.statusCode] = (statuses[r.statusCode] ?? 0) + 1;
        ok++;
      } catch {
        failed++;
      }
    }
  }));
  await agent.close();
  return { ok, failed, statuses };
}

async function hold(): Promise<void> {
  const n = job.connections ?? 1000;
  // One undici Client per connection: a pooled Agent would reuse the first idle connections instead of opening n.
  const secureContext = createSecureContext({ ca, cert, key, maxVersion: 'TLSv1.2' });
  const origin = new URL(job.url).origin;
  const clients = Array.from({ length: n }, () => new Client(origin, { keepAliveTimeout: 600_000, keepAliveMaxTimeout: 600_000, connect: { secureContext, servername: 'localhost' } as object }));
  let ok = 0;
  const wave = 50; // open in waves: a thousand simultaneous handshakes would only measure the accept queue
  for (let i = 0; i < n; i += wave) {
    await Promise.all(clients.slice(i, i + wave).map(async (c) => {
      try {
        const r = await c.request({ path: new URL(job.url).pathname, method: 'GET' });
        await r.body.dump();
        ok++;
      } catch { /* counted as not held */ }
    }));
  }
  process.stdout.write(`${JSON.stringify({ held: ok, connections: n })}\n`);
  await new Promise<void>((resolve) => { process.stdin.on('end', resolve); process.stdin.on('close', resolve); process.stdin.resume(); });
  await Promise.all(clients.map((c) => c.destroy()));
}

async function interleave(): Promise<void> {
  const urls = job.urls ?? [job.url];
  const agents = urls.map(() => new Agent({ connections: job.concurrency, keepAliveTimeout: 600_000, connect: { ca, cert, key, maxVersion: 'TLSv1.2', servername: 'localhost' } }));
  // Every pool connected (and its first requests served) before any phase: handshakes are not what is measured.
  for (let t = 0; t < urls.length; t++) {
    await Promise.all(Array.from({ length: job.concurrency * 2 }, async () => { const r = await request(urls[t]!, { dispatcher: agents[t] }); await r.body.dump(); }));
  }
  const lines = process.stdin;
  const tell = (line: string): Promise<void> => new Promise((resolve) => { process.stdout.write(`${line}\n`); lines.once('data', () => resolve()); });
  for (let k = 0; k < (job.phases ?? 20); k++) {
    const t = k % urls.length;
    await tell(`start ${k} ${t}`);
    let ok = 0;
    const end = performance.now() + (job.phaseMs ?? 500);
    await Promise.all(Array.from({ length: job.concurrency }, async () => {
      while (performance.now() < end) {
        const r = await request(urls[t]!, { dispatcher: agents[t] });
        await r.body.dump();
        if (r.statusCode === 200) ok++;
      }
    }));
    await tell(`done ${k} ${t} ${ok}`);
  }
  await Promise.all(agents.map((a) => a.close()));
}

if (job.mode === 'hold') {
  await hold();
} else if (job.mode === 'interleave') {
  await interleave();
} else {
  const started = Date.now();
  const r = job.mode === 'new-connections' ? await newConnections() : await keepAlive();
  process.stdout.write(`${JSON.stringify({ ...r, seconds: (Date.now() - started) / 1000, perSecond: r.ok / ((Date.now() - started) / 1000) })}\n`);
}
process.exit(0);
