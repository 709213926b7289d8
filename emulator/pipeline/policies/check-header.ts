// check-header: the request must carry the header (and, when <value>s are listed, one of them). Failing stops the
// request with the configured status and message. The LastError reasons (HeaderNotFound, HeaderValueNotAllowed)
// are INF: APIM's error reference names them for this policy, but their use with on-error is not observed.

import type { ElementReader } from '../element-reader';
import { PolicyFailure } from '../errors';
import type { Execution, Flow } from '../execution';
import type { CheckHeaderNode } from '../policy-ast';
import { reasonPhrase } from '../errors';

export function loadCheckHeader(r: ElementReader): CheckHeaderNode {
  const name = r.value('name', { required: true });
  const failedCheckHttpCode = r.value('failed-check-httpcode', { required: true });
  const failedCheckErrorMessage = r.value('failed-check-error-message', { required: true });
  const ignoreCase = r.value('ignore-case', { required: true });
  if (ignoreCase.kind === 'literal' && !/^(true|false)$/i.test(ignoreCase.text.trim())) {
    r.fail(`attribute "ignore-case" must be true or false, found "${ignoreCase.text}"`, r.attribute('ignore-case')!.loc);
  }
  const values = r.children({ value: {} }).map((child) => r.ctx.reader(child, r.meta).text({ trim: true }));
  r.finish();
  return { kind: 'check-header', meta: r.meta, name, failedCheckHttpCode, failedCheckErrorMessage, ignoreCase, values };
}

export function runCheckHeader(node: CheckHeaderNode, exec: Execution): Flow {
  const name = exec.string(node.name);
  const present = exec.request.headers.get(name);
  let reason: string | undefined;
  let message = '';
  if (!present) {
    reason = 'HeaderNotFound';
    message = `Header ${name} was not found in the request. Access denied.`;
  } else if (node.values.length > 0) {
    const ignoreCase = exec.boolean(node.ignoreCase, 'check-header ignore-case');
    const norm = (s: string) => (ignoreCase ? s.toLowerCase() : s);
    const allowed = new Set(node.values.map((v) => norm(exec.string(v))));
    const actual = present.join(',');
    if (!allowed.has(norm(actual))) {
      reason = 'HeaderValueNotAllowed';
      message = `Header ${name} value of ${actual} is not allowed. Access denied.`;
    }
  }
  if (!reason) {
    exec.record({ kind: 'policy', detail: { policy: 'check-header', header: name, result: 'passed' } });
    return 'continue';
  }
  const status = exec.integer(node.failedCheckHttpCode, 'check-header failed-check-httpcode');
  const text = exec.string(node.failedCheckErrorMessage);
  exec.record({ kind: 'policy', detail: { policy: 'check-header', header: name, result: 'failed', reason } });
  throw new PolicyFailure('check-header', reason, message, { status, reason: reasonPhrase(status), message: text });
}
