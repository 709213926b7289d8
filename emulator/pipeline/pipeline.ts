// createPipeline: loads every policy document once (expressions compiled once), composes global → API → operation
// per operation, and runs requests through inbound → backend → outbound, with on-error on failure — the seam the
// TLS front calls (contract.ts).

import { NO_FAULTS, type Faults } from '../faults';
import type { X509Certificate2 } from '../certificates/x509-certificate2';
import { CsDictionary } from '../expressions/index';
import { compose, type ComposedPolicies } from './compose';
import { createContext } from './context';
import type { Backend, GatewayRequest, GatewayResponse, Pipeline, RecordEvent, RouteMatch } from './contract';
import { apimErrorBody, INTERNAL_SERVER_ERROR, PolicyFailure, PolicyLoadError } from './errors';
import { Execution, newResponse, type Flow, type PipelineEnvironment, type RouteInfo } from './execution';
import type { PolicyDocument, Scope } from './policy-ast';
import { loadPolicyDocument, type PolicySource } from './policy-loader';
import { runPolicy } from './policies/registry';
import { Router, TemplateError } from './routing';

export type { PolicySource } from './policy-loader';

export interface OperationConfig {
  readonly name: string;
  /** HTTP method, or "*" for any. */
  readonly method: string;
  /** e.g. "/items/{id}"; "/*" or "/{*rest}" match any remainder. */
  readonly urlTemplate: string;
  readonly policy?: PolicySource;
}

export interface ApiConfig {
  readonly name: string;
  /** Path prefix without slashes at the ends, e.g. "echo" ("" for the root). */
  readonly path: string;
  readonly policy?: PolicySource;
  readonly operations: readonly OperationConfig[];
}

export interface PipelineConfig {
  readonly globalPolicy?: PolicySource;
  readonly apis: readonly ApiConfig[];
  /** context.Deployment.Certificates: uploaded certificates by id. */
  readonly certificates: ReadonlyMap<string, X509Certificate2>;
  /** The instance's CA certificates, as candidate issuers for identity issuer-thumbprint (additive to the brief). */
  readonly caCertificates?: readonly X509Certificate2[];
  readonly serviceName?: string;
  readonly region?: string;
  /** Clock for validity checks and context.Timestamp (tests pin it). */
  readonly now?: () => Date;
  /** Test-only fault switches (emulator/faults.ts). */
  readonly faults?: Faults;
}

interface Route {
  readonly info: RouteInfo;
  readonly policies: ComposedPolicies;
}

/** Distinct (method, path) pairs whose route match is remembered. */
const MATCH_CACHE_LIMIT = 1024;
/** Longer paths are matched every time, so the cache stays small (≤ 1024 × 512 characters of keys). */
const MATCH_CACHE_PATH_LIMIT = 512;

const routeKey = (api: string, operation: string | undefined) => `${api}\u0000${operation ?? ''}`;

export function createPipeline(config: PipelineConfig): Pipeline {
  const certificateIds = new Set(config.certificates.keys());
  const load = (source: PolicySource | undefined, scope: Scope): PolicyDocument | undefined =>
    source ? loadPolicyDocument(source, { scope, certificateIds }) : undefined;

  const globalDoc = load(config.globalPolicy, 'global');
  const routes = new Map<string, Route>();
  const targets: { apiPath: string; method: string; urlTemplate: string; value: Route }[] = [];
  for (const api of config.apis) {
    const apiDoc = load(api.policy, 'api');
    for (const op of api.operations) {
      const info: RouteInfo = { apiName: api.name, apiPath: api.path, operationName: op.name, operationMethod: op.method.toUpperCase(), urlTemplate: op.urlTemplate };
      const route: Route = { info, policies: compose([globalDoc, apiDoc, load(op.policy, 'operation')]) };
      const key = routeKey(api.name, op.name);
      if (routes.has(key)) throw new PolicyLoadError(op.policy?.file ?? `api:${api.name}`, 1, 1, `operation "${op.name}" is defined twice in API "${api.name}"`);
      routes.set(key, route);
      targets.push({ apiPath: api.path, method: op.method, urlTemplate: op.urlTemplate, value: route });
    }
  }
  let router: Router<Route>;
  try {
    router = new Router(targets);
  } catch (e) {
    if (e instanceof TemplateError) throw new PolicyLoadError('(config)', 1, 1, e.message);
    throw e;
  }

  const env: PipelineEnvironment = {
    certificates: config.certificates,
    certificateDictionary: new CsDictionary(config.certificates, { readOnly: true, typeName: 'IReadOnlyDictionary<String, X509Certificate2>' }),
    issuerCandidates: [...config.certificates.values(), ...(config.caCertificates ?? [])],
    serviceName: config.serviceName ?? 'certgate-emulator',
    region: config.region ?? 'local',
    now: config.now ?? (() => new Date()),
    nowMs: config.now ? () => config.now!().getTime() : Date.now,
    faults: config.faults ?? NO_FAULTS,
  };

  // The same few paths arrive request after request: remember what they matched (bounded, see below) instead
  // of splitting, lower-casing and decoding the path against every template each time. Answers are frozen and shared.
  // Keyed by method, then path: no joined key string to build (and hash) per request.
  const matched = new Map<string, Map<string, RouteMatch | null>>();
  let matchedCount = 0;
  const routeOf = new WeakMap<RouteMatch, Route>();
  const needsOf = new Map<Route, RouteMatch['needs']>();

  return {
    match(method: string, path: string): RouteMatch | null {
      let byPath = matched.get(method);
      const known = byPath?.get(path);
      if (known !== undefined) return known;
      const found = router.match(method, path);
      let answer: RouteMatch | null = null;
      if (found) {
        const route = found.value;
        const { info, policies } = route;
        let needs = needsOf.get(route);
        if (!needs) needsOf.set(route, (needs = Object.freeze({ readsClientCertificate: policies.readsClientCertificate, checksRevocation: policies.checksRevocation })));
        answer = Object.freeze({ apiName: info.apiName, operationName: info.operationName, needs, params: Object.freeze(found.params) });
        routeOf.set(answer, route);
      }
      if (path.length <= MATCH_CACHE_PATH_LIMIT && method.length <= MATCH_CACHE_PATH_LIMIT) {
        // Bounded: past the limit the remembered matches are dropped all at once (the few live paths come back at
        // once; a client walking endless distinct paths keeps it from growing).
        if (matchedCount >= MATCH_CACHE_LIMIT) {
          matched.clear();
          matchedCount = 0;
          byPath = undefined;
        }
        if (!byPath) matched.set(method, (byPath = new Map()));
        byPath.set(path, answer);
        matchedCount++;
      }
      return answer;
    },
    execute(match: RouteMatch, request: GatewayRequest, backend: Backend, record: RecordEvent): GatewayResponse | Promise<GatewayResponse> {
      const route = routeOf.get(match) ?? routes.get(routeKey(match.apiName, match.operationName));
      if (!route) throw new Error(`execute: no operation "${match.operationName}" in API "${match.apiName}" (a RouteMatch from another pipeline?)`);
      // Synchronous when nothing waited (contract.ts): wrapping it in a promise cost the front an await per request.
      return run(route, new Execution(env, route.info, match, request, backend, record, runPolicy, createContext));
    },
  };
}

