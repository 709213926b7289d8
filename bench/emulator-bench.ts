// The emulator against a bare Node https mTLS server and nginx (1 worker, ssl_verify_client on), same certificates,
// one run, ratios against issue 3's "Speed" targets. The load comes from bench/emulator-bench-load.ts in a child
// process (undici / Node https with client certificates; h2load and wrk cannot send one).
//
//   node --import tsx bench/emulator-bench.ts            # BENCH_SECONDS=5 BENCH_CONCURRENCY=32 by default
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:https';
import { connect, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { derToPem } from '../ca/der';
import { getFreePort } from '../ca/index';
import { startEmulator } from '../emulator/index';
import { defaultConfig } from '../emulator/config/default-config';
import { preparePki } from '../emulator/pki-setup';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32);
const HOLD = Number(process.env.BENCH_HOLD ?? 1000);

const work = mkdtempSync(join(tmpdir(), 'certgate-emulator-bench-'));
const pkiDir = join(work, 'pki');
const prepared = await preparePki(pkiDir, 0);
const pki = prepared.pki;
const server = pki.get('server');
const files = {
  serverChain: join(work, 'server-chain.pem'),
  serverKey: join(pkiDir, 'server.key.pem'),
  clientCas: join(work, 'client-cas.pem'),
  roots: join(pkiDir, 'trusted-roots.pem'),
  cert: join(pkiDir, 'client-valid-rsa.pem'),
  key: join(pkiDir, 'client-valid-rsa.key.pem'),
};
writeFileSync(files.serverChain, server.chain.slice(0, -1).map((d) => derToPem(d, 'CERTIFICATE')).join(''));
writeFileSync(files.clientCas, pki.get('root-ca').certPem + pki.get('intermediate-ca').certPem);

interface LoadResult { ok: number; failed: number; perSecond: number; statuses: Record<string, number> }

function load(mode: 'new-connections' | 'keep-alive', url: string): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const job = { mode, url, caFile: files.roots, certFile: files.cert, keyFile: files.key, concurrency: CONCURRENCY, durationMs: SECONDS * 1000 };
    const p = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'emulator-bench-load.ts'), JSON.stringify(job)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    p.on('close', (code) => (code === 0 ? resolve(JSON.parse(out.trim().split('\n').at(-1)!)) : reject(new Error(`load generator exited ${code}`))));
  });
}

/** Opens HOLD keep-alive connections from a child process; returns the server-side RSS while they are held. */
function holdConnections(url: string, rss: () => number): Promise<{ held: number; rssMb: number }> {
  return new Promise((resolve, reject) => {
    const job = { mode: 'hold', url, caFile: files.roots, certFile: files.cert, keyFile: files.key, concurrency: 1, durationMs: 0, connections: HOLD };
    const p = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'emulator-bench-load.ts'), JSON.stringify(job)], { stdio: ['pipe', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('\n')) {
        const { held } = JSON.parse(out.split('\n')[0]!) as { held: number };
        globalThis.gc?.();
        const rssMb = rss() / 1024 / 1024;
        p.stdin.end();
        p.on('close', () => resolve({ held, rssMb }));
      }
    });
    p.on('error', reject);
  });
}

async function bareNode(): Promise<{ url: string; close(): Promise<void> }> {
  const s = createServer({
    cert: server.chain.slice(0, -1).map((d) => derToPem(d, 'CERTIFICATE')).join(''), key: server.keyPem,
    ca: [pki.get('root-ca').certPem, pki.get('intermediate-ca').certPem], requestCert: true, rejectUnauthorized: true,
    maxVersion: 'TLSv1.2', keepAliveTimeout: 60_000,
  }, (_req, res) => { res.writeHead(200, { 'content-type': 'application/json' }); res.end('{"ok":true}'); });
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  return { url: `https://localhost:${(s.address() as AddressInfo).port}`, close: () => new Promise((r) => { s.closeAllConnections(); s.close(() => r()); }) };
}

