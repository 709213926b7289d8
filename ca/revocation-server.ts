// One node:http server for a PKI's revocation endpoints: CRLs (current, expired, large) and OCSP (POST and GET, per
// CA or for all), with faults a test switches at runtime. Binds loopback by default, port 0 picks a free port.
//
//   GET  /crl/<ca>.crl | /crl/<ca>.crl.pem | /crl/<ca>-expired.crl | /crl/<ca>-large.crl
//   POST /ocsp/<ca> | /ocsp                  (application/ocsp-request → application/ocsp-response)
//   GET  /ocsp/<ca>/<url-encoded base64> | /ocsp/<url-encoded base64>   (RFC 6960 appendix A.1)
//
// OCSP problems are answered in OCSP (HTTP 200 with malformedRequest / unauthorized / tryLater), since that is what
// OCSP clients read; HTTP errors are only for what is not OCSP at all (404 unknown path, 405, 413 body too large).

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { buildCrl, syntheticEntries, type CrlEntry } from './crl-builder';
import { derToPem } from './der';
import { OcspResponder, type OcspFault, type OcspOutcome, type OcspResponderOptions } from './ocsp-responder';
import type { IssuingAuthority } from './types';

export type RevocationFault =
  | { readonly mode: 'none' } // clear the fault for this scope
  | { readonly mode: 'up' } // same as none; named for symmetry with down
  | { readonly mode: 'down' } // all CAs: stop listening (connection refused); one CA: reset its connections
  | { readonly mode: 'slow'; readonly delayMs: number }
  | { readonly mode: 'tryLater' } // OCSP tryLater; CRLs 503
  | { readonly mode: 'badSignature' } // one signature byte flipped, in OCSP answers and CRLs
  | { readonly mode: 'staleNextUpdate' }; // OCSP nextUpdate in the past; the current CRL URL serves the expired one

export interface FaultSwitch {
  /** Sets the fault for one CA (`ca`) or for all; resolves once the listening state matches (down/up). */
  set(fault: RevocationFault & { readonly ca?: string }): Promise<void>;
  /** Clears every fault and listens again if down. */
  clear(): Promise<void>;
  get(ca?: string): RevocationFault;
}

export interface RevocationStats {
  requests: number;
  crl: number;
  ocsp: Record<OcspOutcome, number>;
  ocspCached: number;
  notFound: number;
  tooLarge: number;
}

export interface RevocationServer {
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly faults: FaultSwitch;
  readonly stats: RevocationStats;
  crlUrl(ca: string, variant?: 'current' | 'expired' | 'large'): string;
  ocspUrl(ca?: string): string;
  close(): Promise<void>;
}

export interface RevocationServerOptions {
  readonly authorities: readonly IssuingAuthority[];
  readonly host?: string;
  readonly port?: number;
  readonly now?: () => Date;
  /** nextUpdate − thisUpdate of the CRLs; a CRL is rebuilt after half of it. Default 7 days. */
  readonly crlValidityMs?: number;
  /** Synthetic entries in the -large CRL. Default 10,000. */
  readonly largeCrlEntries?: number;
  readonly maxBodyBytes?: number;
  /** A connection whose request headers are still incomplete after this long is closed (slowloris). Default 10 s. */
  readonly headersTimeoutMs?: number;
  readonly responder?: OcspResponderOptions;
}

type CrlVariant = 'current' | 'expired' | 'large';
const NONE: RevocationFault = { mode: 'none' };

