// One request through the front: match the route, plan, carry the plan out on the socket (read, renegotiate,
// deadlock, reset), build the certificate the policies see, run the pipeline, answer. Every answer carries the
// request id, errors included.
import type { Http2ServerRequest } from 'node:http2';
import type { TLSSocket } from 'node:tls';
import type { X509Certificate2 } from '../certificates/x509-certificate2';
import { bodyLength, type Backend, type GatewayRequest, type GatewayResponse, type Pipeline, type RecordEvent, type RouteMatch } from '../pipeline/contract';
import { stateOf, type ConnectionState, type PeerCertificate } from './connection-state';
import { carryOutDeadlock } from './deadlock';
import { isHttp2, resetWithHttp11Required, type AnyRequest } from './http2';
import { planRequest, tierFamily, type BodyFraming, type Plan, type TierSettings } from './planner';
import { startRenegotiation } from './renegotiation';
import { jsonResponse, writeResponse, type AnyResponse } from './respond';
import type { RequestTimeline, TimelineStore } from './timeline';

export interface FrontContext {
  readonly hostName: string;
  readonly tier: TierSettings;
  readonly renegotiationTimeoutMs: number;
  readonly handshakeSettleMs: number;
  readonly maxBodyBytes: number;
  readonly pipeline: Pipeline;
  /** The backend of the matched API (echo, or a URL). */
  readonly backendFor: (match: RouteMatch) => Backend;
  readonly store: TimelineStore;
  /** Builds the policies' certificate object from what the client presented (once per connection). */
  readonly buildCertificate: (peer: PeerCertificate) => Promise<X509Certificate2>;
  /** Prefetches what Verify() needs (revocation), once per connection, when a policy reads the certificate. */
  readonly prepareCertificate?: (certificate: X509Certificate2, record: RecordEvent) => Promise<void>;
}

// Framings without a length are the same every time: shared, frozen.
const NO_FRAMING: BodyFraming = Object.freeze({ kind: 'none' });
const CHUNKED: BodyFraming = Object.freeze({ kind: 'chunked' });

function bodyFraming(req: AnyRequest): BodyFraming {
  const headers = req.headers;
  const length = headers['content-length'];
  if (length !== undefined && /^\d+$/.test(length)) return Number(length) === 0 ? NO_FRAMING : { kind: 'length', bytes: Number(length) };
  if (isHttp2(req)) return req.stream.readableEnded || req.stream.endAfterHeaders ? NO_FRAMING : CHUNKED;
  const te = headers['transfer-encoding'];
  return te !== undefined && /chunked/i.test(String(te)) ? CHUNKED : NO_FRAMING;
}

/** Header names the gateway empties before the policies see them, per tier family. */
// OBS (apim-behaviour.md §7): on v2 tiers a header named X-ARR-ClientCert (e.g. one an Application Gateway
// forwards the client certificate in) arrives empty — the name is the gateway's own.
const EMPTIED_HEADERS: Partial<Record<ReturnType<typeof tierFamily>, ReadonlySet<string>>> = {
  v2: new Set(['x-arr-clientcert']),
};

function headersOf(req: AnyRequest, tier: TierSettings): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  const emptied = EMPTIED_HEADERS[tierFamily(tier.sku)];
  const raw = req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    if (name.startsWith(':')) continue;
    (out[name] ??= []).push(emptied?.has(name) ? '' : raw[i + 1]!);
  }
  return out;
}

/** Reads the body up to `limit` bytes; beyond it stops (paused) and reports the overflow. */
function readBody(req: AnyRequest, r: RequestTimeline, limit: number): Promise<{ body: Buffer; overflow: boolean }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const onData = (chunk: Buffer): void => {
      r.bodyBytesRead += chunk.length;
      chunks.push(chunk);
      if (r.bodyBytesRead > limit) { cleanup(); req.pause(); resolve({ body: Buffer.concat(chunks), overflow: true }); }
    };
    const onEnd = (): void => { cleanup(); resolve({ body: Buffer.concat(chunks), overflow: false }); };
    const onError = (e: Error): void => { cleanup(); reject(e); };
    const onAborted = (): void => { cleanup(); reject(new Error('client aborted the request')); };
    const cleanup = (): void => { req.off('data', onData); req.off('end', onEnd); req.off('error', onError); req.off('aborted', onAborted); };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('aborted', onAborted);
    req.resume();
  });
}

/**
 * Answers one request. Runs synchronously to the answer on the keep-alive path (no body, certificate ready, nothing in
 * the pipeline waits) and returns a promise only when something had to wait: an async function here, and the one it
 * awaited, cost two promises and microtask turns per request for work that was already done.
 */
