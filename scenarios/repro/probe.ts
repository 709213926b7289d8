// One repro request: through the TLS record tap (so the client side sees the renegotiation request), with the
// stall-detecting raw client for HTTP/1.1 or node:http2 for h2, classified as the repro commands need it.

import { h2Request } from '../clients/h2-client';
import { rawRequest } from '../clients/raw-tls-client';
import type { Observation, TimelinePoint } from '../result';
import { backendViewFromEchoBody } from '../run-scenario';
import type { ReproEndpoint } from './endpoints';
import { renegotiationEvidence, startRecordTap, type RenegotiationEvidence } from './record-tap';

export interface ProbeRequest {
  readonly endpoint: ReproEndpoint;
  readonly protocol: 'h1' | 'h2';
  readonly method: string;
  readonly bodyBytes: number;
  readonly expect100?: boolean;
  readonly stallWindowMs: number;
  readonly hardTimeoutMs?: number;
}

/** ok: an answer other than 413; stall: no progress and no answer (or an answer while the body was stuck);
 *  413: the gateway refused the body size; error: TLS failure, reset, timeout without a decision. */
export type ProbeKind = 'ok' | 'stall' | '413' | 'error';

export interface ProbeResult {
  readonly kind: ProbeKind;
  readonly observation: Observation;
  /** The client's timeline with the tap's renegotiation marks merged in. */
  readonly clientTimeline: readonly TimelinePoint[];
  readonly serverTimeline?: readonly TimelinePoint[];
  readonly evidence: RenegotiationEvidence;
  readonly startedAt: string;
}

export function classify(o: Observation): ProbeKind {
  if (o.status === 413) return '413';
  if (o.outcome === 'stall' || o.outcome === 'timeout' || o.outcome === 'response-before-body-sent') return 'stall';
  if (o.outcome === 'response') return 'ok';
  return 'error';
}

/** An echo backend reports the request it got (with the certificate header a policy set) in its JSON body. */
function withBackendView(o: Observation, body: Buffer | undefined): Observation {
  return o.backendSawCertificate !== undefined || o.outcome !== 'response' ? o : { ...o, ...backendViewFromEchoBody(body) };
}

export async function probe(r: ProbeRequest): Promise<ProbeResult> {
  const e = r.endpoint;
  const tap = await startRecordTap(e.host, e.port);
  const startedAt = new Date().toISOString();
  const epoch = Date.now();
  const t0 = performance.now();
  try {
    let observation: Observation;
    let timeline: readonly TimelinePoint[];
    if (r.protocol === 'h2') {
      const res = await h2Request({
        origin: `https://127.0.0.1:${tap.port}`,
        tls: { ...e.tls, servername: e.tls.servername ?? 'localhost' },
        method: r.method,
        path: e.path,
        headers: r.expect100 ? { expect: '100-continue' } : undefined,
        bodyBytes: r.bodyBytes,
        timeoutMs: r.hardTimeoutMs ?? r.stallWindowMs * 5,
      });
      observation = withBackendView(res.observation, res.body);
      timeline = res.timeline;
    } else {
      const res = await rawRequest({
        host: '127.0.0.1',
        port: tap.port,
        tls: { ...e.tls, servername: e.tls.servername ?? 'localhost' },
        tlsVersion: '1.2',
        method: r.method,
        path: e.path,
        bodyBytes: r.bodyBytes,
        expect100: r.expect100,
        expect100TimeoutMs: Math.max(r.stallWindowMs * 2, 1000),
        stallWindowMs: r.stallWindowMs,
        hardTimeoutMs: r.hardTimeoutMs ?? Math.max(30_000, r.stallWindowMs * 10),
      });
      observation = withBackendView(res.observation, res.response?.body);
      timeline = res.timeline;
    }
    const evidence = renegotiationEvidence(tap.records, t0);
    const marks: TimelinePoint[] = [];
    if (evidence.helloRequestAt !== undefined)
      marks.push({ at: evidence.helloRequestAt, kind: 'renegotiation-requested', detail: { seen: 'server handshake record after the request (HelloRequest)' } });
    if (evidence.clientHelloAgainAt !== undefined)
      marks.push({ at: evidence.clientHelloAgainAt, kind: 'renegotiation-answered', detail: { seen: 'client handshake record passed towards the gateway (ClientHello)' } });
    const clientTimeline = [...timeline, ...marks].sort((a, b) => a.at - b.at);
    const upstream = tap.upstreamPort();
    const serverTimeline = upstream !== undefined ? e.serverTimeline?.(upstream, epoch) : undefined;
    return { kind: classify(observation), observation, clientTimeline, ...(serverTimeline ? { serverTimeline } : {}), evidence, startedAt };
  } finally {
    await tap.close();
  }
}
