// Writing an answer on either protocol, always with the request id (the harness keys timelines by it), and with
// Connection: close when the connection must not be reused (after the deadlock, after a failure).
import type { ServerResponse } from 'node:http';
import type { Http2ServerResponse } from 'node:http2';
import { bodyLength, type GatewayResponse } from '../pipeline/contract';
import { allowedOnHttp2 } from './http2';

export const REQUEST_ID_HEADER = 'x-certgate-request-id';

export type AnyResponse = ServerResponse | Http2ServerResponse;

export function jsonResponse(status: number, message: string, reason?: string): GatewayResponse {
  return {
    status, reason,
    headers: { 'content-type': 'application/json; charset=utf-8' },
    body: Buffer.from(JSON.stringify({ statusCode: status, message })),
  };
}

export function writeResponse(res: AnyResponse, requestId: string, r: GatewayResponse, opts: { http2: boolean; close?: boolean }): void {
  if (res.headersSent || res.writableEnded || res.destroyed) return;
  const headers: Record<string, string | string[]> = {};
  const given = r.headers;
  for (const name in given) {
    const value = given[name]!;
    const lower = name.toLowerCase();
    if (lower === 'content-length' || lower === REQUEST_ID_HEADER) continue;
    if (opts.http2 && !allowedOnHttp2(lower)) continue;
    headers[lower] = typeof value === 'string' ? value : [...value];
  }
  headers[REQUEST_ID_HEADER] = requestId;
  headers['content-length'] = String(bodyLength(r.body)); // text is written as UTF-8 (res.end's default)
  if (opts.close && !opts.http2) headers.connection = 'close';
  if (opts.http2) (res as Http2ServerResponse).writeHead(r.status, headers);
  else (res as ServerResponse).writeHead(r.status, r.reason || undefined, headers);
  res.end(r.body);
}
