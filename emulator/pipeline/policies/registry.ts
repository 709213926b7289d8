// Every policy element the emulator understands: where it may appear, how it loads, how it runs.

import type { ElementReader } from '../element-reader';
import type { Execution, Flow } from '../execution';
import type { PolicyNode, Section } from '../policy-ast';
import { SECTIONS } from '../policy-ast';
import { loadValidateClientCertificate, runValidateClientCertificate } from '../validate-client-certificate';
import { loadCheckHeader, runCheckHeader } from './check-header';
import { loadChoose, runChoose } from './choose';
import { loadForwardRequest, runForwardRequest } from './forward-request';
import { loadSetBody, loadSetHeader, loadSetStatus, runSetBody, runSetHeader, runSetStatus } from './message';
import { loadMockResponse, runMockResponse } from './mock-response';
import { loadReturnResponse, runReturnResponse } from './return-response';
import { loadSetVariable, runSetVariable } from './set-variable';

interface PolicyDefinition<N extends PolicyNode> {
  /** Sections the policy may be used in (DOC: each policy's "Usage" section). */
  readonly sections: readonly Section[];
  load(reader: ElementReader): N;
  run(node: N, exec: Execution): Flow | Promise<Flow>;
}

type Definitions = { readonly [K in PolicyNode['kind']]: PolicyDefinition<Extract<PolicyNode, { kind: K }>> };

const ALL = SECTIONS;

export const POLICIES: Definitions = {
  base: {
    sections: ALL,
    load: (r) => {
      r.children({});
      r.finish();
      return { kind: 'base', meta: r.meta };
    },
    run: () => 'continue', // replaced by composition; a leftover <base/> (global scope) contributes nothing
  },
  choose: { sections: ALL, load: loadChoose, run: runChoose },
  'return-response': { sections: ALL, load: loadReturnResponse, run: runReturnResponse },
  'set-status': { sections: ALL, load: loadSetStatus, run: runSetStatus },
  'set-header': { sections: ALL, load: loadSetHeader, run: runSetHeader },
  // on-error's list of allowed policies has no set-body (DOC, error-handling page): use return-response there.
  'set-body': { sections: ['inbound', 'backend', 'outbound'], load: loadSetBody, run: runSetBody },
  'set-variable': { sections: ALL, load: loadSetVariable, run: runSetVariable },
  'check-header': { sections: ['inbound'], load: loadCheckHeader, run: runCheckHeader },
  'mock-response': { sections: ['inbound', 'outbound', 'on-error'], load: loadMockResponse, run: runMockResponse },
  'forward-request': { sections: ['backend'], load: loadForwardRequest, run: runForwardRequest },
  'validate-client-certificate': { sections: ['inbound'], load: loadValidateClientCertificate, run: runValidateClientCertificate },
};

export const isPolicyName = (name: string): name is PolicyNode['kind'] => Object.hasOwn(POLICIES, name);

export function runPolicy(node: PolicyNode, exec: Execution): Flow | Promise<Flow> {
  return (POLICIES[node.kind] as PolicyDefinition<PolicyNode>).run(node, exec);
}
