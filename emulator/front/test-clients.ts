// Real clients for the front's tests: curl, openssl s_client, Node https and undici, each reporting what a user
// of that client would see (status, headers, body, or the error). Renegotiation is disabled per client the way
// node-tls-notes.md records: curl through an OPENSSL_CONF file, s_client with -no_renegotiation, Node and undici
// with SSL_OP_NO_RENEGOTIATION.
import { spawn } from 'node:child_process';
import { constants as cryptoConstants } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request as undiciRequest } from 'undici';

export interface ClientAuth {
  readonly certFile?: string;
  readonly keyFile?: string;
  readonly caFile: string;
}

export interface ClientResult {
  readonly status?: number;
  readonly headers: Record<string, string>;
  readonly body: string;
  readonly error?: string;
  readonly ms: number;
  readonly httpVersion?: string;
}

export interface CurlOptions extends ClientAuth {
  readonly url: string;
  readonly method?: string;
  readonly bodyBytes?: number;
  readonly expect100?: boolean;
  readonly http2?: boolean;
  readonly tls?: '1.2' | '1.3';
  readonly noRenegotiation?: boolean;
  readonly maxTimeS?: number;
  readonly extraArgs?: readonly string[];
}

export interface CurlResult extends ClientResult {
  readonly exitCode: number;
  readonly stderr: string;
}

const parseHeaderBlock = (text: string): { status?: number; version?: string; headers: Record<string, string> } => {
  // Keep the last response block (a 100 Continue or an h2 → h1 retry comes first).
  const blocks = text.split(/\r?\n\r?\n/).filter((b) => b.trim().startsWith('HTTP/'));
  const last = blocks.at(-1) ?? '';
  const lines = last.split(/\r?\n/);
  const m = lines[0]?.match(/^HTTP\/([\d.]+) (\d{3})/);
  const headers: Record<string, string> = {};
  for (const l of lines.slice(1)) {
    const i = l.indexOf(':');
    if (i > 0) headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
  }
  return { status: m ? Number(m[2]) : undefined, version: m?.[1], headers };
};

export async function curl(o: CurlOptions): Promise<CurlResult> {
  const dir = mkdtempSync(join(tmpdir(), 'certgate-curl-'));
  try {
    const args = ['-sS', '--cacert', o.caFile, '-D', join(dir, 'headers'), '-o', join(dir, 'body'), '--max-time', String(o.maxTimeS ?? 20)];
    if (o.certFile && o.keyFile) args.push('--cert', o.certFile, '--key', o.keyFile);
    args.push(o.http2 ? '--http2' : '--http1.1');
    if (o.tls === '1.2') args.push('--tlsv1.2', '--tls-max', '1.2');
    if (o.tls === '1.3') args.push('--tlsv1.3');
    if (o.method) args.push('-X', o.method);
    if (o.bodyBytes !== undefined) {
      writeFileSync(join(dir, 'upload'), Buffer.alloc(o.bodyBytes, 0x61));
      args.push('--data-binary', `@${join(dir, 'upload')}`, '-H', 'content-type: application/octet-stream');
      args.push('-H', o.expect100 ? 'Expect: 100-continue' : 'Expect:');
    }
    args.push(...(o.extraArgs ?? []), o.url);
    const env = { ...process.env };
    if (o.noRenegotiation) {
      const conf = join(dir, 'openssl.cnf');
      writeFileSync(conf, 'openssl_conf = init\n[init]\nssl_conf = ssl_sect\n[ssl_sect]\nsystem_default = system_default_sect\n[system_default_sect]\nOptions = NoRenegotiation\n');
      env.OPENSSL_CONF = conf;
    }
    const started = performance.now();
    const { code, stderr } = await new Promise<{ code: number; stderr: string }>((resolve) => {
      const p = spawn('curl', args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
      let err = '';
      p.stderr.on('data', (d: Buffer) => { err += d.toString(); });
      p.on('close', (c) => resolve({ code: c ?? -1, stderr: err }));
    });
    const ms = performance.now() - started;
    const headerText = safeRead(join(dir, 'headers'));
    const parsed = parseHeaderBlock(headerText);
    return {
      exitCode: code, stderr, ms, status: parsed.status, headers: parsed.headers, httpVersion: parsed.version,
      body: safeRead(join(dir, 'body')), error: code === 0 ? undefined : stderr.trim(),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const safeRead = (f: string): string => {
  try {
    return readFileSync(f, 'utf8');
  } catch {
    return '';
  }
};

export interface NodeClientOptions extends ClientAuth {
  readonly url: string;
  readonly method?: string;
  readonly bodyBytes?: number;
  readonly noRenegotiation?: boolean;
  readonly tls13?: boolean;
  readonly timeoutMs?: number;
}

/** Node's https.request, one connection per call (agent: false). */
export function nodeHttps(o: NodeClientOptions): Promise<ClientResult> {
  const started = performance.now();
  return new Promise((resolve) => {
    const body = o.bodyBytes ? Buffer.alloc(o.bodyBytes, 0x62) : undefined;
    const req = httpsRequest(o.url, {
      method: o.method ?? (body ? 'POST' : 'GET'), agent: false,
      ca: readFileSync(o.caFile), cert: o.certFile ? readFileSync(o.certFile) : undefined, key: o.keyFile ? readFileSync(o.keyFile) : undefined,
      maxVersion: o.tls13 ? 'TLSv1.3' : 'TLSv1.2', minVersion: o.tls13 ? 'TLSv1.3' : 'TLSv1.2',
      secureOptions: o.noRenegotiation ? cryptoConstants.SSL_OP_NO_RENEGOTIATION : undefined,
      headers: body ? { 'content-length': String(body.length), 'content-type': 'application/octet-stream' } : {},
      timeout: o.timeoutMs ?? 20_000,
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: flat(res.headers), body: Buffer.concat(chunks).toString(), ms: performance.now() - started, httpVersion: res.httpVersion }));
      res.on('error', (e) => resolve({ headers: {}, body: '', error: (e as NodeJS.ErrnoException).code ?? e.message, ms: performance.now() - started }));
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error('client timeout'), { code: 'CLIENT_TIMEOUT' })));
    req.on('error', (e: NodeJS.ErrnoException) => resolve({ headers: {}, body: '', error: e.code ?? e.message, ms: performance.now() - started }));
    req.end(body);
  });
}

