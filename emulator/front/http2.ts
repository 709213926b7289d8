// HTTP/2 specifics of the front. RFC 9113 §9.2.1 forbids renegotiation on h2; a server that wants a certificate it
// did not get in the first handshake may reset the stream with HTTP_1_1_REQUIRED (0xd), which curl answers by
// retrying over HTTP/1.1. Connection-specific headers are illegal on h2 (§8.2.2) and are dropped from responses.
import { constants, type Http2ServerRequest } from 'node:http2';
import type { IncomingMessage } from 'node:http';

export type AnyRequest = IncomingMessage | Http2ServerRequest;

export const isHttp2 = (req: AnyRequest): req is Http2ServerRequest => req.httpVersionMajor === 2;

export function resetWithHttp11Required(req: Http2ServerRequest): void {
  req.stream.close(constants.NGHTTP2_HTTP_1_1_REQUIRED);
}

const CONNECTION_SPECIFIC = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade']);

export const allowedOnHttp2 = (name: string): boolean => !CONNECTION_SPECIFIC.has(name.toLowerCase());
