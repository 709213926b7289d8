// Drives a Pipeline the way the TLS front does (match, then execute with the certificate in hand), against a small
// echo backend that reports what it received. No sockets: the seam itself is what these tests exercise.

import type { X509Certificate2 } from '../../certificates/x509-certificate2';
import { bodyBytes, type Backend, type BackendRequest, type GatewayResponse, type Pipeline, type TimelineEvent } from '../contract';

export interface EchoReport {
  readonly method: string;
  readonly url: string;
  readonly headers: Record<string, readonly string[]>;
  readonly body: string;
  readonly certificateThumbprint: string | null;
}

/** Answers 200 with JSON describing the request; counts its calls. */
export function echoBackend(): Backend & { calls: BackendRequest[] } {
  const calls: BackendRequest[] = [];
  const backend = async (req: BackendRequest): Promise<GatewayResponse> => {
    calls.push(req);
    const report: EchoReport = {
      method: req.method,
      url: req.url.href,
      headers: req.headers,
      body: req.body.toString('utf8'),
      certificateThumbprint: req.clientCertificate?.thumbprint ?? null,
    };
    return { status: 200, reason: 'OK', headers: { 'Content-Type': 'application/json', 'X-Backend': 'echo' }, body: Buffer.from(JSON.stringify(report)) };
  };
  return Object.assign(backend, { calls });
}

export interface CallOptions {
  readonly headers?: Record<string, string | string[]>;
  readonly body?: string;
  readonly certificate?: X509Certificate2 | null;
  readonly backend?: Backend;
  readonly id?: string;
}

export interface CallResult {
  readonly status: number;
  readonly reason: string | undefined;
  readonly headers: GatewayResponse['headers'];
  readonly text: string;
  json(): any;
  readonly events: TimelineEvent[];
}

let counter = 0;

/** match + execute; a path nothing matches answers the front's 404 shape so tests can assert it. */
export async function call(pipeline: Pipeline, method: string, path: string, options: CallOptions = {}): Promise<CallResult> {
  const match = pipeline.match(method, path);
  if (!match) return { status: 404, reason: 'Not Found', headers: {}, text: '', json: () => null, events: [] };
  const events: TimelineEvent[] = [];
  const headers: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(options.headers ?? {})) headers[k.toLowerCase()] = Array.isArray(v) ? v : [v];
  const response = await pipeline.execute(
    match,
    {
      id: options.id ?? `req-${++counter}`,
      method,
      url: new URL(`https://gateway.test${path}`),
      headers,
      ipAddress: '127.0.0.1',
      body: Buffer.from(options.body ?? ''),
      protocol: 'HTTP/1.1',
      certificate: options.certificate ?? null,
    },
    options.backend ?? echoBackend(),
    (e) => events.push(e),
  );
  const text = bodyBytes(response.body).toString('utf8');
  return { status: response.status, reason: response.reason, headers: response.headers, text, json: () => JSON.parse(text), events };
}
