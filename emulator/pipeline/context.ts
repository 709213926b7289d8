// The `context` object policy expressions see (APIM's IProxyRequestContext), as HostObjects over the execution's
// live state: reading context.Request.Headers after a set-header sees the new value, as in APIM.

import { CsDateTime, CsDictionary } from '../expressions/index';
import { HOST_OBJECT, NO_SUCH_MEMBER, type HostObject } from '../expressions/host';
import type { Execution, MutableResponse, PipelineEnvironment, RouteInfo } from './execution';
import type { HeaderStore } from './header-store';

abstract class Host implements HostObject {
  readonly [HOST_OBJECT] = true as const;
  abstract readonly typeName: string;
  abstract getMember(name: string): unknown;
  invoke(name: string, args: readonly unknown[]): unknown {
    if (name === 'ToString' && args.length === 0) return this.typeName;
    return NO_SUCH_MEMBER;
  }
}

/** context.Request.Headers / context.Response.Headers: a snapshot of the store (string[] values, OrdinalIgnoreCase);
 * GetValueOrDefault joins repeated values with ",". Built on each read, so it always reflects set-header. */
export function headerDictionary(store: HeaderStore): CsDictionary {
  return new CsDictionary(
    Array.from(store.entries(), (e) => [e.name, [...e.values]] as const),
    { readOnly: true, ignoreCase: true, typeName: 'IReadOnlyDictionary<String, String[]>', getValueOrDefault: joinValues },
  );
}

const joinValues = (v: unknown) => (v as string[]).join(',');

/** A message body: As<string>() reads it as UTF-8 (other target types are not modelled). */
export class MessageBody extends Host {
  readonly typeName = 'MessageBody';
  constructor(private readonly read: () => Buffer | string) {
    super();
  }
  getMember(): unknown {
    return NO_SUCH_MEMBER;
  }
  override invoke(name: string, args: readonly unknown[]): unknown {
    if (name === 'As' && args.length <= 1) {
      const body = this.read();
      return typeof body === 'string' ? body : body.toString('utf8');
    }
    return super.invoke(name, args);
  }
}

class UrlHost extends Host {
  readonly typeName = 'IUrl';
  constructor(private readonly url: () => URL) {
    super();
  }
  getMember(name: string): unknown {
    const u = this.url();
    switch (name) {
      case 'Scheme':
        return u.protocol.replace(/:$/, '');
      case 'Host':
        return u.hostname;
      case 'Port':
        return u.port ? Number(u.port) : u.protocol === 'https:' ? 443 : 80;
      case 'Path':
        return u.pathname;
      case 'QueryString':
        return u.search;
      case 'Query': {
        const grouped = new Map<string, string[]>();
        for (const [k, v] of u.searchParams) grouped.set(k, [...(grouped.get(k) ?? []), v]);
        return new CsDictionary(grouped, { readOnly: true, typeName: 'IReadOnlyDictionary<String, String[]>', getValueOrDefault: joinValues });
      }
      default:
        return NO_SUCH_MEMBER;
    }
  }
  override invoke(name: string, args: readonly unknown[]): unknown {
    if (name === 'ToString' && args.length === 0) return this.url().href;
    return super.invoke(name, args);
  }
}

/** Reads members from a fixed table of getters. */
class Record_ extends Host {
  constructor(
    readonly typeName: string,
    private readonly members: Readonly<Record<string, () => unknown>>,
  ) {
    super();
  }
  getMember(name: string): unknown {
    const get = Object.hasOwn(this.members, name) ? this.members[name] : undefined;
    return get ? get() : NO_SUCH_MEMBER;
  }
}

/** context.Response (also what return-response's response-variable-name may hold). */
export class ResponseHost extends Record_ {
  constructor(readonly target: () => MutableResponse) {
    super('IResponse', {
      StatusCode: () => target().status,
      StatusReason: () => target().reason,
      Headers: () => headerDictionary(target().headers),
      Body: () => new MessageBody(() => target().body),
    });
  }
}

// context.Deployment, context.Api and context.Operation depend only on the pipeline and the route, never on the
// request: built once and shared, instead of three objects and eight closures per request that evaluates anything.
const deployments = new WeakMap<PipelineEnvironment, Record_>();
function deploymentOf(env: PipelineEnvironment): Record_ {
  let deployment = deployments.get(env);
  if (!deployment) {
    deployment = new Record_('IDeployment', {
      Certificates: () => env.certificateDictionary,
      ServiceName: () => env.serviceName,
      Region: () => env.region,
      GatewayId: () => 'managed',
    });
    deployments.set(env, deployment);
  }
  return deployment;
}

const routeRecords = new WeakMap<RouteInfo, { api: Record_; operation: Record_ }>();
function routeRecordsOf(route: RouteInfo): { api: Record_; operation: Record_ } {
  let records = routeRecords.get(route);
  if (!records) {
    records = {
      api: new Record_('IApi', { Name: () => route.apiName, Id: () => route.apiName, Path: () => route.apiPath }),
      operation: new Record_('IOperation', {
        Name: () => route.operationName,
        Id: () => route.operationName,
        Method: () => route.operationMethod,
        UrlTemplate: () => route.urlTemplate,
      }),
    };
    routeRecords.set(route, records);
  }
  return records;
}

/** Builds the `context` host object for one execution (called lazily, on the first expression evaluated). */
export function createContext(exec: Execution): HostObject {
  const { env, route, match, gatewayRequest } = exec;
  const request = new Record_('IRequest', {
    Method: () => exec.request.method,
    Url: () => new UrlHost(() => exec.request.url),
    OriginalUrl: () => new UrlHost(() => gatewayRequest.url),
    Headers: () => headerDictionary(exec.request.headers),
    IpAddress: () => exec.request.ipAddress,
    Body: () => new MessageBody(() => exec.request.body),
    Certificate: () => exec.request.certificate,
    MatchedParameters: () => new CsDictionary(Object.entries(match.params), { readOnly: true, typeName: 'IReadOnlyDictionary<String, String>' }),
  });
  const response = new ResponseHost(() => exec.response);
  const deployment = deploymentOf(env);
  const { api, operation } = routeRecordsOf(route);
  const timestamp = new CsDateTime(env.now(), 'Utc');
  const lastError = () => {
    const e = exec.lastError;
    if (!e) return null;
    return new Record_('ProxyError', {
      Source: () => e.source,
      Reason: () => e.reason,
      Message: () => e.message,
      Scope: () => e.scope,
      Section: () => e.section,
      Path: () => e.path,
      PolicyId: () => e.policyId,
    });
  };
  return new Record_('IProxyRequestContext', {
    Request: () => request,
    Response: () => response,
    Variables: () => exec.variables,
    Deployment: () => deployment,
    LastError: lastError,
    Api: () => api,
    Operation: () => operation,
    RequestId: () => gatewayRequest.id,
    Timestamp: () => timestamp,
    User: () => null,
    Subscription: () => null,
    Product: () => null,
  });
}
