// set-variable: stores a value (a string literal, or whatever the expression returned) in context.Variables.

import type { ElementReader } from '../element-reader';
import type { Execution, Flow } from '../execution';
import type { SetVariableNode } from '../policy-ast';

export function loadSetVariable(r: ElementReader): SetVariableNode {
  const name = r.literal('name', { required: true })!;
  if (name.trim() === '') r.fail('attribute "name" must not be empty', r.attribute('name')!.loc);
  const value = r.value('value', { required: true });
  r.children({});
  r.finish();
  return { kind: 'set-variable', meta: r.meta, name, value };
}

export function runSetVariable(node: SetVariableNode, exec: Execution): Flow {
  exec.variables.set(node.name, exec.raw(node.value));
  return 'continue';
}
