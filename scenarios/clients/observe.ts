// Turns a gateway's answer into Observation fields, using the header conventions of scenarios/policy-library.yaml.

import type { Observation } from '../result';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

export function observationFromHeaders(headers: Record<string, string | string[] | undefined>): Partial<Mutable<Observation>> {
  const get = (n: string) => {
    const v = headers[n];
    return Array.isArray(v) ? v[0] : v;
  };
  const out: Partial<Mutable<Observation>> = {};
  const thumb = get('x-certgate-client-thumbprint');
  if (thumb !== undefined) {
    out.backendSawCertificate = thumb !== '' && thumb.toLowerCase() !== 'none';
    if (out.backendSawCertificate) out.certificateThumbprint = thumb;
  }
  const reason = get('x-certgate-last-error-reason');
  if (reason) out.lastErrorReason = reason;
  const id = get('x-certgate-request-id');
  if (id) out.requestId = id;
  return out;
}

/** 'tls-error' for errors raised by the TLS layer, 'reset' for the rest of the connection failures. */
export function classifyError(err: NodeJS.ErrnoException & { library?: string; reason?: string }): 'tls-error' | 'reset' {
  const code = err.code ?? '';
  if (code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_') || err.library === 'SSL routines' || /alert|handshake|ssl/i.test(err.message) && !/socket hang up|other side closed/i.test(err.message))
    return 'tls-error';
  return 'reset';
}