const SECTIONS_IN_ORDER = ['inbound', 'backend', 'outbound'] as const;

/**
 * inbound → backend → outbound; a section that stops (return-response, …) ends the run with the response as it is.
 * Runs synchronously while every policy does (the usual case once the certificate's revocation status is cached) and
 * continues asynchronously from the first section that waits: no promise chain per request when nothing waits.
 */
function run(route: Route, exec: Execution): GatewayResponse | Promise<GatewayResponse> {
  const certificate = exec.request.certificate;
  // Expressions are synchronous: Verify() reads a revocation status fetched beforehand (bounded, cached, never throws).
  if (route.policies.checksRevocation && certificate && !certificate.revocation) {
    return certificate.prepare({ record: exec.record }).then(() => runSections(route, exec));
  }
  return runSections(route, exec);
}

function runSections(route: Route, exec: Execution): GatewayResponse | Promise<GatewayResponse> {
  try {
    for (let i = 0; i < SECTIONS_IN_ORDER.length; i++) {
      const section = SECTIONS_IN_ORDER[i]!;
      exec.section = section;
      const flow = exec.runList(route.policies[section]);
      if (typeof flow !== 'string') return finishSections(route, exec, i, flow);
      if (flow === 'stop') break;
    }
    return toGatewayResponse(exec);
  } catch (error) {
    return handleError(route, exec, error);
  }
}

async function finishSections(route: Route, exec: Execution, from: number, pending: Promise<Flow>): Promise<GatewayResponse> {
  try {
    if ((await pending) === 'stop') return toGatewayResponse(exec);
    for (let i = from + 1; i < SECTIONS_IN_ORDER.length; i++) {
      const section = SECTIONS_IN_ORDER[i]!;
      exec.section = section;
      if ((await exec.runList(route.policies[section])) === 'stop') break;
    }
    return toGatewayResponse(exec);
  } catch (error) {
    return handleError(route, exec, error);
  }
}

async function handleError(route: Route, exec: Execution, error: unknown): Promise<GatewayResponse> {
  const failure = asFailure(exec, error);
  const node = exec.current;
  exec.lastError = {
    source: failure.source,
    reason: failure.reason,
    message: failure.message,
    scope: node?.meta.scope ?? '',
    section: exec.section,
    path: node?.meta.path ?? '',
    policyId: node?.meta.id ?? '',
  };
  exec.record({ kind: 'policy-error', detail: { source: failure.source, reason: failure.reason, message: failure.message, section: exec.section } });
  // on-error starts from the response the error would produce; its policies may change or replace it.
  const response = newResponse();
  response.status = failure.response.status;
  response.reason = failure.response.reason;
  response.headers.set('Content-Type', ['application/json; charset=utf-8']);
  response.body = apimErrorBody(failure.response, exec.gatewayRequest.id);
  exec.response = response;
  if (route.policies['on-error'].length === 0) return toGatewayResponse(exec);
  exec.section = 'on-error';
  try {
    await exec.runList(route.policies['on-error']);
    return toGatewayResponse(exec);
  } catch (second) {
    const f = asFailure(exec, second);
    exec.record({ kind: 'policy-error', detail: { source: f.source, reason: f.reason, message: f.message, section: 'on-error' } });
    return {
      status: INTERNAL_SERVER_ERROR.status,
      reason: INTERNAL_SERVER_ERROR.reason,
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: apimErrorBody(INTERNAL_SERVER_ERROR, exec.gatewayRequest.id),
    };
  }
}

/** A PolicyFailure as is; anything else is a bug or an unexpected host error: 500, reported in the timeline. */
function asFailure(exec: Execution, error: unknown): PolicyFailure {
  if (error instanceof PolicyFailure) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new PolicyFailure(exec.current?.meta.element ?? 'pipeline', 'InternalError', message, INTERNAL_SERVER_ERROR);
}

function toGatewayResponse(exec: Execution): GatewayResponse {
  const r = exec.response;
  return { status: r.status, reason: r.reason, headers: r.headers.toWire(), body: r.body };
}
