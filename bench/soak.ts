// Soak: the large-body renegotiation deadlock reproduced R times (negotiate off, a 64 KiB POST to a policy that
// reads the certificate, emulator timeout T). Every stalled connection must be released after T (the documented
// 403 with Connection: close), and the emulator's descriptors must come back to baseline. The emulator runs in its
// own process; clients are Node https with the client certificate (they support renegotiation, so the stall is the
// deadlock, not a refusal).
//
//   node --import tsx bench/soak.ts [--rounds 100] [--concurrency 10] [--timeout-ms 1000] [--body-kib 64]
import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { askProbe, startMemoryProbe, type LiveObjects, type Usage } from '../test/reliability/support/memory-probe';

const arg = (name: string, fallback: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
};
const SELF = fileURLToPath(import.meta.url);

const mib = (b: number) => (b / 2 ** 20).toFixed(1);

async function emulatorRole(): Promise<void> {
  const { startLab, labConfig } = await import('../test/reliability/support/lab');
  const { startEmulator } = await import('../emulator/index');
  const lab = await startLab();
  const emu = await startEmulator(labConfig(lab, { negotiate: false, emulation: { renegotiationTimeoutMs: Number(arg('timeout-ms', '1000')), onRenegotiationTimeout: '403' } }));
  const c = lab.client('client-valid-ec');
  writeFileSync(join(lab.dir, 'client.pem'), c.cert);
  writeFileSync(join(lab.dir, 'client.key.pem'), c.key, { mode: 0o600 });
  writeFileSync(join(lab.dir, 'ca.pem'), c.ca);
  startMemoryProbe(emu, async () => { await emu.close(); await lab.close(); });
  process.send!({ url: emu.url, dir: lab.dir });
}

const ask = askProbe;

function post(url: string, tls: { cert: string; key: string; ca: string }, body: Buffer): Promise<{ status: number; ms: number; connection?: string; error?: string }> {
  const started = performance.now();
  return new Promise((resolve) => {
    const req = request(url, { method: 'POST', ...tls, servername: 'localhost', agent: false, headers: { 'content-type': 'application/octet-stream', 'content-length': body.length }, timeout: 60_000 }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - started, connection: String(res.headers.connection ?? '') }));
    });
    req.on('timeout', () => req.destroy(new Error('client timeout (60 s)')));
    req.on('error', (e: NodeJS.ErrnoException) => resolve({ status: 0, ms: performance.now() - started, error: e.code ?? e.message }));
    req.end(body);
  });
}

async function orchestrate(): Promise<void> {
  const rounds = Number(arg('rounds', '100'));
  const concurrency = Number(arg('concurrency', '10'));
  const timeoutMs = Number(arg('timeout-ms', '1000'));
  const body = Buffer.alloc(Number(arg('body-kib', '64')) * 1024, 0x61);
  const emulator = fork(SELF, ['--role', 'emulator', '--timeout-ms', String(timeoutMs)], { execArgv: ['--import', 'tsx', '--expose-gc', '--disable-warning=ExperimentalWarning'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const ready = await new Promise<{ url: string; dir: string }>((resolve) => emulator.once('message', (m) => resolve(m as never)));
  const tls = { cert: readFileSync(join(ready.dir, 'client.pem'), 'utf8'), key: readFileSync(join(ready.dir, 'client.key.pem'), 'utf8'), ca: readFileSync(join(ready.dir, 'ca.pem'), 'utf8') };
  // Control: a small POST renegotiates and passes (the deadlock needs the large body).
  const control = await post(`${ready.url}/validate/small`, tls, Buffer.alloc(1024, 0x61));
  await new Promise((r) => setTimeout(r, 1000));
  const before = await ask<Usage>(emulator, 'usage');
  const liveBefore = await ask<LiveObjects>(emulator, 'live');

  const results: Awaited<ReturnType<typeof post>>[] = [];
  let peak = before;
  const started = performance.now();
  for (let i = 0; i < rounds; i += concurrency) {
    const batch = await Promise.all(Array.from({ length: Math.min(concurrency, rounds - i) }, (_, k) => post(`${ready.url}/validate/deadlock-${i + k}`, tls, body)));
    results.push(...batch);
    const u = await ask<Usage>(emulator, 'fds');
    if (u.fds > peak.fds) peak = u;
  }
  const wall = performance.now() - started;
  await new Promise((r) => setTimeout(r, 2000));
  const after = await ask<Usage>(emulator, 'usage');
  const liveAfter = await ask<LiveObjects>(emulator, 'live');
  const exited = new Promise((r) => emulator.once('exit', r));
  emulator.send('stop');
  await exited;

  const ms = results.map((r) => r.ms).sort((a, b) => a - b);
  const released = results.filter((r) => r.status === 403);
  const early = released.filter((r) => r.ms < timeoutMs);
  const late = released.filter((r) => r.ms > timeoutMs + 5000);
  const other = results.filter((r) => r.status !== 403);
  const rows: [string, string][] = [
    ['control: 1 KiB POST (renegotiates, no deadlock)', `${control.status} in ${control.ms.toFixed(0)} ms`],
    ['rounds × body', `${rounds} × ${body.length / 1024} KiB, ${concurrency} at a time, emulator timeout ${timeoutMs} ms`],
    ['released with 403 after the timeout', `${released.length - early.length - late.length} / ${rounds}`],
    ['answered before the timeout (no stall)', `${early.length}`],
    ['released later than timeout + 5 s', `${late.length}`],
    ['other outcomes', other.length === 0 ? '0' : JSON.stringify(other.slice(0, 5))],
    ['release time min / p50 / max', `${ms[0]?.toFixed(0)} / ${ms[Math.floor(ms.length / 2)]?.toFixed(0)} / ${ms[ms.length - 1]?.toFixed(0)} ms`],
    ['Connection: close on the 403', `${released.filter((r) => r.connection === 'close').length} / ${released.length}`],
    ['wall time', `${(wall / 1000).toFixed(1)} s`],
    ['emulator fds before / peak / after', `${before.fds} / ${peak.fds} / ${after.fds}`],
    ['emulator RSS before / after (MiB, after GC)', `${mib(before.rss)} / ${mib(after.rss)}`],
    ['emulator heapUsed before / after (MiB, after GC)', `${mib(before.heapUsed)} / ${mib(after.heapUsed)}`],
    ['live TLS sockets in the emulator before / after', `${liveBefore.tlsSockets} / ${liveAfter.tlsSockets}`],
    ['open connections in the emulator after', `${after.connectionsOpen}`],
  ];
  console.log('\ncertgate soak: renegotiation deadlock — measured under load (shared 2-core machine)\n');
  for (const [k, v] of rows) console.log(`  ${k.padEnd(48)} ${v}`);
  const ok = control.status === 200 && released.length === rounds && early.length === 0 && late.length === 0 && after.fds - before.fds < 10 && after.connectionsOpen === 0 && liveAfter.tlsSockets <= liveBefore.tlsSockets;
  console.log(`\n${ok ? 'PASS' : 'FAIL'}: every deadlock released by a 403 after the timeout (within +5 s), descriptors back to baseline (±10), none left open, no closed TLS socket alive`);
  process.exitCode = ok ? 0 : 1;
}

const role = arg('role', 'orchestrator');
void (role === 'emulator' ? emulatorRole() : orchestrate());