const flat = (h: Record<string, string | string[] | undefined>): Record<string, string> =>
  Object.fromEntries(Object.entries(h).filter(([, v]) => v !== undefined).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : String(v)]));

export function undiciAgent(o: ClientAuth & { allowH2?: boolean; noRenegotiation?: boolean; connections?: number }): Agent {
  return new Agent({
    allowH2: o.allowH2 ?? false,
    connections: o.connections,
    connect: {
      ca: readFileSync(o.caFile), cert: o.certFile ? readFileSync(o.certFile) : undefined, key: o.keyFile ? readFileSync(o.keyFile) : undefined,
      maxVersion: 'TLSv1.2', servername: 'localhost',
      secureOptions: o.noRenegotiation ? cryptoConstants.SSL_OP_NO_RENEGOTIATION : undefined,
    },
  });
}

export async function undici(agent: Agent, url: string, opts: { method?: string; bodyBytes?: number } = {}): Promise<ClientResult> {
  const started = performance.now();
  try {
    const body = opts.bodyBytes ? Buffer.alloc(opts.bodyBytes, 0x63) : undefined;
    const res = await undiciRequest(url, { dispatcher: agent, method: (opts.method ?? (body ? 'POST' : 'GET')) as 'GET', body, headers: body ? { 'content-type': 'application/octet-stream' } : {} });
    const text = await res.body.text();
    return { status: res.statusCode, headers: flat(res.headers as Record<string, string | string[]>), body: text, ms: performance.now() - started };
  } catch (e) {
    const err = e as NodeJS.ErrnoException & { cause?: NodeJS.ErrnoException };
    return { headers: {}, body: '', error: err.code ?? err.message, ms: performance.now() - started };
  }
}

export interface SClientOptions extends ClientAuth {
  readonly port: number;
  readonly request: string;
  readonly noRenegotiation?: boolean;
  /** Extra lines written after the request (e.g. "R\n" asks s_client for a client-initiated renegotiation). */
  readonly afterRequest?: readonly string[];
  readonly timeoutMs?: number;
  /** Interactive mode (no -ign_eof): s_client reads "R" lines as commands; stdin EOF ends the session. */
  readonly interactive?: boolean;
}

/** openssl s_client over TLS 1.2: writes the raw request, returns everything it printed. */
export function sClient(o: SClientOptions): Promise<{ stdout: string; stderr: string; code: number }> {
  const args = ['s_client', '-connect', `127.0.0.1:${o.port}`, '-servername', 'localhost', '-CAfile', o.caFile, '-tls1_2'];
  if (!o.interactive) args.push('-ign_eof');
  if (o.certFile && o.keyFile) args.push('-cert', o.certFile, '-key', o.keyFile);
  if (o.noRenegotiation) args.push('-no_renegotiation');
  return new Promise((resolve) => {
    const p = spawn('openssl', args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    p.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    const timer = setTimeout(() => p.kill('SIGTERM'), o.timeoutMs ?? 10_000);
    p.on('close', (code) => { clearTimeout(timer); resolve({ stdout, stderr, code: code ?? -1 }); });
    p.stdin.write(o.request);
    let delay = 300;
    for (const line of o.afterRequest ?? []) {
      setTimeout(() => p.stdin.writable && p.stdin.write(line), delay);
      delay += 300;
    }
    setTimeout(() => p.stdin.writable && p.stdin.end(), delay);
    p.stdin.on('error', () => { /* the server may close first */ });
  });
}
