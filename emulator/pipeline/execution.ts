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
  body: Buffer;
}

export const newResponse = (): MutableResponse => ({ status: 200, reason: 'OK', headers: new HeaderStore(), body: Buffer.alloc(0) });

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

export class Execution {
  section: Section = 'inbound';
  /** The policy running now (for LastError.Source/Path/Scope/PolicyId). */
  current: PolicyNode | undefined;
  lastError: LastErrorInfo | undefined;
  readonly request: MutableRequest;
  response: MutableResponse = newResponse();
  /** context.Variables: read-only to expressions, written by set-variable. */
  readonly variables = new CsDictionary(undefined, { readOnly: true, typeName: 'IReadOnlyDictionary<String, Object>' });
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
    this.request = {
      method: gatewayRequest.method,
      url: new URL(gatewayRequest.url.href),
      headers: HeaderStore.fromRecord(gatewayRequest.headers),
      body: gatewayRequest.body,
      certificate: gatewayRequest.certificate,
      ipAddress: gatewayRequest.ipAddress,
    };
  }

  /** Headers that set-header edits in the current section: the request's before the backend, the response's after. */
  get sectionHeaders(): HeaderStore {
    return this.section === 'inbound' || this.section === 'backend' ? this.request.headers : this.response.headers;
  }

  async runList(nodes: readonly PolicyNode[]): Promise<Flow> {
    for (const node of nodes) {
      this.current = node;
      const flow = await this.runNode(node, this);
      if (flow === 'stop') return 'stop';
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
