// Load: N concurrent mTLS keep-alive connections × M requests each through the emulator's validate-client-certificate
// (negotiate on: the certificate comes in the handshake; revocation checked online once, then cached). Three
// processes: this orchestrator, the emulator (with the lab PKI and its CRL/OCSP responder), and the load client
// (undici, one Client per connection). Checks: every request gets exactly one response, 200, zero errors; the
// emulator's descriptors and RSS before and after the run (after a GC and a settle time).
//
//   node --import tsx bench/load.ts [--connections 1000] [--requests 100] [--settle-ms 3000]
import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from 'undici';

const arg = (name: string, fallback: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
};
const SELF = fileURLToPath(import.meta.url);

interface Ready { url: string; dir: string; pid: number }
interface Usage { fds: number; rssMiB: number; heapMiB: number; connectionsOpen: number }

async function emulatorRole(): Promise<void> {
  const { startLab, labConfig } = await import('../test/reliability/support/lab');
  const { startEmulator } = await import('../emulator/index');
  const lab = await startLab();
  const emu = await startEmulator(labConfig(lab, { emulation: { keepAliveTimeoutMs: 30_000, handshakeTimeoutMs: 10_000 } }));
  const c = lab.client('client-valid-ec');
  writeFileSync(join(lab.dir, 'client.pem'), c.cert);
  writeFileSync(join(lab.dir, 'client.key.pem'), c.key, { mode: 0o600 });
  writeFileSync(join(lab.dir, 'ca.pem'), c.ca);
  const usage = (): Usage => {
    (globalThis as { gc?: () => void }).gc?.();
    const m = process.memoryUsage();
    return { fds: readdirSync('/proc/self/fd').length, rssMiB: m.rss / 2 ** 20, heapMiB: m.heapUsed / 2 ** 20, connectionsOpen: emu.connections().filter((x) => x.open).length };
  };
  process.on('message', async (msg: string) => {
    if (msg === 'usage') process.send!(usage());
    if (msg === 'stop') {
      await emu.close();
      await lab.close();
      process.exit(0);
    }
  });
  process.send!({ url: emu.url, dir: lab.dir, pid: process.pid } satisfies Ready);
}

async function clientRole(): Promise<void> {
  const [url, dir, connections, requests] = [arg('url', ''), arg('dir', ''), Number(arg('connections', '1000')), Number(arg('requests', '100'))];
  const tls = { cert: readFileSync(join(dir, 'client.pem'), 'utf8'), key: readFileSync(join(dir, 'client.key.pem'), 'utf8'), ca: readFileSync(join(dir, 'ca.pem'), 'utf8'), servername: 'localhost' };
  let responses = 0;
  let wrongStatus = 0;
  const errors = new Map<string, number>();
  const latencies: number[] = [];
  const started = performance.now();
  await Promise.all(Array.from({ length: connections }, async (_, i) => {
    const client = new Client(url, { connect: { ...tls, timeout: 60_000 }, pipelining: 1, keepAliveTimeout: 60_000, headersTimeout: 60_000, bodyTimeout: 60_000 });
    try {
      for (let r = 0; r < requests; r++) {
        const t0 = performance.now();
        try {
          const res = await client.request({ path: `/validate/c${i}/r${r}`, method: 'GET' });
          await res.body.text();
          responses++;
          if (res.statusCode !== 200) wrongStatus++;
          if (r % 10 === 0) latencies.push(performance.now() - t0);
        } catch (err) {
          const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
          errors.set(code, (errors.get(code) ?? 0) + 1);
        }
      }
    } finally {
      await client.close().catch(() => undefined);
    }
  }));
  latencies.sort((a, b) => a - b);
  process.send!({ responses, wrongStatus, errors: Object.fromEntries(errors), ms: performance.now() - started, p50: latencies[Math.floor(latencies.length / 2)] ?? 0, p99: latencies[Math.floor(latencies.length * 0.99)] ?? 0 });
}

