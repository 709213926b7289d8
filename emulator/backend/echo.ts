// The built-in backend: answers JSON describing what it received — method, path, query, the headers the gateway
// forwarded, the body's length and SHA-256, and the client certificate as the gateway saw it (or null). Scenarios
// read this to tell "the backend saw the certificate" from "the gateway dropped it".
import { createHash } from 'node:crypto';
import type { BackendRequest, GatewayResponse } from '../pipeline/contract';

export interface EchoReport {
  readonly method: string;
  readonly path: string;
  readonly query: Record<string, string[]>;
  readonly headers: Record<string, readonly string[]>;
  readonly body: { readonly length: number; readonly sha256: string };
  readonly clientCertificate: Record<string, unknown> | null;
}

// Most requests carry no body; its digest is a constant.
const EMPTY_SHA256 = createHash('sha256').digest('hex');

const summaries = new WeakMap<object, Record<string, unknown>>();

function describe(cert: BackendRequest['clientCertificate']): Record<string, unknown> | null {
  if (!cert) return null;
  // The same certificate answers request after request on a kept-alive connection; its summary never changes.
  let summary = summaries.get(cert);
  if (!summary) {
    summary = { ...cert.describe() };
    summaries.set(cert, summary);
  }
  return { ...summary };
}

export function echoReport(req: BackendRequest): EchoReport {
  const query: Record<string, string[]> = {};
  for (const [k, v] of req.url.searchParams) (query[k] ??= []).push(v);
  return {
    method: req.method,
    path: req.url.pathname,
    query,
    headers: req.headers,
    body: { length: req.body.length, sha256: req.body.length === 0 ? EMPTY_SHA256 : createHash('sha256').update(req.body).digest('hex') },
    clientCertificate: describe(req.clientCertificate),
  };
}

export async function echoBackend(req: BackendRequest): Promise<GatewayResponse> {
  return {
    status: 200,
    headers: { 'content-type': 'application/json; charset=utf-8' },
    body: Buffer.from(JSON.stringify(echoReport(req))),
  };
}
