// forward-request: hands the (policy-edited) request to the backend and makes its answer context.Response.
// A backend that fails or exceeds `timeout` is a failure of this policy (reasons INF; APIM answers 500 without
// on-error handling).

import type { ElementReader } from '../element-reader';
import { INTERNAL_SERVER_ERROR, PolicyFailure } from '../errors';
import type { Execution, Flow } from '../execution';
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

export async function runForwardRequest(node: ForwardRequestNode, exec: Execution): Promise<Flow> {
  await forward(exec, node.timeoutSeconds);
  return 'continue';
}

export async function forward(exec: Execution, timeoutSeconds: number): Promise<void> {
  const request = exec.request;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new PolicyFailure('forward-request', 'Timeout', 'Request to the backend service timed out.', INTERNAL_SERVER_ERROR)), timeoutSeconds * 1000);
  });
  try {
    const answer = await Promise.race([
      exec.backend({ method: request.method, url: request.url, headers: request.headers.toRecord(), body: request.body, clientCertificate: request.certificate }),
      timeout,
    ]);
    exec.response = { status: answer.status, reason: answer.reason ?? '', headers: HeaderStore.fromRecord(answer.headers), body: answer.body };
    exec.record({ kind: 'backend', detail: { status: answer.status } });
  } catch (e) {
    if (e instanceof PolicyFailure) throw e;
    throw new PolicyFailure('forward-request', 'BackendConnectionFailure', `Error occured while calling backend service: ${(e as Error).message}`, INTERNAL_SERVER_ERROR);
  } finally {
    clearTimeout(timer);
  }
}
