// The only network the revocation checker does: one bounded HTTP exchange with a CRL or OCSP responder, over
// undici, refused unless the URL is plain http:// to a loopback address (the workplace allows no other traffic, and
// a gateway emulator has no business calling out on a client certificate's say-so).

import { request } from 'undici';

export interface FetchResult {
  readonly status: number;
  readonly contentType?: string;
  readonly body: Buffer;
}

export class FetchRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FetchRefused';
  }
}

/** Why `url` may not be fetched, or undefined when it may. */
export function refusalReason(url: string, allowNonLoopback: boolean): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `"${url}" is not a URL`;
  }
  if (parsed.protocol !== 'http:') return `only http:// revocation URLs are fetched, not ${parsed.protocol}`;
  if (allowNonLoopback) return undefined;
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  const loopback = host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
  return loopback ? undefined : `${parsed.host} is not a loopback address (only 127.0.0.0/8, ::1 and localhost are contacted)`;
}

export interface FetchOptions {
  readonly method: 'GET' | 'POST';
  readonly body?: Buffer;
  readonly contentType?: string;
  readonly timeoutMs: number;
  readonly maxBytes: number;
  readonly allowNonLoopback: boolean;
}

export async function fetchBounded(url: string, opts: FetchOptions): Promise<FetchResult> {
  const refusal = refusalReason(url, opts.allowNonLoopback);
  if (refusal) throw new FetchRefused(refusal);
  if (opts.timeoutMs <= 0) throw new Error('no time left in the revocation budget');
  const signal = AbortSignal.timeout(opts.timeoutMs);
  try {
    const res = await request(url, {
      method: opts.method,
      body: opts.body,
      headers: opts.contentType ? { 'content-type': opts.contentType } : {},
      signal,
      headersTimeout: opts.timeoutMs,
      bodyTimeout: opts.timeoutMs,
    }); // undici's request() never follows redirects
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of res.body) {
      size += (chunk as Buffer).length;
      if (size > opts.maxBytes) {
        res.body.destroy();
        throw new Error(`response larger than ${opts.maxBytes} bytes`);
      }
      chunks.push(chunk as Buffer);
    }
    const ct = res.headers['content-type'];
    return { status: res.statusCode, contentType: Array.isArray(ct) ? ct[0] : ct, body: Buffer.concat(chunks) };
  } catch (err) {
    if (signal.aborted) throw new Error(`no answer within ${opts.timeoutMs} ms`);
    throw err;
  }
}
