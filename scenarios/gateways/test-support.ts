// Shared by the gateway driver tests: one PKI per test file (keys cached under os.tmpdir()), client certificate files
// for curl, and two real clients — curl (the reference HTTP client) and Node https/http2 — reporting what happened.

import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { connect as h2connect, constants as h2 } from 'node:http2';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultSpec, getFreePort, issuePki, type Pki } from '../../ca/index';
import type { GatewayDriver } from './driver';

export interface TestPki {
  readonly pki: Pki;
  readonly dir: string;
  readonly rootPem: string;
  readonly rootFile: string;
  files(name: string): { cert: string; key: string };
  cleanup(): void;
}

export async function issueTestPki(): Promise<TestPki> {
  const pki = await issuePki(defaultSpec(), {
    responder: { host: '127.0.0.1', port: await getFreePort() },
    cacheDir: join(tmpdir(), 'certgate-gateway-test-keys'),
  });
  const dir = mkdtempSync(join(tmpdir(), 'certgate-gw-test-'));
  const rootPem = pki.trustedRoots.map((r) => r.certPem).join('');
  const rootFile = join(dir, 'roots.pem');
  writeFileSync(rootFile, rootPem);
  const written = new Map<string, { cert: string; key: string }>();
  return {
    pki,
    dir,
    rootPem,
    rootFile,
    files(name) {
      let f = written.get(name);
      if (!f) {
        const c = pki.get(name);
        f = { cert: join(dir, `${name}.pem`), key: join(dir, `${name}.key.pem`) };
        writeFileSync(f.cert, c.certPem);
        writeFileSync(f.key, c.keyPem, { mode: 0o600 });
        written.set(name, f);
      }
      return f;
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** The driver's binary, or the reason the tests must be skipped. */
export async function availability(driver: GatewayDriver): Promise<string | undefined> {
  const d = await driver.detect();
  return 'unavailable' in d ? d.unavailable : undefined;
}

export interface CurlResult {
  readonly exitCode: number;
  readonly status: number;
  readonly httpVersion: string;
  readonly body: string;
  readonly stderr: string;
}

export interface CurlOptions {
  readonly cert?: { cert: string; key: string };
  readonly http2?: boolean;
  readonly tls?: '1.2' | '1.3';
  readonly bodyBytes?: number;
  readonly method?: string;
  readonly verbose?: boolean;
}

/** curl against the gateway (trusting the PKI's roots); never throws on HTTP or TLS failures. */
export function curl(t: TestPki, url: string, o: CurlOptions = {}): Promise<CurlResult> {
  const args = ['-sS', '--max-time', '15', '--cacert', t.rootFile, '-o', '-', '-w', '\n@@%{http_code} %{http_version}'];
  args.push(o.http2 ? '--http2' : '--http1.1');
  if (o.verbose) args.push('-v');
  if (o.tls) args.push(`--tlsv${o.tls}`, '--tls-max', o.tls);
  if (o.cert) args.push('--cert', o.cert.cert, '--key', o.cert.key);
  if (o.bodyBytes !== undefined) {
    const f = join(t.dir, `body-${o.bodyBytes}.bin`);
    writeFileSync(f, Buffer.alloc(o.bodyBytes, 0x61));
    // No `Expect: 100-continue` (curl adds it above 1 MiB): the body follows the headers at once.
    args.push('--data-binary', `@${f}`, '-H', 'Content-Type: application/octet-stream', '-H', 'Expect:');
  }
  if (o.method) args.push('-X', o.method);
  args.push(url);
  return new Promise((resolve) => {
    execFile('curl', args, { maxBuffer: 8 << 20 }, (err, stdout, stderr) => {
      const at = stdout.lastIndexOf('\n@@');
      const [code, version] = at >= 0 ? stdout.slice(at + 3).split(' ') : ['0', ''];
      resolve({
        exitCode: err ? (typeof err.code === 'number' ? err.code : -1) : 0,
        status: Number(code),
        httpVersion: version ?? '',
        body: at >= 0 ? stdout.slice(0, at) : stdout,
        stderr,
      });
    });
  });
}

export type NodeResult =
  | { readonly kind: 'response'; readonly status: number; readonly body: string; readonly alpn: string | false }
  | { readonly kind: 'error'; readonly code: string; readonly message: string }
  | { readonly kind: 'reset'; readonly rstCode: number };

export interface NodeOptions {
  readonly cert?: string;
  readonly tls?: '1.2' | '1.3';
  readonly bodyBytes?: number;
  readonly path?: string;
}

function tlsOptions(t: TestPki, cert: string | undefined, tls: '1.2' | '1.3' | undefined) {
  const c = cert ? t.pki.get(cert) : undefined;
  return {
    ca: t.rootPem,
    servername: 'localhost',
    ...(c ? { cert: c.certPem, key: c.keyPem } : {}),
    ...(tls ? { minVersion: `TLSv${tls}` as const, maxVersion: `TLSv${tls}` as const } : {}),
  };
}

/** One HTTP/1.1 request with Node's https client on a fresh connection. */
export function nodeHttps(t: TestPki, url: string, o: NodeOptions = {}): Promise<NodeResult> {
  return new Promise((resolve) => {
    const body = o.bodyBytes !== undefined ? Buffer.alloc(o.bodyBytes, 0x62) : undefined;
    const req = httpsRequest(
      new URL(o.path ?? '/echo', url),
      { method: body ? 'POST' : 'GET', agent: false, ...tlsOptions(t, o.cert, o.tls), headers: body ? { 'content-length': body.length } : {} },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () => resolve({ kind: 'response', status: res.statusCode ?? 0, body: text, alpn: false }));
        res.on('error', (e: NodeJS.ErrnoException) => resolve({ kind: 'error', code: e.code ?? 'ERR', message: e.message }));
      },
    );
    req.setTimeout(15_000, () => req.destroy(new Error('timeout')));
    req.on('error', (e: NodeJS.ErrnoException) => resolve({ kind: 'error', code: e.code ?? 'ERR', message: e.message }));
    req.end(body);
  });
}

/** One request over HTTP/2 with Node's http2 client; a stream reset is its own result. */
export function nodeH2(t: TestPki, url: string, o: NodeOptions = {}): Promise<NodeResult> {
  return new Promise((resolve) => {
    const session = h2connect(url, tlsOptions(t, o.cert, o.tls));
    const finish = (r: NodeResult) => {
      session.close();
      resolve(r);
    };
    session.on('error', (e: NodeJS.ErrnoException) => finish({ kind: 'error', code: e.code ?? 'ERR', message: e.message }));
    const stream = session.request({ [h2.HTTP2_HEADER_PATH]: o.path ?? '/echo', [h2.HTTP2_HEADER_METHOD]: 'GET' });
    let status = 0;
    let text = '';
    stream.setEncoding('utf8');
    stream.on('response', (h) => (status = Number(h[h2.HTTP2_HEADER_STATUS])));
    stream.on('data', (d: string) => (text += d));
    stream.on('close', () => {
      if (stream.rstCode && stream.rstCode !== h2.NGHTTP2_NO_ERROR && !status) finish({ kind: 'reset', rstCode: stream.rstCode });
      else finish({ kind: 'response', status, body: text, alpn: session.alpnProtocol ?? false });
    });
    stream.on('error', () => {
      /* reported through close/rstCode */
    });
    stream.end();
  });
}

/** `openssl x509 -subject -nameopt RFC2253` for a PKI certificate: an independent rendering of its subject. */
export function opensslSubject(t: TestPki, name: string): Promise<string> {
  const { cert } = t.files(name);
  return new Promise((resolve, reject) =>
    execFile('openssl', ['x509', '-in', cert, '-noout', '-subject', '-nameopt', 'RFC2253'], (err, stdout) =>
      err ? reject(err) : resolve(stdout.trim().replace(/^subject=/, '')),
    ),
  );
}
