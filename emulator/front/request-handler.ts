// One request through the front: match the route, plan, carry the plan out on the socket (read, renegotiate,
// deadlock, reset), build the certificate the policies see, run the pipeline, answer. Every answer carries the
// request id, errors included.
import type { Http2ServerRequest } from 'node:http2';
import type { TLSSocket } from 'node:tls';
import type { X509Certificate2 } from '../certificates/x509-certificate2';
import type { Backend, GatewayRequest, GatewayResponse, Pipeline, RecordEvent, RouteMatch } from '../pipeline/contract';
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

function bodyFraming(req: AnyRequest): BodyFraming {
  const length = req.headers['content-length'];
  if (length !== undefined && /^\d+$/.test(length)) return Number(length) === 0 ? { kind: 'none' } : { kind: 'length', bytes: Number(length) };
  if (isHttp2(req)) return req.stream.readableEnded || req.stream.endAfterHeaders ? { kind: 'none' } : { kind: 'chunked' };
  return /chunked/i.test(String(req.headers['transfer-encoding'] ?? '')) ? { kind: 'chunked' } : { kind: 'none' };
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

export async function handleRequest(ctx: FrontContext, req: AnyRequest, res: AnyResponse, expectContinue: boolean): Promise<void> {
  const http2 = isHttp2(req);
  const socket = req.socket as TLSSocket;
  const conn = stateOf(socket);
  const method = req.method ?? 'GET';
  const target = req.url ?? '/';
  if (!conn) {
    writeResponse(res, 'none', jsonResponse(500, 'connection state missing'), { http2, close: true });
    return;
  }
  const tlsVersion = socket.getProtocol() ?? undefined;
  const r = ctx.store.openRequest(conn.timeline, method, target, http2 ? 'HTTP/2' : 'HTTP/1.1', tlsVersion);
  const answer = (resp: GatewayResponse, close = false): void => {
    r.status = resp.status;
    r.record('response', { status: resp.status, bytes: resp.body.length, close });
    writeResponse(res, r.id, resp, { http2, close });
  };
  try {
    await runRequest(ctx, req, res, { http2, socket, conn, r, method, target, tlsVersion, expectContinue, answer });
  } catch (err) {
    r.record('front-error', { message: err instanceof Error ? err.message : String(err) });
    answer(jsonResponse(500, 'Internal server error'), true);
  }
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
  readonly answer: (resp: GatewayResponse, close?: boolean) => void;
}

async function runRequest(ctx: FrontContext, req: AnyRequest, res: AnyResponse, run: Run): Promise<void> {
  const { http2, socket, conn, r, answer } = run;
  const url = new URL(run.target, `https://${req.headers.host ?? req.headers[':authority'] ?? ctx.hostName}`);
  const match = ctx.pipeline.match(run.method, url.pathname);
  r.record('route', match ? { api: match.apiName, operation: match.operationName, readsClientCertificate: match.needs.readsClientCertificate } : { matched: false });
  const framing = bodyFraming(req);
  const plan: Plan = planRequest(ctx.tier, {
    protocol: http2 ? 'HTTP/2' : 'HTTP/1.1', tlsVersion: run.tlsVersion ?? 'unknown', method: run.method, body: framing,
    expectContinue: run.expectContinue, readsClientCertificate: match?.needs.readsClientCertificate ?? false,
    certificateOnConnection: conn.certificate !== null, renegotiatedBefore: conn.renegotiated,
  });
  r.record('plan', { obtain: plan.obtain, bodyRule: plan.bodyRule, certificate: plan.certificate, why: plan.why, reject: plan.reject?.kind });

  if (plan.reject) {
    if (plan.reject.kind === 'rst-stream-http-1.1-required' && http2) {
      r.record('stream-reset', { code: 'HTTP_1_1_REQUIRED' });
      resetWithHttp11Required(req as Http2ServerRequest);
      return;
    }
    if (plan.reject.kind === 'status') return answer(jsonResponse(plan.reject.status, plan.reject.message));
    r.record('connection-closed', { reason: plan.why });
    socket.destroy();
    return;
  }
  if (!match) {
    if (run.expectContinue) res.writeContinue();
    return answer(jsonResponse(404, 'Resource not found'));
  }

  let body: Buffer = Buffer.alloc(0);
  let closeAfter = false;
  let certificateAllowed = true;

  switch (plan.bodyRule) {
    case 'stream': {
      if (run.expectContinue) res.writeContinue();
      const got = await readRecorded(req, r, ctx.maxBodyBytes);
      if (got.overflow) return answer(jsonResponse(413, 'Request entity too large'), true);
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
      if (end.outcome === '403') return answer(jsonResponse(403, 'Forbidden'), true);
      certificateAllowed = false; // the documented symptom: the policy sees null
      break;
    }
  }

  const certificate = certificateAllowed && conn.certificate ? await certificateFor(ctx, conn, r, match.needs.readsClientCertificate) : null;
  const request: GatewayRequest = {
    id: r.id, method: run.method, url, headers: headersOf(req, ctx.tier), ipAddress: socket.remoteAddress ?? '',
    body, protocol: http2 ? 'HTTP/2' : 'HTTP/1.1', certificate,
  };
  r.record('pipeline-start', { certificate: certificate !== null });
  const response = await ctx.pipeline.execute(match, request, ctx.backendFor(match), r.recordEvent);
  answer(response, closeAfter);
}

// Module-level helpers rather than per-request closures: each closure a request allocates costs on every call.
async function renegotiate(socket: TLSSocket, conn: ConnectionState, r: RequestTimeline): Promise<boolean> {
  const result = await startRenegotiation(socket, conn, r).done;
  return result.outcome === 'completed';
}

async function readRecorded(req: AnyRequest, r: RequestTimeline, limit: number): Promise<{ body: Buffer; overflow: boolean }> {
  const got = await readBody(req, r, limit);
  r.record('body-read', { bytes: got.body.length, overflow: got.overflow });
  return got;
}

async function certificateFor(ctx: FrontContext, conn: ConnectionState, r: RequestTimeline, prepare: boolean): Promise<X509Certificate2 | null> {
  const peer = conn.certificate;
  if (!peer) return null;
  conn.built ??= ctx.buildCertificate(peer);
  try {
    const cert = (await conn.built) as X509Certificate2;
    if (prepare && ctx.prepareCertificate) {
      conn.prepared ??= ctx.prepareCertificate(cert, r.recordEvent);
      await conn.prepared;
    }
    return cert;
  } catch (err) {
    // A certificate that does not parse reaches the policies as null, and the timeline says why.
    r.record('certificate-unparsable', { message: err instanceof Error ? err.message : String(err) });
    return null;
  }
}
