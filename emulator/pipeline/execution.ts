// One request's run through the composed policies: the mutable request/response the policies edit, the variables,
// context.LastError, and the evaluation of Values with APIM's failure semantics (an expression that throws is a
// failure of the policy that holds it: Reason ExpressionValueEvaluationFailure, then on-error).

import { hasFault, type Faults } from '../faults';
import type { CompiledExpression } from '../expressions/index';
import { CsDictionary, ExpressionRuntimeError, type HostObject } from '../expressions/index';
import type { X509Certificate2 } from '../certificates/x509-certificate2';
import type { Backend, GatewayRequest, RecordEvent, RouteMatch } from './contract';
import { INTERNAL_SERVER_ERROR, PolicyFailure, type LastErrorInfo } from './errors';
import { HeaderStore } from './header-store';
import type { PolicyNode, Section, Value } from './policy-ast';
import { csToBoolean, csToInteger, csToString, ValueConversionError } from './values';

export type Flow = 'continue' | 'stop';

export interface MutableRequest {
  method: string;
  url: URL;
  headers: HeaderStore;
  body: Buffer;
  readonly certificate: X509Certificate2 | null;
  readonly ipAddress: string;
}

export interface MutableResponse {
  status: number;
  reason: string;
  headers: HeaderStore;
  /** Text (a backend's, e.g. the echo's JSON) stays text until something needs bytes (contract.ts, bodyBytes). */
  body: Buffer | string;
}

// A zero-length Buffer cannot be written to, so one instance serves every empty body (no allocation per request).
export const EMPTY_BODY = Buffer.alloc(0);

export const newResponse = (): MutableResponse => ({ status: 200, reason: 'OK', headers: new HeaderStore(), body: EMPTY_BODY });

/** What the whole pipeline knows, shared by every request (built once by createPipeline). */
export interface PipelineEnvironment {
  readonly certificates: ReadonlyMap<string, X509Certificate2>;
  /** The same, as context.Deployment.Certificates (IReadOnlyDictionary<string, X509Certificate2>), built once. */
  readonly certificateDictionary: CsDictionary;
  /** Certificates that may have issued client certificates (uploaded + CA certificates), for issuer-thumbprint. */
  readonly issuerCandidates: readonly X509Certificate2[];
  readonly serviceName: string;
  readonly region: string;
  /** Clock for validity checks; tests pin it. */
  readonly now: () => Date;
  /** The same clock in epoch ms, for DateTime.Now/UtcNow in expressions. */
  readonly nowMs: () => number;
  /** Test-only fault switches (emulator/faults.ts); absent = none. */
  readonly faults?: Faults;
}

export interface RouteInfo {
  readonly apiName: string;
  readonly apiPath: string;
  readonly operationName: string;
  readonly operationMethod: string;
  readonly urlTemplate: string;
}

/**
 * The request as the policies edit it. The URL is copied from the front's only when something asks for it (the copy
 * keeps the original intact for context.Request.OriginalUrl); a request that no policy rewrites hands the front's
 * URL object to the backend as is: one URL parse per request instead of two.
 */
class PolicyRequest implements MutableRequest {
  method: string;
  headers: HeaderStore;
  body: Buffer;
  readonly certificate: X509Certificate2 | null;
  readonly ipAddress: string;
  private copiedUrl: URL | undefined;

  constructor(private readonly original: GatewayRequest) {
    this.method = original.method;
    this.headers = HeaderStore.over(original.headers); // copied only if a policy edits them
    this.body = original.body;
    this.certificate = original.certificate;
    this.ipAddress = original.ipAddress;
  }

  get url(): URL {
    return (this.copiedUrl ??= new URL(this.original.url.href));
  }

  set url(value: URL) {
    this.copiedUrl = value;
  }

  /** The URL to send to the backend: the policies' copy if one was made, else the (unchanged) original. */
  get outgoingUrl(): URL {
    return this.copiedUrl ?? this.original.url;
  }
}

