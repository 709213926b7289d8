// choose / when condition / otherwise: the first when whose condition is true runs, else otherwise.

import type { ElementReader } from '../element-reader';
import type { Execution, Flow } from '../execution';
import type { ChooseNode } from '../policy-ast';

export function loadChoose(r: ElementReader): ChooseNode {
  const children = r.children({ when: {}, otherwise: { max: 1 } });
  r.finish();
  const whens: ChooseNode['whens'][number][] = [];
  let otherwise: ChooseNode['otherwise'];
  let whenIndex = 0;
  for (const child of children) {
    const cr = r.ctx.reader(child, r.meta);
    if (child.name === 'when') {
      if (otherwise) cr.fail('<when> must come before <otherwise>');
      whenIndex++;
      const condition = cr.value('condition', { required: true });
      cr.finish();
      whens.push({ condition, body: r.ctx.loadPolicies(child.children, `${r.meta.path}\\when[${whenIndex}]`) });
    } else {
      cr.finish();
      otherwise = r.ctx.loadPolicies(child.children, `${r.meta.path}\\otherwise[1]`);
    }
    if (child.text.trim() !== '') cr.fail('text is not allowed here', child.textLoc);
  }
  if (whens.length === 0) r.fail('needs at least one <when>');
  return { kind: 'choose', meta: r.meta, whens, otherwise };
}

// Not async: the branch's policies usually finish synchronously (Execution.runList), and an async wrapper would cost a
// promise and microtask turns per request for nothing.
export function runChoose(node: ChooseNode, exec: Execution): Flow | Promise<Flow> {
  for (let i = 0; i < node.whens.length; i++) {
    const when = node.whens[i]!;
    exec.current = node;
    if (exec.boolean(when.condition, 'when condition')) {
      exec.record({ kind: 'policy', detail: { policy: 'choose', path: node.meta.path, branch: `when[${i + 1}]` } });
      return exec.runList(when.body);
    }
  }
  exec.record({ kind: 'policy', detail: { policy: 'choose', path: node.meta.path, branch: node.otherwise ? 'otherwise' : 'none' } });
  return node.otherwise ? exec.runList(node.otherwise) : 'continue';
}
