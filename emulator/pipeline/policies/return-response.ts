// return-response: stops the pipeline and answers with the response built from its children (or from a response
// held in a variable). Outbound does not run after it.

import type { ElementReader } from '../element-reader';
import type { Execution, Flow, MutableResponse } from '../execution';
import { newResponse } from '../execution';
import { HeaderStore } from '../header-store';
import type { ReturnResponseNode, SetBodyNode, SetHeaderNode, SetStatusNode } from '../policy-ast';
import { applySetHeader, applySetStatus, bodyText, loadSetBody, loadSetHeader, loadSetStatus } from './message';
import { PolicyFailure, INTERNAL_SERVER_ERROR } from '../errors';
import { ResponseHost } from '../context';

export function loadReturnResponse(r: ElementReader): ReturnResponseNode {
  const responseVariableName = r.literal('response-variable-name');
  const children = r.children({ 'set-status': { max: 1 }, 'set-header': {}, 'set-body': { max: 1 } });
  r.finish();
  let setStatus: SetStatusNode | undefined;
  let setBody: SetBodyNode | undefined;
  const setHeaders: SetHeaderNode[] = [];
  let headerIndex = 0;
  for (const child of children) {
    const suffix = child.name === 'set-header' ? ++headerIndex : 1;
    const cr = r.ctx.reader(child, { ...r.meta, element: child.name, loc: child.loc, path: `${r.meta.path}\\${child.name}[${suffix}]` });
    if (child.name === 'set-status') setStatus = loadSetStatus(cr);
    else if (child.name === 'set-body') setBody = loadSetBody(cr);
    else setHeaders.push(loadSetHeader(cr));
  }
  return { kind: 'return-response', meta: r.meta, responseVariableName, setStatus, setHeaders, setBody };
}

export function runReturnResponse(node: ReturnResponseNode, exec: Execution): Flow {
  let response: MutableResponse = newResponse();
  if (node.responseVariableName !== undefined) {
    const held = exec.variables.get(node.responseVariableName);
    if (!(held instanceof ResponseHost)) {
      throw new PolicyFailure('return-response', 'ResponseVariableNotFound', `Variable "${node.responseVariableName}" does not hold a response.`, INTERNAL_SERVER_ERROR);
    }
    const source = held.target();
    response = { status: source.status, reason: source.reason, headers: HeaderStore.fromRecord(source.headers.toRecord()), body: source.body };
  }
  if (node.setStatus) {
    exec.current = node.setStatus;
    applySetStatus(node.setStatus, exec, response);
  }
  for (const h of node.setHeaders) {
    exec.current = h;
    applySetHeader(h, exec, response.headers);
  }
  if (node.setBody) {
    exec.current = node.setBody;
    response.body = bodyText(node.setBody, exec);
  }
  exec.response = response;
  exec.record({ kind: 'policy', detail: { policy: 'return-response', status: response.status } });
  return 'stop';
}