function ask<T>(child: ChildProcess, msg: string): Promise<T> {
  return new Promise((resolve) => { child.once('message', (m) => resolve(m as T)); child.send(msg); });
}

async function orchestrate(): Promise<void> {
  const connections = Number(arg('connections', '1000'));
  const requests = Number(arg('requests', '100'));
  const settleMs = Number(arg('settle-ms', '3000'));
  const emulator = fork(SELF, ['--role', 'emulator'], { execArgv: ['--import', 'tsx', '--expose-gc'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const ready = await new Promise<Ready>((resolve) => emulator.once('message', (m) => resolve(m as Ready)));
  // Warm up (one connection: the first revocation check, JIT), then measure the baseline.
  const warm = fork(SELF, ['--role', 'client', '--url', ready.url, '--dir', ready.dir, '--connections', '10', '--requests', '10'], { execArgv: ['--import', 'tsx'] });
  await new Promise((r) => warm.once('message', r));
  await new Promise((r) => setTimeout(r, settleMs));
  const before = await ask<Usage>(emulator, 'usage');

  const client = fork(SELF, ['--role', 'client', '--url', ready.url, '--dir', ready.dir, '--connections', String(connections), '--requests', String(requests)], { execArgv: ['--import', 'tsx'] });
  let peak = before;
  const sampler = setInterval(async () => { const u = await ask<Usage>(emulator, 'usage'); if (u.fds > peak.fds) peak = u; }, 1000);
  const result = await new Promise<{ responses: number; wrongStatus: number; errors: Record<string, number>; ms: number; p50: number; p99: number }>((resolve) => client.once('message', (m) => resolve(m as never)));
  clearInterval(sampler);
  await new Promise((r) => setTimeout(r, settleMs));
  const after = await ask<Usage>(emulator, 'usage');
  const exited = new Promise((r) => emulator.once('exit', r));
  emulator.send('stop');
  await exited;

  const expected = connections * requests;
  const errorCount = Object.values(result.errors).reduce((a, b) => a + b, 0);
  const rows: [string, string][] = [
    ['connections × requests', `${connections} × ${requests} = ${expected}`],
    ['responses (exactly one per request)', `${result.responses}`],
    ['non-200 responses', `${result.wrongStatus}`],
    ['errors', errorCount === 0 ? '0' : JSON.stringify(result.errors)],
    ['wall time', `${(result.ms / 1000).toFixed(1)} s`],
    ['throughput', `${Math.round(result.responses / (result.ms / 1000))} req/s`],
    ['latency p50 / p99 (sampled)', `${result.p50.toFixed(1)} / ${result.p99.toFixed(1)} ms`],
    ['emulator fds before / peak / after', `${before.fds} / ${peak.fds} / ${after.fds}`],
    ['emulator RSS before / after (MiB)', `${before.rssMiB.toFixed(1)} / ${after.rssMiB.toFixed(1)} (×${(after.rssMiB / before.rssMiB).toFixed(2)})`],
    ['emulator heap before / after GC (MiB)', `${before.heapMiB.toFixed(1)} / ${after.heapMiB.toFixed(1)}`],
    ['open connections in the emulator after', `${after.connectionsOpen}`],
  ];
  console.log('\ncertgate load — measured under load (shared 2-core machine)\n');
  for (const [k, v] of rows) console.log(`  ${k.padEnd(42)} ${v}`);
  const ok = result.responses === expected && result.wrongStatus === 0 && errorCount === 0 && after.fds - before.fds < 20 && after.connectionsOpen === 0;
  console.log(`\n${ok ? 'PASS' : 'FAIL'}: every request one 200 response, 0 errors, descriptors back to baseline (±20), no connection left open`);
  process.exitCode = ok ? 0 : 1;
}

const role = arg('role', 'orchestrator');
void (role === 'emulator' ? emulatorRole() : role === 'client' ? clientRole().then(() => process.exit(0)) : orchestrate());