export function handleRequest(ctx: FrontContext, req: AnyRequest, res: AnyResponse, expectContinue: boolean): Promise<void> | undefined {
  const http2 = isHttp2(req);
  const socket = req.socket as TLSSocket;
  const conn = stateOf(socket);
  const method = req.method ?? 'GET';
  const target = req.url ?? '/';
  if (!conn) {
    writeResponse(res, 'none', jsonResponse(500, 'connection state missing'), { http2, close: true });
    return;
  }
  // Per-connection facts, read once per connection (TLS 1.2 renegotiation keeps the version).
  const tlsVersion = conn.tlsVersion !== undefined ? conn.tlsVersion : (conn.tlsVersion = socket.getProtocol() ?? undefined);
  const r = ctx.store.openRequest(conn.timeline, method, target, http2 ? 'HTTP/2' : 'HTTP/1.1', tlsVersion);
  const run: Run = { http2, socket, conn, r, method, target, tlsVersion, expectContinue, res };
  try {
    const pending = runRequest(ctx, req, res, run);
    if (pending !== undefined) return pending.catch((err: unknown) => frontError(run, err));
  } catch (err) {
    frontError(run, err);
  }
  return undefined;
}

function frontError(run: Run, err: unknown): void {
  run.r.record('front-error', { message: err instanceof Error ? err.message : String(err) });
  answer(run, jsonResponse(500, 'Internal server error'), true);
}

// A module function, not a closure made per request (each closure costs an allocation, and under tsx a __name call).
function answer(run: Run, resp: GatewayResponse, close = false): void {
  const { r } = run;
  r.status = resp.status;
  r.record('response', { status: resp.status, bytes: bodyLength(resp.body), close });
  writeResponse(run.res, r.id, resp, { http2: run.http2, close });
}

interface Run {
  readonly http2: boolean;
  readonly socket: TLSSocket;
  readonly conn: ConnectionState;
  readonly r: RequestTimeline;
  readonly method: string;
  readonly target: string;
  readonly tlsVersion?: string;
  readonly expectContinue: boolean;
  readonly res: AnyResponse;
}

/** Route, plan, then the body rule; synchronous (undefined) when nothing waited, else the promise of the rest. */
function runRequest(ctx: FrontContext, req: AnyRequest, res: AnyResponse, run: Run): Promise<void> | undefined {
  const { http2, conn, r } = run;
  const url = requestUrl(run.target, req.headers.host ?? (req.headers[':authority'] as string | undefined) ?? ctx.hostName);
  const match = ctx.pipeline.match(run.method, url.pathname);
  r.record('route', routeDetail(match));
  const framing = bodyFraming(req);
  const plan: Plan = planRequest(ctx.tier, {
    protocol: http2 ? 'HTTP/2' : 'HTTP/1.1', tlsVersion: run.tlsVersion ?? 'unknown', method: run.method, body: framing,
    expectContinue: run.expectContinue, readsClientCertificate: match?.needs.readsClientCertificate ?? false,
    certificateOnConnection: conn.certificate !== null, renegotiatedBefore: conn.renegotiated,
  });
  r.record('plan', planDetail(plan));

  if (plan.reject) {
    if (plan.reject.kind === 'rst-stream-http-1.1-required' && http2) {
      r.record('stream-reset', { code: 'HTTP_1_1_REQUIRED' });
      resetWithHttp11Required(req as Http2ServerRequest);
      return;
    }
    if (plan.reject.kind === 'status') {
      answer(run, jsonResponse(plan.reject.status, plan.reject.message));
      return;
    }
    r.record('connection-closed', { reason: plan.why });
    run.socket.destroy();
    return;
  }
  if (!match) {
    if (run.expectContinue) res.writeContinue();
    answer(run, jsonResponse(404, 'Resource not found'));
    return;
  }
  // No body by its framing (no Content-Length / chunked, or a finished h2 stream): nothing to wait for (the common
  // keep-alive GET). Awaiting the stream's 'end' cost five listeners and a promise per request; the timeline records
  // the same event.
  if (plan.bodyRule === 'stream' && framing.kind === 'none') {
    if (run.expectContinue) res.writeContinue();
    return runPipeline(ctx, req, run, match, url, noBody(req, r).body, false, true);
  }
  return readThenRunPipeline(ctx, req, res, run, match, url, framing, plan);
}

