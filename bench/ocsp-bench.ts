// OCSP responder throughput: certgate's responder vs `openssl ocsp -port` serving the same certificates (same CA,
// same delegated signer, an openssl `ca` index.txt for the same serials).
//
//   node --import tsx bench/ocsp-bench.ts [--rounds 5] [--requests 8000] [--concurrency 32] [--loaders 2]
//                                         [--keys rsa,ec] [--leaf revoked|good] [--nonce] [--openssl-multi N]
//   (or `npm run bench:ocsp -- --rounds 7`)
//
// Fairness, and why it is set up this way:
// - Three kinds of process: openssl, our server (a child process running startRevocationServer, nothing else), and
//   the load generators (2 child processes by default, each an undici Pool with half the connections, pipelining 1
//   = no pipelining, one pre-built DER request, driven through pool.dispatch to keep client work per request low).
//   The same loader processes and settings drive both servers. One loader was nearly saturated against openssl
//   (a new connection per request costs undici ~0.3 ms of CPU), which would understate openssl; with two, neither
//   server is client-bound — the table shows server and client CPU so that can be checked on every run.
// - `openssl ocsp -port` answers one request per connection and closes it, so against it every request pays a TCP
//   connect; our server keeps connections alive. That is part of what is compared: it is the only way openssl's
//   responder can be driven.
// - Every answer is checked: successful, one SingleResponse, the expected cert status. An answer already seen
//   byte for byte is not parsed again (ours repeats its cached signed answer; openssl signs each anew, so nearly all
//   of its answers are parsed — the loader has time for that, openssl being the slower side).
// - A warm-up run per server, then `rounds` measured runs alternating which server goes first. Reported: medians,
//   the median of the per-round ratios, and the server's CPU use during its runs (near 100% = the server is the
//   limit; well below = the client or the machine is).
// Without --nonce the request is RFC 5019 style (no nonce) and our responder may serve a cached signed answer (that
// is its design); with --nonce both sign every answer.

import { fork, spawn, type ChildProcess } from 'node:child_process';
import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Pool } from 'undici';
import { buildOcspRequest } from '../ca/ocsp-request';
import { parseOcspResponse } from '../ca/ocsp-response';
import { startRevocationServer } from '../ca/revocation-server';
import { makeTestPki, type TestCa } from '../ca/revocation-test-pki';
import type { CrlReason, IssuingAuthority, KeyType } from '../ca/types';

const ROLE = process.env.CERTGATE_OCSP_BENCH_ROLE;
const SELF = fileURLToPath(import.meta.url);

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const nowMs = () => performance.timeOrigin + performance.now(); // comparable across processes

// ---------------------------------------------------------------------------------------------------------------
// Child: our server

interface WireAuthority {
  name: string;
  certDer: string;
  keyPem: string;
  keyType: KeyType;
  issuedSerials: string[];
  revoked: { serial: string; revokedAt: string; reason: CrlReason }[];
  signer: { certDer: string; keyPem: string; keyType: KeyType };
}

function wireAuthority(ca: TestCa): WireAuthority {
  const a = ca.delegated;
  return {
    name: a.name,
    certDer: a.certDer.toString('base64'),
    keyPem: ca.caKeyPem,
    keyType: a.keyType,
    issuedSerials: [...a.issuedSerials],
    revoked: a.revoked.map((e) => ({ serial: e.serial.toString('base64'), revokedAt: e.revokedAt.toISOString(), reason: e.reason })),
    signer: { certDer: a.ocspSigner!.certDer.toString('base64'), keyPem: ca.signerKeyPem, keyType: a.ocspSigner!.keyType },
  };
}

