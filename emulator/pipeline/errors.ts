// Everything that can go wrong in the pipeline, and the error bodies APIM answers with — kept in one file so the
// shapes the harness compares against live in one place.

import type { GatewayResponse } from './contract';

/** A policy document that cannot be loaded: malformed XML, unknown element/attribute, bad value, bad expression. */
export class PolicyLoadError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly column: number,
    readonly detail: string,
  ) {
    super(`${file}:${line}:${column}: ${detail}`);
    this.name = 'PolicyLoadError';
  }
}

/** What context.LastError exposes (ProxyError in APIM). */
export interface LastErrorInfo {
  readonly source: string;
  readonly reason: string;
  readonly message: string;
  readonly scope: string;
  readonly section: string;
  readonly path: string;
  readonly policyId: string;
}

/** The response the caller gets when an error is not handled by on-error. */
export interface ErrorResponse {
  readonly status: number;
  readonly reason: string;
  readonly message: string;
  /** APIM adds the request's activity id to 500 bodies. */
  readonly withActivityId?: boolean;
}

/**
 * A policy failed at run time. The executor turns it into context.LastError, runs on-error, and answers
 * `response` when on-error does not produce its own.
 */
export class PolicyFailure extends Error {
  constructor(
    readonly source: string,
    readonly reason: string,
    message: string,
    readonly response: ErrorResponse,
  ) {
    super(message);
    this.name = 'PolicyFailure';
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The default error responses (OBS: ronaldbosma mtls-with-apim tests for 401; APIM's generic 500 and 404 bodies).

export const INTERNAL_SERVER_ERROR: ErrorResponse = { status: 500, reason: 'Internal Server Error', message: 'Internal server error', withActivityId: true };
export const RESOURCE_NOT_FOUND: ErrorResponse = { status: 404, reason: 'Not Found', message: 'Resource not found' };
export const CLIENT_CERTIFICATE_INVALID: ErrorResponse = { status: 401, reason: 'Unauthorized', message: 'Invalid client certificate' };
export const CLIENT_CERTIFICATE_MISSING: ErrorResponse = { status: 401, reason: 'Unauthorized', message: 'Client certificate missing' };

/** The JSON body APIM answers with: {"statusCode": n, "message": "..."} (+ "activityId" for 500s). */
export function apimErrorBody(error: ErrorResponse, activityId: string): Buffer {
  const body: Record<string, unknown> = { statusCode: error.status, message: error.message };
  if (error.withActivityId) body.activityId = activityId;
  return Buffer.from(JSON.stringify(body, null, 4));
}

export function apimErrorResponse(error: ErrorResponse, activityId: string): GatewayResponse {
  return {
    status: error.status,
    reason: error.reason,
    headers: { 'content-type': 'application/json; charset=utf-8' },
    body: apimErrorBody(error, activityId),
  };
}

/** Standard reason phrases for set-status without a reason and for mock-response. */
export function reasonPhrase(status: number): string {
  return REASONS[status] ?? '';
}

const REASONS: Record<number, string> = {
  200: 'OK', 201: 'Created', 202: 'Accepted', 204: 'No Content', 301: 'Moved Permanently', 302: 'Found', 304: 'Not Modified',
  400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed', 409: 'Conflict',
  413: 'Payload Too Large', 415: 'Unsupported Media Type', 429: 'Too Many Requests', 500: 'Internal Server Error',
  501: 'Not Implemented', 502: 'Bad Gateway', 503: 'Service Unavailable', 504: 'Gateway Timeout',
};
