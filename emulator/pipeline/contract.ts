// The seam between the TLS front (emulator/front, which owns sockets) and the policy pipeline
// (emulator/pipeline, pure apart from calling the backend). The front asks the pipeline, before reading a body or
// touching TLS, what the matched operation's policies need; then it obtains the certificate (first handshake,
// renegotiation, or none) and runs the pipeline once with everything in hand. Expressions are synchronous (as in
// APIM's C#), so anything asynchronous — renegotiation, revocation look-ups — happens before `execute`.

import type { X509Certificate2 } from '../certificates/x509-certificate2';

export interface TimelineEvent {
  /** Milliseconds since the connection was accepted. Filled by the recorder. */
  readonly at?: number;
  readonly kind: string;
  readonly detail?: Readonly<Record<string, unknown>>;
}

export type RecordEvent = (event: TimelineEvent) => void;

/** What the policies of one matched operation will need from the front. */
export interface RouteNeeds {
  /** Some policy reads context.Request.Certificate (an expression, or validate-client-certificate). */
  readonly readsClientCertificate: boolean;
  /**
   * (Additive, pipeline.) Some policy checks the certificate's revocation status: an expression calling Verify(), or
   * validate-client-certificate with validate-revocation on. `execute` fetches it itself (X509Certificate2.prepare)
   * when the certificate has none yet; a front that prepared it already saves that wait inside `execute`.
   */
  readonly checksRevocation?: boolean;
}

export interface RouteMatch {
  readonly apiName: string;
  readonly operationName?: string;
  readonly needs: RouteNeeds;
  /** Template parameters matched from the URL, e.g. {id}. */
  readonly params: Readonly<Record<string, string>>;
}

export interface GatewayRequest {
  readonly id: string;
  readonly method: string;
  /** Absolute URL as the client addressed it (https://host:port/path?query). */
  readonly url: URL;
  /** Lower-case header names; repeated headers keep every value. */
  readonly headers: Readonly<Record<string, readonly string[]>>;
  readonly ipAddress: string;
  readonly body: Buffer;
  readonly protocol: 'HTTP/1.1' | 'HTTP/2';
  /** The client certificate as policies see it (null when none was negotiated). */
  readonly certificate: X509Certificate2 | null;
}

export interface BackendRequest {
  readonly method: string;
  readonly url: URL;
  readonly headers: Readonly<Record<string, readonly string[]>>;
  readonly body: Buffer;
  /** What the gateway saw of the client certificate, for the echo backend's report. */
  readonly clientCertificate: X509Certificate2 | null;
}

export interface GatewayResponse {
  readonly status: number;
  readonly reason?: string;
  readonly headers: Readonly<Record<string, string | readonly string[]>>;
  /**
   * (Additive) Text is written as UTF-8 (Content-Length from Buffer.byteLength): a backend that builds text (the
   * echo's JSON) hands it over as is, like bare Node's `res.end(string)`; whoever needs bytes converts (bodyBytes).
   */
  readonly body: Buffer | string;
}

/** A response body as bytes (text as UTF-8). */
export const bodyBytes = (body: Buffer | string): Buffer => (typeof body === 'string' ? Buffer.from(body, 'utf8') : body);

/** A response body's length in bytes on the wire (text as UTF-8), without converting it. */
export const bodyLength = (body: Buffer | string): number => (typeof body === 'string' ? Buffer.byteLength(body, 'utf8') : body.length);

/**
 * A backend answers with a promise, or (additive) with the response itself when it has it at once — the in-process
 * echo does: forward-request then needs no timeout timer and no extra promise.
 */
export type Backend = (request: BackendRequest) => Promise<GatewayResponse> | GatewayResponse;

/** A loaded configuration's policies and routes. Built once; `execute` is called per request. */
export interface Pipeline {
  /** null: no API matches (the front answers 404 like APIM: {"statusCode":404,"message":"Resource not found"}). */
  match(method: string, path: string): RouteMatch | null;
  /**
   * The response itself when nothing in the run waited (the usual keep-alive case: no promise, no microtask turn),
   * else a promise of it. Callers handle both (`instanceof Promise`). A bad RouteMatch throws synchronously.
   */
  execute(match: RouteMatch, request: GatewayRequest, backend: Backend, record: RecordEvent): GatewayResponse | Promise<GatewayResponse>;
}
