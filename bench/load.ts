// Load: N concurrent mTLS keep-alive connections × M requests each through the emulator's validate-client-certificate
// (negotiate on: the certificate comes in the handshake; revocation checked online once, then cached), repeated for
// several rounds against the SAME emulator process, so "memory that levels off" can be told from "memory that keeps
// growing". Three kinds of process: this orchestrator, the emulator (with the lab PKI and its CRL/OCSP responder,
// started with --expose-gc) and one load client per round (undici, one Client per connection).
// Per round, after a forced GC and a settle time: responses, errors, descriptors, RSS, heapUsed, external /
// arrayBuffers, and the timeline entries the emulator holds (its store is bounded by entry count).
// Then an idle phase: N connections opened, one request each, held open and idle while the emulator's RSS is read
// (issue 3: 1,000 keep-alive mTLS connections under 300 MB resident).
//
// Before the baseline, --fill-connections short connections (one request each, 100 at a time) fill the timeline
// store's connection entries to their cap, so the rounds measure the steady state and not the store filling up.
//
//   node --import tsx bench/load.ts [--connections 1000] [--requests 100] [--rounds 3] [--settle-ms 3000]
//        [--idle 1000] [--fill-connections 10000]
//        [--heap-snapshots <dir>]   a .heapsnapshot after the baseline and after each round (bench/heap-diff.ts)
//        [--backlog <n>]            experiment: the emulator's listen backlog (Node's default is 511)
import { fork, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from 'undici';
import { askProbe, startMemoryProbe, type LiveObjects, type Usage } from '../test/reliability/support/memory-probe';

const arg = (name: string, fallback: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
};
const SELF = fileURLToPath(import.meta.url);
const MiB = 2 ** 20;

interface Ready { url: string; dir: string; pid: number }
interface RoundResult { listenOverflows?: number; responses: number; wrongStatus: number; errors: Record<string, number>; ms: number; p50: number; p99: number; firstP99: number; max: number }

async function emulatorRole(): Promise<void> {
  const backlog = Number(arg('backlog', '0'));
  if (backlog > 0) {
    // Experiment only: every listen(port, host, cb) in this process gets the backlog (the front passes none).
    const { Server } = await import('node:net');
    const listen = Server.prototype.listen;
    Server.prototype.listen = function (this: InstanceType<typeof Server>, ...a: unknown[]) {
      return typeof a[0] === 'number' && typeof a[1] === 'string' && typeof a[2] === 'function'
        ? listen.call(this, { port: a[0], host: a[1], backlog }, a[2] as () => void)
        : (listen as (...x: unknown[]) => InstanceType<typeof Server>).apply(this, a);
    } as typeof listen;
  }
  const { startLab, labConfig } = await import('../test/reliability/support/lab');
  const { startEmulator } = await import('../emulator/index');
  const lab = await startLab();
  const emu = await startEmulator(labConfig(lab, { emulation: { keepAliveTimeoutMs: 60_000, handshakeTimeoutMs: 10_000 } }));
  const c = lab.client('client-valid-ec');
  writeFileSync(join(lab.dir, 'client.pem'), c.cert);
  writeFileSync(join(lab.dir, 'client.key.pem'), c.key, { mode: 0o600 });
  writeFileSync(join(lab.dir, 'ca.pem'), c.ca);
  startMemoryProbe(emu, async () => { await emu.close(); await lab.close(); });
  process.send!({ url: emu.url, dir: lab.dir, pid: process.pid } satisfies Ready);
}

function clientTls(dir: string) {
  return { cert: readFileSync(join(dir, 'client.pem'), 'utf8'), key: readFileSync(join(dir, 'client.key.pem'), 'utf8'), ca: readFileSync(join(dir, 'ca.pem'), 'utf8'), servername: 'localhost' };
}

async function clientRole(): Promise<void> {
  const [url, dir, connections, requests, round] = [arg('url', ''), arg('dir', ''), Number(arg('connections', '1000')), Number(arg('requests', '100')), arg('round', '0')];
  const tls = clientTls(dir);
  let responses = 0;
  let wrongStatus = 0;
  const errors = new Map<string, number>();
  const latencies: number[] = []; // every 10th request after the first on its connection
  const firsts: number[] = []; // the first request: connect and mTLS handshake included
  let max = 0;
  const started = performance.now();
  await Promise.all(Array.from({ length: connections }, async (_, i) => {
    const client = new Client(url, { connect: { ...tls, timeout: 60_000 }, pipelining: 1, keepAliveTimeout: 60_000, headersTimeout: 60_000, bodyTimeout: 60_000 });
    try {
      for (let r = 0; r < requests; r++) {
        const t0 = performance.now();
        try {
          const res = await client.request({ path: `/validate/round${round}/c${i}/r${r}`, method: 'GET' });
          await res.body.text();
          responses++;
          if (res.statusCode !== 200) wrongStatus++;
          const ms = performance.now() - t0;
          max = Math.max(max, ms);
          if (r === 0) firsts.push(ms);
          else if (r % 10 === 0) latencies.push(ms);
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
  firsts.sort((a, b) => a - b);
  process.send!({
    responses, wrongStatus, errors: Object.fromEntries(errors), ms: performance.now() - started, max,
    p50: latencies[Math.floor(latencies.length / 2)] ?? 0, p99: latencies[Math.floor(latencies.length * 0.99)] ?? 0, firstP99: firsts[Math.floor(firsts.length * 0.99)] ?? 0,
  } satisfies RoundResult);
}

/** N short connections, `--parallel` at a time, one request each (fills the timeline store's connection entries). */
async function fillRole(): Promise<void> {
  const [url, dir, connections, parallel] = [arg('url', ''), arg('dir', ''), Number(arg('connections', '10000')), Number(arg('parallel', '100'))];
  const tls = clientTls(dir);
  let ok = 0;
  let next = 0;
  await Promise.all(Array.from({ length: parallel }, async () => {
    while (next < connections) {
      const i = next++;
      const client = new Client(url, { connect: { ...tls, timeout: 60_000 } });
      const res = await client.request({ path: `/validate/fill/c${i}`, method: 'GET' }).catch(() => null);
      if (res) { await res.body.text(); if (res.statusCode === 200) ok++; }
      await client.close().catch(() => undefined);
    }
  }));
  process.send!({ ok });
}

/** Opens N connections, one request each (handshake done, keep-alive), reports, holds them until told to close. */
async function idleRole(): Promise<void> {
  const [url, dir, connections] = [arg('url', ''), arg('dir', ''), Number(arg('connections', '1000'))];
  const tls = clientTls(dir);
  const clients = Array.from({ length: connections }, () => new Client(url, { connect: { ...tls, timeout: 60_000 }, pipelining: 1, keepAliveTimeout: 120_000, keepAliveMaxTimeout: 120_000 }));
  let ok = 0;
  await Promise.all(clients.map(async (c, i) => {
    const res = await c.request({ path: `/validate/idle/c${i}`, method: 'GET' }).catch(() => null);
    if (res) { await res.body.text(); if (res.statusCode === 200) ok++; }
  }));
  process.send!({ held: ok });
  await new Promise((r) => process.once('message', r));
  await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
  process.send!({ closed: true });
}

const ask = askProbe;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const nextMessage = <T>(child: ChildProcess): Promise<T> => new Promise((res) => child.once('message', (m) => res(m as T)));
const mib = (b: number) => (b / MiB).toFixed(1);

/** The kernel's count of connections dropped because an accept queue was full (all listeners in this namespace). */
function listenOverflows(): number {
  const lines = readFileSync('/proc/net/netstat', 'utf8').split('\n').filter((l) => l.startsWith('TcpExt:'));
  const [names, values] = [lines[0]?.split(/\s+/) ?? [], lines[1]?.split(/\s+/) ?? []];
  return Number(values[names.indexOf('ListenOverflows')] ?? NaN);
}

async function orchestrate(): Promise<void> {
  const connections = Number(arg('connections', '1000'));
  const requests = Number(arg('requests', '100'));
  const rounds = Math.max(2, Number(arg('rounds', '3')));
  const settleMs = Number(arg('settle-ms', '3000'));
  const idle = Number(arg('idle', '1000'));
  const snapshotDir = process.argv.includes('--heap-snapshots') ? resolve(arg('heap-snapshots', '.tmp/heap')) : undefined;
  if (snapshotDir) mkdirSync(snapshotDir, { recursive: true });
  const fillConnections = Number(arg('fill-connections', '10000'));
  const emulator = fork(SELF, ['--role', 'emulator', '--backlog', arg('backlog', '0')], { execArgv: ['--import', 'tsx', '--expose-gc', '--disable-warning=ExperimentalWarning'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const ready = await nextMessage<Ready>(emulator);
  const clientArgs = ['--url', ready.url, '--dir', ready.dir];
  const runClient = async (role: string, extra: string[]) => {
    const child = fork(SELF, ['--role', role, ...clientArgs, ...extra], { execArgv: ['--import', 'tsx'] });
    return { child, first: await nextMessage<unknown>(child) };
  };
  const snapshot = async (name: string) => { if (snapshotDir) await ask<string>(emulator, `snapshot:${join(snapshotDir, `${name}.heapsnapshot`)}`); };

  // Warm up (the first revocation check, JIT, TLS session machinery), then the baseline.
  await runClient('client', ['--connections', '10', '--requests', '10', '--round', '0']);
  const fillStarted = performance.now();
  const filled = fillConnections > 0 ? ((await runClient('fill', ['--connections', String(fillConnections)])).first as { ok: number }).ok : 0;
  const fillMs = performance.now() - fillStarted;
  await sleep(settleMs);
  const baseline = await ask<Usage>(emulator, 'usage');
  const baselineLive = await ask<LiveObjects>(emulator, 'live');
  await snapshot('round-0');

  // Idle: N keep-alive mTLS connections open at once, nothing moving; RSS read while they are held (no GC forced).
  const idlePhase = async (): Promise<{ held: number; during: Usage; after: Usage }> => {
    const { child, first } = await runClient('idle', ['--connections', String(idle)]);
    await sleep(settleMs);
    const during = await ask<Usage>(emulator, 'usage-no-gc');
    const closed = nextMessage(child);
    child.send('close');
    await closed;
    await sleep(settleMs);
    return { held: (first as { held: number }).held, during, after: await ask<Usage>(emulator, 'usage') };
  };
  const idleFresh = idle > 0 ? await idlePhase() : undefined;

  const rows: { round: number; result: RoundResult; peakFds: number; after: Usage; live: LiveObjects }[] = [];
  for (let round = 1; round <= rounds; round++) {
    let peakFds = baseline.fds;
    const overflowsBefore = listenOverflows();
    const sampler = setInterval(async () => { const u = await ask<{ fds: number }>(emulator, 'fds'); peakFds = Math.max(peakFds, u.fds); }, 1000);
    const { first } = await runClient('client', ['--connections', String(connections), '--requests', String(requests), '--round', String(round)]);
    clearInterval(sampler);
    const overflows = listenOverflows() - overflowsBefore;
    await sleep(settleMs);
    const after = await ask<Usage>(emulator, 'usage');
    rows.push({ round, result: { ...(first as RoundResult), listenOverflows: overflows }, peakFds, after, live: await ask<LiveObjects>(emulator, 'live') });
    await snapshot(`round-${round}`);
  }

  const idleAfter = idle > 0 ? await idlePhase() : undefined;
  const exited = new Promise((r) => emulator.once('exit', r));
  emulator.send('stop');
  await exited;

  const expected = connections * requests;
  const errorCount = (r: RoundResult) => Object.values(r.errors).reduce((a, b) => a + b, 0);
  console.log(`\ncertgate load — ${rounds} rounds of ${connections} connections × ${requests} requests (${expected} per round), one emulator process`);
  console.log('measured under load (shared 2-core machine); memory after each round = after a forced GC and a settle\n');
  const head = ['', 'responses', 'non-200', 'errors', 'req/s', 'p50/p99 ms', '1st p99/max ms', 'accept-queue drops', 'fds peak→after', 'RSS MiB', 'heapUsed MiB', 'external MiB', 'arrayBuf MiB', 'timeline conns / reqs (cap)', 'live TLSSockets'];
  const table: string[][] = [head, ['baseline', '', '', '', '', '', '', '', `${baseline.fds}`, mib(baseline.rss), mib(baseline.heapUsed), mib(baseline.external), mib(baseline.arrayBuffers), `${baseline.timeline.connections} / ${baseline.timeline.requests} (${baseline.timeline.limit})`, `${baselineLive.tlsSockets}`]];
  for (const { round, result: r, peakFds, after: a, live } of rows) {
    table.push([`round ${round}`, `${r.responses}/${expected}`, `${r.wrongStatus}`, errorCount(r) === 0 ? '0' : JSON.stringify(r.errors), `${Math.round(r.responses / (r.ms / 1000))}`,
      `${r.p50.toFixed(0)}/${r.p99.toFixed(0)}`, `${r.firstP99.toFixed(0)}/${r.max.toFixed(0)}`, `${r.listenOverflows}`, `${peakFds}→${a.fds}`, mib(a.rss), mib(a.heapUsed), mib(a.external), mib(a.arrayBuffers), `${a.timeline.connections} / ${a.timeline.requests} (${a.timeline.limit})`, `${live.tlsSockets}`]);
  }
  const lastRound = rows[rows.length - 1]!.after;
  const widths = head.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
  for (const row of table) console.log('  ' + row.map((c, i) => c.padStart(widths[i]!)).join('  '));
  console.log('  (p50/p99: every 10th request after the first on its connection; 1st: the first request, connect + mTLS handshake included;');
  console.log('   accept-queue drops: kernel ListenOverflows during the round, machine-wide — a dropped SYN is retried after 1, 2, 4, 8, 16 s)');
  const failures = Object.entries(lastRound.timeline.failures);
  console.log(`  connection failures the emulator recorded (held entries, all rounds): ${failures.length === 0 ? 'none' : failures.map(([k, v]) => `${k} ×${v}`).join(', ')}`);

  // Levelling off: the heap (after GC) of every later round ends within 10% (+ 4 MiB) of round 1's end; RSS of the
  // last round too. RSS of a middle round may spike and come back: glibc keeps freed native memory (TLS buffers)
  // until it trims, which a GC does not force — growth is what the last round shows.
  const first = rows[0]!.after;
  const last = rows[rows.length - 1]!.after;
  const within = (a: number, b: number) => a <= b * 1.1 + 4 * MiB;
  const level = rows.slice(1).every(({ after }) => within(after.heapUsed, first.heapUsed)) && within(last.rss, first.rss);
  const maxRss = Math.max(...rows.map((r) => r.after.rss));
  console.log(`\n  heapUsed round 1 → round ${rounds}: ${mib(first.heapUsed)} → ${mib(last.heapUsed)} MiB (×${(last.heapUsed / first.heapUsed).toFixed(3)}); RSS ${mib(first.rss)} → ${mib(last.rss)} MiB (×${(last.rss / first.rss).toFixed(3)}, highest after a round ${mib(maxRss)})`);
  console.log(`  timeline store after round ${rounds}: ${last.timeline.requests} request + ${last.timeline.connections} connection entries held (cap ${last.timeline.limit} each; bytes per entry: bench/timeline-memory.ts)`);
  for (const [when, row] of [['before the rounds', idleFresh], [`after round ${rounds}`, idleAfter]] as const) {
    if (!row) continue;
    console.log(`  idle ${when}: ${row.held}/${idle} keep-alive mTLS connections held open → emulator RSS ${mib(row.during.rss)} MiB (${(row.during.rss / 1e6).toFixed(0)} MB), heapUsed ${mib(row.during.heapUsed)} MiB, fds ${row.during.fds}; after closing (GC): RSS ${mib(row.after.rss)} MiB, fds ${row.after.fds}`);
  }
  if (fillConnections > 0) console.log(`  store fill before the baseline: ${filled}/${fillConnections} one-request connections in ${(fillMs / 1000).toFixed(1)} s`);
  const idleRows = [idleFresh, idleAfter].filter((x) => x !== undefined);
  const final = idleAfter?.after ?? last;
  const ok = rows.every(({ result: r, after, live }) => r.responses === expected && r.wrongStatus === 0 && errorCount(r) === 0 && after.fds - baseline.fds < 20 && after.connectionsOpen === 0 && live.tlsSockets <= baselineLive.tlsSockets)
    && level && idleRows.every((row) => row.held === idle && row.during.rss < 300 * 1e6) && final.fds - baseline.fds < 20;
  console.log(`\n${ok ? 'PASS' : 'FAIL'}: every request one 200, 0 errors, fds back to baseline (±20) and no closed TLS socket alive each round, memory levels off (heapUsed of rounds 2..${rounds} and RSS of round ${rounds} within 10% + 4 MiB of round 1)${idle > 0 ? `, ${idle} idle connections under 300 MB RSS` : ''}`);
  process.exitCode = ok ? 0 : 1;
}

const role = arg('role', 'orchestrator');
const roles: Record<string, () => Promise<void>> = {
  emulator: emulatorRole,
  client: () => clientRole().then(() => process.exit(0)),
  idle: () => idleRole().then(() => process.exit(0)),
  fill: () => fillRole().then(() => process.exit(0)),
};
void (roles[role] ?? orchestrate)();
