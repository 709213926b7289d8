// set-status, set-header and set-body: on their own they edit the current section's message; inside return-response
// they build the response being returned.

import type { ElementReader } from '../element-reader';
import { reasonPhrase } from '../errors';
import type { Execution, Flow, MutableResponse } from '../execution';
import type { HeaderStore } from '../header-store';
import type { ExistsAction, SetBodyNode, SetHeaderNode, SetStatusNode } from '../policy-ast';

const EXISTS_ACTIONS: readonly ExistsAction[] = ['override', 'append', 'skip', 'delete'];

export function loadSetStatus(r: ElementReader): SetStatusNode {
  const code = r.value('code', { required: true });
  if (code.kind === 'literal' && !/^\s*[1-5]\d\d\s*$/.test(code.text)) r.fail(`attribute "code" must be an HTTP status code (100-599), found "${code.text}"`, r.attribute('code')!.loc);
  const reason = r.value('reason');
  r.children({});
  r.finish();
  return { kind: 'set-status', meta: r.meta, code, reason };
}

export function loadSetHeader(r: ElementReader): SetHeaderNode {
  const name = r.value('name', { required: true });
  const existsAction = r.value('exists-action') ?? { kind: 'literal' as const, text: 'override' };
  if (existsAction.kind === 'literal' && !EXISTS_ACTIONS.includes(existsAction.text as ExistsAction)) {
    r.fail(`attribute "exists-action" must be one of ${EXISTS_ACTIONS.join(', ')}, found "${existsAction.text}"`, r.attribute('exists-action')!.loc);
  }
  const values = r.children({ value: {} }).map((child) => r.ctx.reader(child, r.meta).text({ trim: false }));
  r.finish();
  return { kind: 'set-header', meta: r.meta, name, existsAction, values };
}

export function loadSetBody(r: ElementReader): SetBodyNode {
  r.children({});
  const value = r.text({ trim: false });
  r.finish();
  return { kind: 'set-body', meta: r.meta, value };
}

export function applySetStatus(node: SetStatusNode, exec: Execution, target: MutableResponse): void {
  const code = exec.integer(node.code, 'set-status code');
  target.status = code;
  target.reason = node.reason ? exec.string(node.reason) : reasonPhrase(code);
}

export function applySetHeader(node: SetHeaderNode, exec: Execution, target: HeaderStore): void {
  const name = exec.string(node.name);
  const action = exec.string(node.existsAction) as ExistsAction;
  if (!EXISTS_ACTIONS.includes(action)) throw new Error(`set-header exists-action "${action}" is not one of ${EXISTS_ACTIONS.join(', ')}`);
  if (action === 'delete') {
    target.delete(name);
    return;
  }
  if (action === 'skip' && target.has(name)) return;
  const values = node.values.map((v) => exec.string(v));
  if (action === 'append' && target.has(name)) {
    for (const v of values) target.append(name, v);
    return;
  }
  target.set(name, values);
}

export function bodyText(node: SetBodyNode, exec: Execution): Buffer {
  return Buffer.from(exec.string(node.value), 'utf8');
}

export function runSetStatus(node: SetStatusNode, exec: Execution): Flow {
  applySetStatus(node, exec, exec.response);
  return 'continue';
}

export function runSetHeader(node: SetHeaderNode, exec: Execution): Flow {
  applySetHeader(node, exec, exec.sectionHeaders);
  return 'continue';
}

export function runSetBody(node: SetBodyNode, exec: Execution): Flow {
  const body = bodyText(node, exec);
  if (exec.section === 'inbound' || exec.section === 'backend') exec.request.body = body;
  else exec.response.body = body;
  return 'continue';
}
