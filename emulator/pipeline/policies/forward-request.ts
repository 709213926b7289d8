// forward-request: hands the (policy-edited) request to the backend and makes its answer context.Response.
// A backend that fails or exceeds `timeout` is a failure of this policy (reasons INF; APIM answers 500 without
// on-error handling).

import type { ElementReader } from '../element-reader';
import { INTERNAL_SERVER_ERROR, PolicyFailure } from '../errors';
import type { Execution, Flow } from '../execution';
import type { GatewayResponse, TimelineEvent } from '../contract';
import { HeaderStore } from '../header-store';
import type { ForwardRequestNode } from '../policy-ast';

/** APIM's default forward-request timeout is 300 seconds. */
export const DEFAULT_TIMEOUT_SECONDS = 300;

export function loadForwardRequest(r: ElementReader): ForwardRequestNode {
  const timeoutSeconds = r.integer('timeout', DEFAULT_TIMEOUT_SECONDS, { min: 0, max: 240_000 });
  r.children({});
  r.finish();
  return { kind: 'forward-request', meta: r.meta, timeoutSeconds };
}

export function runForwardRequest(node: ForwardRequestNode, exec: Execution): Flow | Promise<Flow> {
  const pending = forward(exec, node.timeoutSeconds);
  return pending === undefined ? 'continue' : pending.then(() => 'continue' as const);
}

/**
 * Calls the backend; undefined when it answered at once (the in-process echo returns its response, not a promise),
 * else a promise. The 300 s timer and Promise.race exist only for a backend that has to wait: arming and clearing a
 * timer plus two promises per request was pure cost for an answer that is already there (it cannot time out).
 */
export function forward(exec: Execution, timeoutSeconds: number): Promise<void> | undefined {
  const request = exec.request;
  let answer: GatewayResponse | Promise<GatewayResponse>;
  try {
    answer = exec.backend({ method: request.method, url: request.outgoingUrl, headers: request.headers.toRecord(), body: request.body, clientCertificate: request.certificate });
  } catch (e) {
    throw backendFailure(e);
  }
  if (typeof (answer as Partial<Promise<GatewayResponse>>).then !== 'function') {
    accept(exec, answer as GatewayResponse);
    return undefined;
  }
  return awaitBackend(exec, answer as Promise<GatewayResponse>, timeoutSeconds);
}

async function awaitBackend(exec: Execution, pending: Promise<GatewayResponse>, timeoutSeconds: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new PolicyFailure('forward-request', 'Timeout', 'Request to the backend service timed out.', INTERNAL_SERVER_ERROR)), timeoutSeconds * 1000);
  });
  try {
    accept(exec, await Promise.race([pending, timeout]));
  } catch (e) {
    throw backendFailure(e);
  } finally {
    clearTimeout(timer);
  }
}

function accept(exec: Execution, answer: GatewayResponse): void {
  // Read in place until a policy edits them (a backend's answer is not changed after it is returned).
  exec.response = { status: answer.status, reason: answer.reason ?? '', headers: HeaderStore.over(answer.headers), body: answer.body };
  exec.record(backendEvent(answer.status));
}

// The same few statuses answer request after request: one shared, frozen event per status.
const backendEvents = new Map<number, TimelineEvent>();
function backendEvent(status: number): TimelineEvent {
  let event = backendEvents.get(status);
  if (!event) {
    event = Object.freeze({ kind: 'backend', detail: Object.freeze({ status }) });
    if (backendEvents.size < 1000) backendEvents.set(status, event); // statuses are 3 digits; bounded all the same
  }
  return event;
}

function backendFailure(e: unknown): PolicyFailure {
  if (e instanceof PolicyFailure) return e;
  return new PolicyFailure('forward-request', 'BackendConnectionFailure', `Error occured while calling backend service: ${(e as Error).message}`, INTERNAL_SERVER_ERROR);
}
