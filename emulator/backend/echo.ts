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
const summaryJson = new WeakMap<object, string>();

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
  return { ...reportWithoutCertificate(req), clientCertificate: describe(req.clientCertificate) };
}

function reportWithoutCertificate(req: BackendRequest): Omit<EchoReport, 'clientCertificate'> {
  const query: Record<string, string[]> = {};
  // Most requests have no query string: skip building the URLSearchParams object (and its iterator) for them.
  if (req.url.search !== '') for (const [k, v] of req.url.searchParams) (query[k] ??= []).push(v);
  return {
    method: req.method,
    path: req.url.pathname,
    query,
    headers: req.headers,
    body: { length: req.body.length, sha256: req.body.length === 0 ? EMPTY_SHA256 : createHash('sha256').update(req.body).digest('hex') },
  };
}

/**
 * The report as JSON text, byte for byte JSON.stringify(echoReport(req)). The certificate's part (the last member)
 * is serialised once per certificate and appended: re-serialising the same summary on every kept-alive request was
 * a third of the echo's cost.
 */
export function echoJson(req: BackendRequest): string {
  const cert = req.clientCertificate;
  let tail = 'null';
  if (cert) {
    let cached = summaryJson.get(cert);
    if (cached === undefined) {
      cached = JSON.stringify(describe(cert));
      summaryJson.set(cert, cached);
    }
    tail = cached;
  }
  // Members in echoReport's order, each serialised by JSON.stringify; the constant parts (an empty query, an empty
  // body) as their text: the same bytes without building and walking their objects per request.
  const url = req.url;
  const body = req.body;
  const bodyJson = body.length === 0 ? EMPTY_BODY_JSON : JSON.stringify({ length: body.length, sha256: createHash('sha256').update(body).digest('hex') });
  return `{"method":${JSON.stringify(req.method)},"path":${JSON.stringify(url.pathname)},"query":${url.search === '' ? '{}' : JSON.stringify(queryOf(url))},` +
    `"headers":${JSON.stringify(req.headers)},"body":${bodyJson},"clientCertificate":${tail}}`;
}

const EMPTY_BODY_JSON = JSON.stringify({ length: 0, sha256: EMPTY_SHA256 });

function queryOf(url: URL): Record<string, string[]> {
  const query: Record<string, string[]> = {};
  for (const [k, v] of url.searchParams) (query[k] ??= []).push(v);
  return query;
}

/** Answers at once (not a promise): forward-request then skips its timeout timer (contract.ts, Backend). */
export function echoBackend(req: BackendRequest): GatewayResponse {
  return {
    status: 200,
    headers: ECHO_HEADERS,
    body: echoJson(req), // text: the writer sends it as UTF-8, as bare Node's res.end(string) does (contract.ts)
  };
}

// Shared, never mutated: forward-request copies headers into its own HeaderStore.
const ECHO_HEADERS: Readonly<Record<string, string>> = Object.freeze({ 'content-type': 'application/json; charset=utf-8' });