/** The body rules that wait (read a body, renegotiate, carry out the deadlock), then the pipeline. */
async function readThenRunPipeline(ctx: FrontContext, req: AnyRequest, res: AnyResponse, run: Run, match: RouteMatch, url: URL, framing: BodyFraming, plan: Plan): Promise<void> {
  const { socket, conn, r } = run;
  let body: Buffer = EMPTY_BODY;
  let closeAfter = false;
  let certificateAllowed = true;

  switch (plan.bodyRule) {
    case 'stream': {
      if (run.expectContinue) res.writeContinue();
      const got = framing.kind === 'none' ? noBody(req, r) : await readRecorded(req, r, ctx.maxBodyBytes);
      if (got.overflow) return answer(run, jsonResponse(413, 'Request entity too large'), true);
      body = got.body;
      break;
    }
    case 'renegotiate-before-continue':
      if (!(await renegotiate(socket, conn, r))) return; // refused: the connection is gone
      res.writeContinue();
      body = (await readRecorded(req, r, ctx.maxBodyBytes)).body;
      break;
    case 'read-then-renegotiate':
      body = (await readRecorded(req, r, plan.readLimitBytes ?? ctx.tier.renegotiationBufferBytes)).body;
      if (!(await renegotiate(socket, conn, r))) return;
      break;
    case 'read-up-to-buffer':
    case 'deadlock': {
      if (plan.bodyRule === 'read-up-to-buffer') {
        const got = await readRecorded(req, r, ctx.tier.renegotiationBufferBytes);
        if (!got.overflow) {
          body = got.body;
          if (!(await renegotiate(socket, conn, r))) return;
          break;
        }
      }
      const end = await carryOutDeadlock({
        socket, body: req, conn, request: r, timeoutMs: ctx.renegotiationTimeoutMs,
        outcome: plan.onTimeout ?? '403', handshakeSettleMs: ctx.handshakeSettleMs,
      });
      if (end.kind !== 'answer') return;
      closeAfter = true;
      if (end.outcome === '403') return answer(run, jsonResponse(403, 'Forbidden'), true);
      certificateAllowed = false; // the documented symptom: the policy sees null
      break;
    }
  }

  await runPipeline(ctx, req, run, match, url, body, closeAfter, certificateAllowed);
}

/** The certificate the policies see (built once per connection; later requests find it ready), then the pipeline. */
function runPipeline(ctx: FrontContext, req: AnyRequest, run: Run, match: RouteMatch, url: URL, body: Buffer, closeAfter: boolean, certificateAllowed: boolean): Promise<void> | undefined {
  const conn = run.conn;
  if (!certificateAllowed || !conn.certificate) return execute(ctx, req, run, match, url, body, closeAfter, null);
  const reads = match.needs.readsClientCertificate;
  const cert = readyCertificate(conn, reads, ctx);
  if (cert !== undefined) return execute(ctx, req, run, match, url, body, closeAfter, cert);
  return certificateFor(ctx, conn, run.r, reads).then((c) => execute(ctx, req, run, match, url, body, closeAfter, c));
}

function execute(ctx: FrontContext, req: AnyRequest, run: Run, match: RouteMatch, url: URL, body: Buffer, closeAfter: boolean, certificate: X509Certificate2 | null): Promise<void> | undefined {
  const { conn, r } = run;
  const request: GatewayRequest = {
    id: r.id, method: run.method, url, headers: headersOf(req, ctx.tier), ipAddress: (conn.remoteAddress ??= run.socket.remoteAddress) ?? '',
    body, protocol: run.http2 ? 'HTTP/2' : 'HTTP/1.1', certificate,
  };
  r.record('pipeline-start', certificate !== null ? WITH_CERTIFICATE : WITHOUT_CERTIFICATE);
  // execute answers synchronously when nothing waited (contract.ts): no await, no microtask turn on that path.
  const response = ctx.pipeline.execute(match, request, ctx.backendFor(match), r.recordEvent);
  if (response instanceof Promise) return response.then((resolved) => answer(run, resolved, closeAfter));
  answer(run, response, closeAfter);
  return undefined;
}

// Module-level helpers rather than per-request closures: each closure a request allocates costs on every call.
async function renegotiate(socket: TLSSocket, conn: ConnectionState, r: RequestTimeline): Promise<boolean> {
  const result = await startRenegotiation(socket, conn, r).done;
  return result.outcome === 'completed';
}

const EMPTY_BODY = Buffer.alloc(0); // zero-length: cannot be written to, safe to share

const NO_BODY = Object.freeze({ body: EMPTY_BODY, overflow: false });

