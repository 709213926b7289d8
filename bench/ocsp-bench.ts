// OCSP responder throughput: certgate's responder vs `openssl ocsp -port` serving the same certificates (same CA,
// same delegated signer key type, an openssl `ca` index.txt for the same serials). Load comes from undici with one
// pre-built request, the same concurrency and request count for both, and every answer's cert status is checked.
//
//   node --import tsx bench/ocsp-bench.ts [--requests 4000] [--concurrency 32] [--threads 1] [--keys rsa,ec] [--nonce]
//
// Our server runs in a worker thread (its own event loop, like openssl's own process); the load generator stays on
// the main thread. Without --nonce the request is RFC 5019 style (no nonce) and our responder serves its cached
// signed answer; with --nonce both sign every answer (openssl always does).

import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { Pool } from 'undici';
import { buildOcspRequest } from '../ca/ocsp-request';
import { parseOcspResponse } from '../ca/ocsp-response';
import { startRevocationServer } from '../ca/revocation-server';
import { makeTestPki, type TestCa } from '../ca/revocation-test-pki';
import type { IssuingAuthority } from '../ca/types';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

function startOpenssl(ca: TestCa, port: number): Promise<ChildProcess> {
  const child = spawn('openssl', ['ocsp', '-port', String(port), '-index', 'index.txt', '-CA', 'ca.pem', '-rsigner', 'signer.pem', '-rkey', 'signer.key', '-nmin', '60', '-ignore_err'], { cwd: ca.dir, stdio: ['ignore', 'pipe', 'pipe'] });
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

/** Our server in a worker: authorities are structured-cloned (KeyObjects included). */
function startOurs(authority: IssuingAuthority): Promise<{ url: string; worker: Worker }> {
  const worker = new Worker(new URL('./ocsp-bench-worker.mjs', import.meta.url), { workerData: { role: 'server', authority } });
  return new Promise((resolve, reject) => {
    worker.once('message', (url: string) => resolve({ url, worker }));
    worker.once('error', reject);
  });
}

async function load(url: string, body: Buffer, requests: number, concurrency: number, expected: string): Promise<{ rps: number; wrong: number; errors: number }> {
  const u = new URL(url);
  const pool = new Pool(u.origin, { connections: concurrency, pipelining: 1 });
  let sent = 0;
  let wrong = 0;
  let errors = 0;
  // Every answer is checked, but identical bytes need parsing once (a cached signed answer repeats byte for byte;
  // openssl signs each answer anew, so its answers are all parsed): keeps the load generator from being the limit.
  const checked = new Map<string, boolean>();
  const started = process.hrtime.bigint();
  const worker = async () => {
    while (sent < requests) {
      sent++;
      try {
        const res = await pool.request({ path: u.pathname, method: 'POST', body, headers: { 'content-type': 'application/ocsp-request' } });
        const der = Buffer.from(await res.body.arrayBuffer());
        const key = der.toString('latin1');
        let ok = checked.get(key);
        if (ok === undefined) {
          ok = parseOcspResponse(der).responses[0]?.certStatus === expected;
          if (checked.size < 1000) checked.set(key, ok);
        }
        if (!ok) wrong++;
      } catch {
        errors++;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  await pool.close();
  return { rps: requests / seconds, wrong, errors };
}

/**
 * The same load from `threads` worker threads (each with its share of requests and connections), timed from one
 * "go" to the last answer: one JS thread of undici tops out near 4–5k req/s here, below what our responder serves.
 */
async function loadThreaded(url: string, body: Buffer, requests: number, concurrency: number, expected: string, threads: number): Promise<{ rps: number; wrong: number; errors: number }> {
  if (threads <= 1) return load(url, body, requests, concurrency, expected);
  const workers = Array.from({ length: threads }, (_, i) => {
    const share = (n: number) => Math.floor(n / threads) + (i < n % threads ? 1 : 0);
    return new Worker(new URL('./ocsp-bench-worker.mjs', import.meta.url), { workerData: { role: 'load', url, body, requests: share(requests), concurrency: share(concurrency), expected } });
  });
  await Promise.all(workers.map((w) => new Promise((resolve) => w.once('message', resolve)))); // each is ready
  const started = process.hrtime.bigint();
  const results = await Promise.all(
    workers.map((w) => {
      const done = new Promise<{ wrong: number; errors: number }>((resolve) => w.once('message', resolve));
      w.postMessage('go');
      return done;
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  await Promise.all(workers.map((w) => w.terminate()));
  return { rps: requests / seconds, wrong: results.reduce((a, r) => a + r.wrong, 0), errors: results.reduce((a, r) => a + r.errors, 0) };
}

async function main(): Promise<void> {
  const requests = Number(arg('requests', '4000'));
  const concurrency = Number(arg('concurrency', '32'));
  const keys = arg('keys', 'rsa,ec').split(',') as ('rsa' | 'ec')[];
  const nonce = process.argv.includes('--nonce');
  const threads = Number(arg('threads', '1'));
  const pki = makeTestPki();
  const rows: string[][] = [];
  try {
    for (const which of keys) {
      const ca = pki[which];
      const body = buildOcspRequest(ca.leaves.revoked.der, ca.authority.certDer, { nonce: nonce ? Buffer.from('certgate-bench-nonce') : undefined });
      // Warm-up check: both answer "revoked" and both answers verify against the CA.
      const port = await freePort();
      const theirs = await startOpenssl(ca, port);
      const ours = await startOurs(ca.delegated);
      const opensslUrl = `http://127.0.0.1:${port}/`;
      for (const url of [opensslUrl, `${ours.url}/ocsp/${ca.authority.name}`]) {
        const res = await fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/ocsp-request' } });
        const parsed = parseOcspResponse(Buffer.from(await res.arrayBuffer()));
        if (parsed.responses[0]?.certStatus !== 'revoked' || !parsed.verifySignature(ca.authority.certDer)) throw new Error(`${url} did not answer a verifiable "revoked"`);
      }
      const o = await loadThreaded(opensslUrl, body, requests, concurrency, 'revoked', threads);
      const c = await loadThreaded(`${ours.url}/ocsp/${ca.authority.name}`, body, requests, concurrency, 'revoked', threads);
      theirs.kill();
      await ours.worker.terminate();
      rows.push([`${which === 'rsa' ? 'RSA-2048' : 'P-256'} signer${nonce ? ', nonce' : ''}`, o.rps.toFixed(0), `${o.wrong}/${o.errors}`, c.rps.toFixed(0), `${c.wrong}/${c.errors}`, `${(c.rps / o.rps).toFixed(1)}×`]);
    }
  } finally {
    pki.cleanup();
  }
  const header = ['case', 'openssl req/s', 'wrong/err', 'certgate req/s', 'wrong/err', 'ratio'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((v, i) => v.padEnd(widths[i]!)).join('  ');
  console.log(`OCSP responder: ${requests} POSTs, concurrency ${concurrency}, undici Pool in ${threads} thread(s) (target: certgate ≥ 5× openssl)`);
  console.log(line(header));
  for (const r of rows) console.log(line(r));
}

if (isMainThread) {
  main().catch((e) => {
    console.error(e);
    process.exitCode = 1;
  });
} else if ((workerData as { role: string }).role === 'load') {
  const w = workerData as { url: string; body: Uint8Array; requests: number; concurrency: number; expected: string };
  parentPort!.postMessage('ready');
  parentPort!.once('message', async () => {
    const r = await load(w.url, Buffer.from(w.body), w.requests, w.concurrency, w.expected);
    parentPort!.postMessage({ wrong: w.requests === 0 ? 0 : r.wrong, errors: r.errors });
  });
} else {
  // Structured clone turns Buffers into plain Uint8Arrays: wrap them again.
  const { authority: a } = workerData as { authority: IssuingAuthority };
  const buf = (u: Uint8Array) => Buffer.from(u.buffer, u.byteOffset, u.byteLength);
  const authority: IssuingAuthority = {
    ...a,
    certDer: buf(a.certDer),
    revoked: a.revoked.map((e) => ({ ...e, serial: buf(e.serial) })),
    ocspSigner: a.ocspSigner && { ...a.ocspSigner, certDer: buf(a.ocspSigner.certDer) },
  };
  const server = await startRevocationServer({ authorities: [authority] });
  parentPort!.postMessage(server.url);
}