export async function startRevocationServer(opts: RevocationServerOptions): Promise<RevocationServer> {
  const host = opts.host ?? '127.0.0.1';
  const now = opts.now ?? (() => new Date());
  const crlValidityMs = opts.crlValidityMs ?? 7 * 86_400_000;
  const maxBody = opts.maxBodyBytes ?? 64 * 1024;
  const byName = new Map(opts.authorities.map((a) => [a.name, a]));
  if (byName.size !== opts.authorities.length) throw new Error('startRevocationServer: two authorities share a name');
  const single = new Map(opts.authorities.map((a) => [a.name, [a] as const]));
  const all = [...opts.authorities];
  const responder = new OcspResponder(opts.responder);
  const stats: RevocationStats = {
    requests: 0,
    crl: 0,
    ocsp: { good: 0, revoked: 0, unknown: 0, mixed: 0, malformedRequest: 0, unauthorized: 0, tryLater: 0, internalError: 0 },
    ocspCached: 0,
    notFound: 0,
    tooLarge: 0,
  };

  // Faults
  let globalFault: RevocationFault = NONE;
  const caFaults = new Map<string, RevocationFault>();
  const faultOf = (ca?: string): RevocationFault => (ca !== undefined ? caFaults.get(ca) : undefined) ?? globalFault;
  const ocspFault = (a: IssuingAuthority): OcspFault => {
    const m = faultOf(a.name).mode;
    return m === 'tryLater' || m === 'badSignature' || m === 'staleNextUpdate' ? m : undefined;
  };

  // CRLs, built lazily and reused for half their validity (or until the revoked list changes)
  const crlCache = new Map<string, { der: Buffer; until: number; revoked: unknown }>();
  const largeExtras = new Map<string, CrlEntry[]>();
  function crlFor(authority: IssuingAuthority, variant: CrlVariant, corrupt: boolean): Buffer {
    const t = now().getTime();
    const key = `${authority.name}|${variant}|${corrupt}`;
    const hit = crlCache.get(key);
    if (hit && t < hit.until && hit.revoked === authority.revoked) return hit.der;
    const thisUpdate = Math.floor(t / 60_000) * 60_000 - (variant === 'expired' ? 2 * crlValidityMs : 0);
    let extraEntries: CrlEntry[] | undefined;
    if (variant === 'large') {
      extraEntries = largeExtras.get(authority.name) ?? syntheticEntries(authority, opts.largeCrlEntries ?? 10_000, new Date(thisUpdate - 86_400_000));
      largeExtras.set(authority.name, extraEntries);
    }
    const der = buildCrl(authority, {
      thisUpdate: new Date(thisUpdate),
      nextUpdate: new Date(thisUpdate + crlValidityMs),
      // Seconds of thisUpdate: increases from one CRL to the next without state kept across restarts.
      crlNumber: BigInt(Math.floor(thisUpdate / 1000)),
      extraEntries,
      corruptSignature: corrupt,
    });
    crlCache.set(key, { der, until: t + crlValidityMs / 2, revoked: authority.revoked });
    return der;
  }

  const send = (res: ServerResponse, status: number, type: string, body: Buffer | string, extra: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body), ...extra });
    res.end(body);
  };
  const notFound = (res: ServerResponse) => {
    stats.notFound++;
    send(res, 404, 'text/plain', 'not found\n');
  };

  function serveCrl(res: ServerResponse, file: string): void {
    const m = /^(.+?)(\.crl\.pem|\.crl)$/.exec(file);
    if (!m) return notFound(res);
    let [base, ext] = [m[1]!, m[2]!];
    let variant: CrlVariant = 'current';
    if (!byName.has(base)) {
      const v = /^(.+)-(expired|large)$/.exec(base);
      if (!v || !byName.has(v[1]!)) return notFound(res);
      [base, variant] = [v[1]!, v[2] as CrlVariant];
    }
    const authority = byName.get(base)!;
    const fault = faultOf(base).mode;
    if (fault === 'tryLater') return send(res, 503, 'text/plain', 'try later\n', { 'retry-after': '1' });
    if (fault === 'staleNextUpdate' && variant === 'current') variant = 'expired';
    const der = crlFor(authority, variant, fault === 'badSignature');
    stats.crl++;
    if (ext === '.crl.pem') send(res, 200, 'application/x-pem-file', derToPem(der, 'X509 CRL'));
    else send(res, 200, 'application/pkix-crl', der);
  }

  function serveOcsp(res: ServerResponse, ca: string | undefined, requestDer: Buffer, isGet: boolean): void {
    const answer = responder.answer(requestDer, ca ? single.get(ca)! : all, now(), ocspFault);
    stats.ocsp[answer.outcome]++;
    if (answer.cached) stats.ocspCached++;
    // RFC 5019 §6.2: GET answers are cacheable by HTTP caches; POST answers are not.
    send(res, 200, 'application/ocsp-response', answer.der, isGet ? { 'cache-control': 'max-age=60, public, no-transform, must-revalidate' } : {});
  }

  /** Splits /ocsp/<rest>: a leading CA name when it is one, and the (possibly absent) base64 request. */
  function ocspTarget(rest: string): { ca?: string; b64?: string } | undefined {
    if (rest === '') return {};
    const slash = rest.indexOf('/');
    const first = safeDecode(slash < 0 ? rest : rest.slice(0, slash));
    if (first !== undefined && byName.has(first)) return { ca: first, b64: slash < 0 ? undefined : rest.slice(slash + 1) };
    return { b64: rest };
  }

  function handle(req: IncomingMessage, res: ServerResponse): void {
    stats.requests++;
    const path = (req.url ?? '/').split('?')[0]!;
    const caOfPath = /^\/(?:crl|ocsp)\/([^/]+?)(?:-expired|-large)?(?:\.crl(?:\.pem)?)?(?:\/|$)/.exec(path)?.[1];
    const fault = faultOf(caOfPath && byName.has(caOfPath) ? caOfPath : undefined);
    if (fault.mode === 'down') {
      // Only one CA is down (the whole server being down never gets here): drop its connection unanswered.
      req.socket.destroy();
      return;
    }
    const proceed = () => route(req, res, path);
    if (fault.mode === 'slow') {
      const timer = setTimeout(proceed, fault.delayMs);
      res.on('close', () => clearTimeout(timer));
    } else proceed();
  }

  function route(req: IncomingMessage, res: ServerResponse, path: string): void {
    if (path.startsWith('/crl/')) {
      if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'text/plain', 'method not allowed\n', { allow: 'GET' });
      return serveCrl(res, safeDecode(path.slice(5)) ?? '');
    }
    if (path !== '/ocsp' && !path.startsWith('/ocsp/')) return notFound(res);
    const target = ocspTarget(path.slice(6));
    if (!target) return notFound(res);
    if (req.method === 'GET') {
      if (target.b64 === undefined) return notFound(res);
      const b64 = (safeDecode(target.b64) ?? '').replace(/ /g, '+');
      return serveOcsp(res, target.ca, Buffer.from(b64, 'base64'), true);
    }
    if (req.method !== 'POST') return send(res, 405, 'text/plain', 'method not allowed\n', { allow: 'GET, POST' });
    if (target.b64 !== undefined) return notFound(res);
    if (Number(req.headers['content-length'] ?? 0) > maxBody) return tooLarge(res);
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBody) tooLarge(res);
      else chunks.push(chunk);
    });
    req.on('end', () => {
      if (size <= maxBody) serveOcsp(res, target.ca, Buffer.concat(chunks), false);
    });
  }

  function tooLarge(res: ServerResponse): void {
    if (res.headersSent) return;
    stats.tooLarge++;
    send(res, 413, 'text/plain', `request body over ${maxBody} bytes\n`, { connection: 'close' });
  }

  // Node only checks headersTimeout every connectionsCheckingInterval (30 s by default): check four times per timeout
  // so a client that sends half a request line is closed within 1.25 × the timeout.
  const headersTimeout = opts.headersTimeoutMs ?? 10_000;
  const server = createServer({
    keepAlive: true,
    headersTimeout,
    requestTimeout: Math.max(headersTimeout, 60_000),
    connectionsCheckingInterval: Math.max(50, Math.floor(headersTimeout / 4)),
  }, (req, res) => {
    try {
      handle(req, res);
    } catch {
      if (!res.headersSent) send(res, 500, 'text/plain', 'internal error\n');
    }
  });
  server.keepAliveTimeout = 5_000;
  const sockets = new Set<Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('clientError', (_err, socket) => socket.destroy());

  let listening = false;
  let port = opts.port ?? 0;
  const listen = () =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        port = (server.address() as { port: number }).port;
        listening = true;
        resolve();
      });
    });
  const stop = () =>
    new Promise<void>((resolve) => {
      if (!listening) return resolve();
      listening = false;
      server.close(() => resolve());
      for (const s of sockets) s.destroy();
    });
  await listen();

  const hostInUrl = host.includes(':') ? `[${host}]` : host;
  const url = () => `http://${hostInUrl}:${port}`;
  const faults: FaultSwitch = {
    async set(fault) {
      const { ca, ...rest } = fault as RevocationFault & { ca?: string };
      const value = (rest.mode === 'up' ? NONE : rest) as RevocationFault;
      if (ca !== undefined) {
        if (!byName.has(ca)) throw new Error(`faults.set: no CA named "${ca}" (known: ${[...byName.keys()].join(', ')})`);
        if (value.mode === 'none') caFaults.delete(ca);
        else caFaults.set(ca, value);
        return;
      }
      globalFault = value;
      if (value.mode === 'down') await stop();
      else if (!listening) await listen();
    },
    async clear() {
      caFaults.clear();
      globalFault = NONE;
      if (!listening) await listen();
    },
    get: (ca) => faultOf(ca),
  };

  return {
    get url() {
      return url();
    },
    host,
    get port() {
      return port;
    },
    faults,
    stats,
    crlUrl: (ca, variant = 'current') => `${url()}/crl/${encodeURIComponent(ca)}${variant === 'current' ? '' : `-${variant}`}.crl`,
    ocspUrl: (ca) => (ca === undefined ? `${url()}/ocsp` : `${url()}/ocsp/${encodeURIComponent(ca)}`),
    close: stop,
  };
}

function safeDecode(s: string): string | undefined {
  try {
    return decodeURIComponent(s);
  } catch {
    return undefined;
  }
}