function noBody(req: AnyRequest, r: RequestTimeline): { body: Buffer; overflow: boolean } {
  req.resume(); // let the (empty) stream end so the connection moves on to its next request
  r.record('body-read', NOTHING_READ);
  return NO_BODY;
}

// Timeline details that repeat request after request are built once and shared (frozen): fewer objects per request,
// and far fewer held by the timeline store, which keeps thousands of requests' events (less for the GC to trace).
const NOTHING_READ = Object.freeze({ bytes: 0, overflow: false });
const WITH_CERTIFICATE = Object.freeze({ certificate: true });
const WITHOUT_CERTIFICATE = Object.freeze({ certificate: false });
const NO_ROUTE = Object.freeze({ matched: false });
const routeDetails = new WeakMap<RouteMatch, Readonly<Record<string, unknown>>>();
const planDetails = new WeakMap<Plan, Readonly<Record<string, unknown>>>();

function routeDetail(match: RouteMatch | null): Readonly<Record<string, unknown>> {
  if (!match) return NO_ROUTE;
  let detail = routeDetails.get(match);
  if (!detail) {
    detail = Object.freeze({ api: match.apiName, operation: match.operationName, readsClientCertificate: match.needs.readsClientCertificate });
    if (Object.isFrozen(match)) routeDetails.set(match, detail); // a shared (remembered) match: worth keeping
  }
  return detail;
}

function planDetail(plan: Plan): Readonly<Record<string, unknown>> {
  let detail = planDetails.get(plan);
  if (!detail) {
    detail = Object.freeze({ obtain: plan.obtain, bodyRule: plan.bodyRule, certificate: plan.certificate, why: plan.why, reject: plan.reject?.kind });
    if (Object.isFrozen(plan)) planDetails.set(plan, detail); // one of the planner's constant plans
  }
  return detail;
}

// A plain host[:port] Host (the usual case) joined to an origin-form target is parsed once instead of twice (base,
// then target). Anything the URL parser could read differently when joined — a target starting "//" or "/\\", tabs or
// newlines (stripped by the parser), absolute-form, odd Host characters — takes the two-argument form, as before.
// (Checked against the two-argument form on 200,000 random targets: identical.)
const PLAIN_HOST = /^[A-Za-z0-9.:[\]-]+$/;
const ORIGIN_FORM = /^\/(?![/\\])[^\t\n\r]*$/;

/** The request's absolute URL, as `new URL(target, \`https://${host}\`)` gives it (exported for its test). */
export function requestUrl(target: string, host: string): URL {
  if (ORIGIN_FORM.test(target) && PLAIN_HOST.test(host)) return new URL(`https://${host}${target}`);
  return new URL(target, `https://${host}`);
}

async function readRecorded(req: AnyRequest, r: RequestTimeline, limit: number): Promise<{ body: Buffer; overflow: boolean }> {
  const got = await readBody(req, r, limit);
  r.record('body-read', { bytes: got.body.length, overflow: got.overflow });
  return got;
}

/** What the connection's certificate promises settled to, once they have: later requests need no await. */
interface ReadyCertificate {
  readonly peer: PeerCertificate;
  readonly cert: X509Certificate2;
  prepared: boolean;
}
const ready = new WeakMap<ConnectionState, ReadyCertificate>();

/** The connection's certificate object without waiting, when an earlier request on it already built (and prepared) it. */
function readyCertificate(conn: ConnectionState, prepare: boolean, ctx: FrontContext): X509Certificate2 | undefined {
  const done = ready.get(conn);
  if (!done || done.peer !== conn.certificate) return undefined;
  if (prepare && ctx.prepareCertificate && !done.prepared) return undefined;
  return done.cert;
}

async function certificateFor(ctx: FrontContext, conn: ConnectionState, r: RequestTimeline, prepare: boolean): Promise<X509Certificate2 | null> {
  const peer = conn.certificate;
  if (!peer) return null;
  conn.built ??= ctx.buildCertificate(peer);
  try {
    const cert = (await conn.built) as X509Certificate2;
    let done = ready.get(conn);
    if (!done || done.peer !== peer) ready.set(conn, (done = { peer, cert, prepared: false }));
    if (prepare && ctx.prepareCertificate) {
      conn.prepared ??= ctx.prepareCertificate(cert, r.recordEvent);
      await conn.prepared;
      done.prepared = true;
    }
    return cert;
  } catch (err) {
    // A certificate that does not parse reaches the policies as null, and the timeline says why.
    r.record('certificate-unparsable', { message: err instanceof Error ? err.message : String(err) });
    return null;
  }
}