export class Execution {
  section: Section = 'inbound';
  /** The policy running now (for LastError.Source/Path/Scope/PolicyId). */
  current: PolicyNode | undefined;
  lastError: LastErrorInfo | undefined;
  readonly request: PolicyRequest;
  private currentResponse: MutableResponse | undefined;
  /** context.Response: a fresh 200 until a policy or the backend sets one (made on first read: forward-request
   *  replaces it before anything reads it on most requests). */
  get response(): MutableResponse {
    return (this.currentResponse ??= newResponse());
  }
  set response(value: MutableResponse) {
    this.currentResponse = value;
  }
  private variablesDictionary: CsDictionary | undefined;
  /** context.Variables: read-only to expressions, written by set-variable. Built on first use: most requests have none. */
  get variables(): CsDictionary {
    return (this.variablesDictionary ??= new CsDictionary(undefined, { readOnly: true, typeName: 'IReadOnlyDictionary<String, Object>' }));
  }
  /** The `context` host object; created lazily by context.ts so requests without expressions never build it. */
  contextObject: unknown;

  constructor(
    readonly env: PipelineEnvironment,
    readonly route: RouteInfo,
    readonly match: RouteMatch,
    readonly gatewayRequest: GatewayRequest,
    readonly backend: Backend,
    readonly record: RecordEvent,
    readonly runNode: (node: PolicyNode, exec: Execution) => Flow | Promise<Flow>,
    readonly makeContext: (exec: Execution) => unknown,
  ) {
    this.request = new PolicyRequest(gatewayRequest);
  }

  /** Headers that set-header edits in the current section: the request's before the backend, the response's after. */
  get sectionHeaders(): HeaderStore {
    return this.section === 'inbound' || this.section === 'backend' ? this.request.headers : this.response.headers;
  }

  /**
   * Runs the policies in order. Synchronous while they are (most are; a policy returns a promise only when it must
   * wait, e.g. a revocation fetch or a remote backend): each `await` costs microtask turns and a promise per policy,
   * which on the keep-alive path was a measurable share of the request. The order and the error path are unchanged:
   * a policy's throw reaches the caller as a throw (sync) or a rejection (async), both handled as a policy failure.
   */
  runList(nodes: readonly PolicyNode[]): Flow | Promise<Flow> {
    for (let i = 0; i < nodes.length; i++) {
      const node = nodes[i]!;
      this.current = node;
      const flow = this.runNode(node, this);
      if (typeof flow !== 'string') return this.finishList(nodes, i, flow);
      if (flow === 'stop') return 'stop';
    }
    return 'continue';
  }

  /** runList from the first policy that answered with a promise. */
  private async finishList(nodes: readonly PolicyNode[], from: number, pending: Promise<Flow>): Promise<Flow> {
    if ((await pending) === 'stop') return 'stop';
    for (let i = from + 1; i < nodes.length; i++) {
      const node = nodes[i]!;
      this.current = node;
      if ((await this.runNode(node, this)) === 'stop') return 'stop';
    }
    return 'continue';
  }

  evaluate(expression: CompiledExpression): unknown {
    const context = (this.contextObject ??= this.makeContext(this));
    try {
      return expression.evaluate({ context: context as HostObject, now: this.env.nowMs, thumbprintIgnoreCase: hasFault(this.env.faults, 'case-insensitive-thumbprint-expressions') });
    } catch (e) {
      if (e instanceof ExpressionRuntimeError) throw this.expressionFailure(e.message);
      throw e;
    }
  }

  raw(value: Value): unknown {
    return value.kind === 'literal' ? value.text : this.evaluate(value.expression);
  }

  string(value: Value): string {
    return value.kind === 'literal' ? value.text : csToString(this.evaluate(value.expression));
  }

  boolean(value: Value, what: string): boolean {
    return this.converted(() => csToBoolean(this.raw(value), what));
  }

  integer(value: Value, what: string): number {
    return this.converted(() => csToInteger(this.raw(value), what));
  }

  private converted<T>(f: () => T): T {
    try {
      return f();
    } catch (e) {
      if (e instanceof ValueConversionError) throw this.expressionFailure(`Expression evaluation failed. ${e.message}`);
      throw e;
    }
  }

  private expressionFailure(message: string): PolicyFailure {
    return new PolicyFailure(this.current?.meta.element ?? 'pipeline', 'ExpressionValueEvaluationFailure', message, INTERNAL_SERVER_ERROR);
  }
}
