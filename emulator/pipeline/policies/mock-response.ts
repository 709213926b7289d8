// mock-response: stops the pipeline with a canned status. APIM fills the body from the operation's response
// examples; the emulator's operations have none, so the body is empty.

import type { ElementReader } from '../element-reader';
import { reasonPhrase } from '../errors';
import type { Execution, Flow } from '../execution';
import { newResponse } from '../execution';
import type { MockResponseNode } from '../policy-ast';

export function loadMockResponse(r: ElementReader): MockResponseNode {
  const statusCode = r.integer('status-code', 200, { min: 100, max: 599 });
  const contentType = r.literal('content-type');
  r.children({});
  r.finish();
  return { kind: 'mock-response', meta: r.meta, statusCode, contentType };
}

export function runMockResponse(node: MockResponseNode, exec: Execution): Flow {
  const response = newResponse();
  response.status = node.statusCode;
  response.reason = reasonPhrase(node.statusCode);
  if (node.contentType) response.headers.set('Content-Type', [node.contentType]);
  exec.response = response;
  exec.record({ kind: 'policy', detail: { policy: 'mock-response', status: node.statusCode } });
  return 'stop';
}