async function nginx(): Promise<{ url: string; close(): Promise<void> } | undefined> {
  if (spawnSync('nginx', ['-v']).error) return undefined;
  const dir = join(work, 'nginx');
  const port = await getFreePort();
  spawnSync('mkdir', ['-p', join(dir, 'tmp')]);
  writeFileSync(join(dir, 'nginx.conf'), `worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${dir}/tmp; proxy_temp_path ${dir}/tmp; fastcgi_temp_path ${dir}/tmp; uwsgi_temp_path ${dir}/tmp; scgi_temp_path ${dir}/tmp;
  keepalive_requests 10000000;
  keepalive_timeout 60s;
  server {
    listen 127.0.0.1:${port} ssl;
    ssl_certificate ${files.serverChain};
    ssl_certificate_key ${files.serverKey};
    ssl_client_certificate ${files.clientCas};
    ssl_verify_client on;
    ssl_verify_depth 3;
    ssl_protocols TLSv1.2;
    ssl_session_cache off;
    ssl_session_tickets off;
    location / { default_type application/json; return 200 '{"ok":true}'; }
  }
}
`);
  const p = spawn('nginx', ['-p', dir, '-c', join(dir, 'nginx.conf'), '-g', 'daemon off;'], { stdio: 'inherit' });
  for (let i = 0; i < 50; i++) {
    await new Promise((r) => setTimeout(r, 100));
    try {
      await new Promise<void>((resolve, reject) => { const s = connect(port, '127.0.0.1', () => { s.destroy(); resolve(); }); s.on('error', reject); });
      break;
    } catch { /* not yet */ }
  }
  return { url: `https://localhost:${port}`, close: () => new Promise((r) => { p.on('close', () => r()); p.kill('SIGQUIT'); }) };
}

const fmt = (n: number) => n.toFixed(0).padStart(8);
const results: Record<string, { newConn?: LoadResult; keepAlive?: LoadResult }> = {};

const emu = await startEmulator(
  (() => {
    const c = defaultConfig(pki);
    return { ...c, hostnameConfigurations: [{ hostName: 'localhost', certificate: { pki: 'server' }, negotiateClientCertificate: true }], emulation: { keepAliveTimeoutMs: 60_000, handshakeTimeoutMs: 30_000 }, listen: { host: '127.0.0.1', port: 0, introspectionPort: 0 } };
  })(),
  { pkiDir, pki },
);
process.stdout.write(`emulator ${emu.url}; ${SECONDS}s per measurement, concurrency ${CONCURRENCY}\n`);
results.emulator = {
  newConn: await load('new-connections', `${emu.url}/documented/thumbprint`),
  keepAlive: await load('keep-alive', `${emu.url}/validate/echo`),
};
const rssBefore = process.memoryUsage().rss / 1024 / 1024;
const held = await holdConnections(`${emu.url}/open/held`, () => process.memoryUsage().rss);
await emu.close();

const bare = await bareNode();
results['bare node'] = { newConn: await load('new-connections', `${bare.url}/`), keepAlive: await load('keep-alive', `${bare.url}/`) };
await bare.close();

const ng = await nginx();
if (ng) {
  results.nginx = { newConn: await load('new-connections', `${ng.url}/`), keepAlive: await load('keep-alive', `${ng.url}/`) };
  await ng.close();
}
await prepared.close();

process.stdout.write('\ntarget        new mTLS conn/s   keep-alive req/s   (failed, statuses)\n');
for (const [name, r] of Object.entries(results)) {
  process.stdout.write(`${name.padEnd(12)} ${fmt(r.newConn!.perSecond)}          ${fmt(r.keepAlive!.perSecond)}          ${JSON.stringify({ nc: [r.newConn!.failed, r.newConn!.statuses], ka: [r.keepAlive!.failed, r.keepAlive!.statuses] })}\n`);
}
const e = results.emulator!;
const b = results['bare node']!;
const n = results.nginx;
process.stdout.write('\nratios (issue 3, "Speed")\n');
if (n) {
  process.stdout.write(`  new mTLS connections/s, thumbprint policy / nginx:        ${(e.newConn!.perSecond / n.newConn!.perSecond).toFixed(2)}  (target ≥ 0.70)\n`);
  process.stdout.write(`  keep-alive req/s, validate-client-certificate+echo / nginx: ${(e.keepAlive!.perSecond / n.keepAlive!.perSecond).toFixed(2)}  (target ≥ 0.30)\n`);
  process.stdout.write(`  bare Node / nginx: new connections ${(b.newConn!.perSecond / n.newConn!.perSecond).toFixed(2)}, keep-alive ${(b.keepAlive!.perSecond / n.keepAlive!.perSecond).toFixed(2)}\n`);
} else {
  process.stdout.write('  nginx not installed (apt-get install nginx): ratios against nginx skipped\n');
}
process.stdout.write(`  new connections/s emulator / bare Node:                   ${(e.newConn!.perSecond / b.newConn!.perSecond).toFixed(2)}  (target: no cost at the handshake, ≈ 1.0)\n`);
process.stdout.write(`  pipeline cost, keep-alive: 1 − emulator / bare Node:        ${((1 - e.keepAlive!.perSecond / b.keepAlive!.perSecond) * 100).toFixed(0)}%  (target < 15%)\n`);
process.stdout.write(`  ${held.held} keep-alive mTLS connections held: RSS ${held.rssMb.toFixed(0)} MB (before ${rssBefore.toFixed(0)} MB; target < 300 MB)\n`);
rmSync(work, { recursive: true, force: true });
process.exit(0);