async function serverChild(): Promise<void> {
  const w = await new Promise<WireAuthority>((resolve) => process.once('message', (m) => resolve(m as WireAuthority)));
  const authority: IssuingAuthority = {
    name: w.name,
    certDer: Buffer.from(w.certDer, 'base64'),
    key: createPrivateKey(w.keyPem),
    keyType: w.keyType,
    issuedSerials: new Set(w.issuedSerials),
    revoked: w.revoked.map((e) => ({ serial: Buffer.from(e.serial, 'base64'), revokedAt: new Date(e.revokedAt), reason: e.reason })),
    ocspSigner: { certDer: Buffer.from(w.signer.certDer, 'base64'), key: createPrivateKey(w.signer.keyPem), keyType: w.signer.keyType },
  };
  const server = await startRevocationServer({ authorities: [authority] });
  process.send!({ url: server.ocspUrl(authority.name), pid: process.pid });
  process.on('message', async (m) => {
    if (m === 'close') {
      await server.close();
      process.exit(0);
    }
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Child: load generator

interface RunCommand {
  url: string;
  body: string;
  requests: number;
  connections: number;
  expected: string;
}
interface RunResult {
  requests: number;
  wrong: number;
  errors: number;
  start: number;
  end: number;
  /** CPU seconds the loader used during the run. */
  cpu: number;
  firstError?: string;
}

function loadChild(): void {
  const pools = new Map<string, Pool>();
  const verified = new Map<string, boolean>();
  const check = (der: Buffer, expected: string): boolean => {
    const key = der.toString('latin1');
    let ok = verified.get(key);
    if (ok === undefined) {
      try {
        const p = parseOcspResponse(der);
        ok = p.status === 'successful' && p.responses.length === 1 && p.responses[0]!.certStatus === expected;
      } catch {
        ok = false;
      }
      if (verified.size >= 512) verified.clear();
      verified.set(key, ok);
    }
    return ok;
  };

  const run = (c: RunCommand, body: Buffer): Promise<RunResult> => {
    const u = new URL(c.url);
    const poolKey = `${u.origin}|${c.connections}`;
    let pool = pools.get(poolKey);
    if (!pool) pools.set(poolKey, (pool = new Pool(u.origin, { connections: c.connections, pipelining: 1 })));
    const cpu0 = process.cpuUsage();
    const result: RunResult = { requests: c.requests, wrong: 0, errors: 0, start: nowMs(), end: 0, cpu: 0 };
    let sent = 0;
    let done = 0;
    return new Promise((resolve) => {
      // pool.dispatch with a bare handler: the least client work per request undici offers (no body stream, no
      // promise per request), so the generator is not what limits the measurement.
      const next = () => {
        if (sent >= c.requests) return;
        sent++;
        const chunks: Buffer[] = [];
        let status = 0;
        const finish = (ok: boolean, err?: Error) => {
          if (err) {
            result.errors++;
            result.firstError ??= err.message;
          } else if (!ok) result.wrong++;
          if (++done === c.requests) {
            result.end = nowMs();
            const used = process.cpuUsage(cpu0);
            result.cpu = (used.user + used.system) / 1e6;
            resolve(result);
          } else next();
        };
        pool!.dispatch(
          { origin: u.origin, path: u.pathname, method: 'POST', body, headers: { 'content-type': 'application/ocsp-request' } },
          {
            onConnect() {},
            onHeaders(s: number) {
              status = s;
              return true;
            },
            onData(chunk: Buffer) {
              chunks.push(chunk);
              return true;
            },
            onComplete() {
              finish(status === 200 && check(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks), c.expected));
            },
            onError(err: Error) {
              finish(false, err);
            },
          } as never,
        );
      };
      for (let i = 0; i < Math.min(c.connections, c.requests); i++) next();
    });
  };

  process.on('message', async (m) => {
    if (m === 'close') {
      await Promise.all([...pools.values()].map((p) => p.close()));
      process.exit(0);
    }
    const c = m as RunCommand;
    process.send!(await run(c, Buffer.from(c.body, 'base64')));
  });
  process.send!('ready');
}

// ---------------------------------------------------------------------------------------------------------------
// Parent

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

function startOpenssl(ca: TestCa, port: number, multi: number): Promise<ChildProcess> {
  const child = spawn('openssl', ['ocsp', '-port', String(port), ...(multi > 1 ? ['-multi', String(multi)] : []), '-index', 'index.txt', '-CA', 'ca.pem', '-rsigner', 'signer.pem', '-rkey', 'signer.key', '-nmin', '60', '-ignore_err'], { cwd: ca.dir, stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let seen = '';
    const onData = (c: Buffer) => {
      seen += c.toString();
      if (seen.includes('ACCEPT')) resolve(child);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) => reject(new Error(`openssl ocsp exited (${code}): ${seen}`)));
  });
}

const child = (role: string) => fork(SELF, process.argv.slice(2), { env: { ...process.env, CERTGATE_OCSP_BENCH_ROLE: role }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
const reply = <T>(c: ChildProcess) => new Promise<T>((resolve) => c.once('message', (m) => resolve(m as T)));

/** CPU seconds (user + system) a process and its live children (openssl -multi) have used, from /proc. */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  let children: number[] = [];
  try {
    children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    // no children file: count the process alone
  }
  const own = (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
  return own + children.reduce((a, c) => a + cpuSeconds(c), 0);
}

interface Measured {
  rps: number;
  wrong: number;
  errors: number;
  serverCpu: number;
  /** Busiest loader's CPU use (1 = one core): near 1 would mean the client, not the server, set the pace. */
  clientCpu: number;
  firstError?: string;
}

async function measure(loaders: ChildProcess[], url: string, body: Buffer, requests: number, concurrency: number, expected: string, serverPid: number): Promise<Measured> {
  const share = (n: number, i: number) => Math.floor(n / loaders.length) + (i < n % loaders.length ? 1 : 0);
  const cpu0 = cpuSeconds(serverPid);
  const results = await Promise.all(
    loaders.map((l, i) => {
      const r = reply<RunResult>(l);
      l.send({ url, body: body.toString('base64'), requests: share(requests, i), connections: share(concurrency, i), expected } satisfies RunCommand);
      return r;
    }),
  );
  const cpu1 = cpuSeconds(serverPid);
  const seconds = (Math.max(...results.map((r) => r.end)) - Math.min(...results.map((r) => r.start))) / 1000;
  return {
    rps: requests / seconds,
    wrong: results.reduce((a, r) => a + r.wrong, 0),
    errors: results.reduce((a, r) => a + r.errors, 0),
    serverCpu: (cpu1 - cpu0) / seconds,
    clientCpu: Math.max(...results.map((r) => r.cpu / ((r.end - r.start) / 1000))),
    firstError: results.find((r) => r.firstError)?.firstError,
  };
}

async function main(): Promise<void> {
  const rounds = Number(arg('rounds', '5'));
  const requests = Number(arg('requests', '8000'));
  const concurrency = Number(arg('concurrency', '32'));
  const loaderCount = Number(arg('loaders', '2'));
  const keys = arg('keys', 'rsa,ec').split(',') as ('rsa' | 'ec')[];
  const leaf = arg('leaf', 'revoked') as 'revoked' | 'good';
  const nonce = process.argv.includes('--nonce');
  // OpenSSL 3's `-multi N` forks N responder processes; the target compares with plain `openssl ocsp -port` (1).
  const multi = Number(arg('openssl-multi', '1'));
  const load0 = loadavg();
  const pki = makeTestPki();
  const loaders = Array.from({ length: loaderCount }, () => child('load'));
  await Promise.all(loaders.map((l) => reply(l)));
  const rows: string[][] = [];
  const verdicts: string[] = [];
  try {
    for (const which of keys) {
      const ca = pki[which];
      const body = buildOcspRequest(ca.leaves[leaf].der, ca.authority.certDer, { nonce: nonce ? Buffer.from('certgate-bench-nonce') : undefined });
      const port = await freePort();
      const theirs = await startOpenssl(ca, port, multi);
      const oursChild = child('server');
      oursChild.send(wireAuthority(ca));
      const ours = await reply<{ url: string; pid: number }>(oursChild);
      const servers = [
        { name: 'openssl', url: `http://127.0.0.1:${port}/`, pid: theirs.pid! },
        { name: 'certgate', url: ours.url, pid: ours.pid },
      ];
      try {
        // Both answer the expected status with a signature that verifies against the CA before anything is timed.
        for (const s of servers) {
          const res = await fetch(s.url, { method: 'POST', body, headers: { 'content-type': 'application/ocsp-request' } });
          const parsed = parseOcspResponse(Buffer.from(await res.arrayBuffer()));
          if (parsed.responses[0]?.certStatus !== leaf || !parsed.verifySignature(ca.authority.certDer)) throw new Error(`${s.name} did not answer a verifiable "${leaf}"`);
        }
        const warm = Math.max(500, Math.floor(requests / 8));
        for (const s of servers) await measure(loaders, s.url, body, warm, concurrency, leaf, s.pid);
        const runs: Record<string, Measured[]> = { openssl: [], certgate: [] };
        const ratios: number[] = [];
        for (let r = 0; r < rounds; r++) {
          const order = r % 2 === 0 ? servers : [...servers].reverse();
          const got: Record<string, Measured> = {};
          for (const s of order) got[s.name] = await measure(loaders, s.url, body, requests, concurrency, leaf, s.pid);
          runs.openssl!.push(got.openssl!);
          runs.certgate!.push(got.certgate!);
          ratios.push(got.certgate!.rps / got.openssl!.rps);
        }
        const med = (name: string, f: (m: Measured) => number) => median(runs[name]!.map(f));
        const sum = (name: string, f: (m: Measured) => number) => runs[name]!.reduce((a, m) => a + f(m), 0);
        const [o, c] = [med('openssl', (m) => m.rps), med('certgate', (m) => m.rps)];
        const bad = (name: string) => `${sum(name, (m) => m.wrong)}/${sum(name, (m) => m.errors)}`;
        const label = `${which === 'rsa' ? 'RSA-2048' : 'P-256'} delegated signer, ${leaf}${nonce ? ', nonce' : ''}`;
        rows.push([
          label,
          o.toFixed(0),
          `${(med('openssl', (m) => m.serverCpu) * 100).toFixed(0)}% / ${(med('openssl', (m) => m.clientCpu) * 100).toFixed(0)}%`,
          bad('openssl'),
          c.toFixed(0),
          `${(med('certgate', (m) => m.serverCpu) * 100).toFixed(0)}% / ${(med('certgate', (m) => m.clientCpu) * 100).toFixed(0)}%`,
          bad('certgate'),
          `${median(ratios).toFixed(1)}×`,
          `${Math.min(...ratios).toFixed(1)}–${Math.max(...ratios).toFixed(1)}×`,
        ]);
        const errs = [...runs.openssl!, ...runs.certgate!].find((m) => m.firstError)?.firstError;
        const clean = sum('openssl', (m) => m.wrong + m.errors) + sum('certgate', (m) => m.wrong + m.errors) === 0;
        verdicts.push(`${label}: ratio ${median(ratios).toFixed(1)}× (target ≥ 5×: ${median(ratios) >= 5 ? 'met' : 'MISSED'}); answers ${clean ? 'all correct' : `NOT all correct${errs ? ` (first error: ${errs})` : ''}`}`);
      } finally {
        theirs.kill();
        oursChild.send('close');
      }
    }
  } finally {
    for (const l of loaders) l.send('close');
    pki.cleanup();
  }
  const header = ['case', 'openssl req/s', 'cpu srv/cli', 'wrong/err', 'certgate req/s', 'cpu srv/cli', 'wrong/err', 'ratio (median)', 'ratio range'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((v, i) => v.padEnd(widths[i]!)).join('  ');
  const la = (l: number[]) => l.map((x) => x.toFixed(2)).join(' ');
  console.log(`\nOCSP responder vs openssl ocsp -port (node ${process.version}, ${new Date().toISOString()})`);
  console.log(`${rounds} rounds × ${requests} POSTs per server (after a warm-up), concurrency ${concurrency} in ${loaderCount} undici loader process(es), no pipelining`);
  console.log(`load average before: ${la(load0)}; after: ${la(loadavg())}; cpu srv/cli = CPU use of the server process / the busiest loader while measured (100% = one core)\n`);
  console.log(line(header));
  for (const r of rows) console.log(line(r));
  console.log('');
  for (const v of verdicts) console.log(v);
}

if (ROLE === 'server') await serverChild();
else if (ROLE === 'load') loadChild();
else
  await main().catch((e) => {
    console.error(e);
    process.exitCode = 1;
  });
