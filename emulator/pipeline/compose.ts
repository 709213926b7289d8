// <base/> composition, per section: operation → API → global, each scope's <base/> replaced by its parent's
// composed list. A scope without a policy, or a policy without the section, inherits the parent's list as is. The
// global scope's <base/> (or a missing global section) stands for APIM's built-in defaults: <forward-request/> in
// backend, nothing elsewhere.

import { DEFAULT_TIMEOUT_SECONDS } from './policies/forward-request';
import type { ForwardRequestNode, PolicyDocument, PolicyNode, Section, Value } from './policy-ast';

export interface ComposedPolicies {
  readonly inbound: readonly PolicyNode[];
  readonly backend: readonly PolicyNode[];
  readonly outbound: readonly PolicyNode[];
  readonly 'on-error': readonly PolicyNode[];
  /** Some policy reads context.Request.Certificate (an expression) or is validate-client-certificate. */
  readonly readsClientCertificate: boolean;
  /** Some expression calls Verify() or a validate-client-certificate checks revocation: revocation status is needed. */
  readonly checksRevocation: boolean;
}

const DEFAULT_FORWARD: ForwardRequestNode = {
  kind: 'forward-request',
  meta: {
    element: 'forward-request',
    loc: { file: '(built-in global policy)', line: 1, column: 1 },
    scope: 'global',
    section: 'backend',
    path: 'forward-request[1]',
    id: '',
  },
  timeoutSeconds: DEFAULT_TIMEOUT_SECONDS,
};

const builtIn = (section: Section): readonly PolicyNode[] => (section === 'backend' ? [DEFAULT_FORWARD] : []);

function composeSection(section: Section, scopes: readonly (PolicyDocument | undefined)[]): readonly PolicyNode[] {
  let inherited = builtIn(section);
  for (const doc of scopes) {
    const own = doc?.sections[section];
    if (!own) continue;
    inherited = own.flatMap((node) => (node.kind === 'base' ? inherited : [node]));
  }
  return inherited;
}

/** `scopes` from the outermost (global) to the innermost (operation); undefined where a scope has no policy. */
export function compose(scopes: readonly (PolicyDocument | undefined)[]): ComposedPolicies {
  const inbound = composeSection('inbound', scopes);
  const backend = composeSection('backend', scopes);
  const outbound = composeSection('outbound', scopes);
  const onError = composeSection('on-error', scopes);
  const all = [inbound, backend, outbound, onError];
  const readsClientCertificate = all.some((list) => list.some(readsCertificate));
  const checksRevocation = readsClientCertificate && all.some((list) => list.some(checksRevocationIn));
  return { inbound, backend, outbound, 'on-error': onError, readsClientCertificate, checksRevocation };
}

// Verify() checks revocation; VerifyNoRevocation() does not. The expression's text is the only place that says
// which one it calls (CompiledExpression exposes no call list), and `\bVerify\s*\(` does not match VerifyNoRevocation.
const VERIFY_CALL = /\bVerify\s*\(/;

function checksRevocationIn(node: PolicyNode): boolean {
  if (node.kind === 'validate-client-certificate') return node.validateRevocation;
  return valuesOf(node).some((v) => v?.kind === 'expression' && v.expression.readsClientCertificate && VERIFY_CALL.test(v.expression.source)) || childrenOf(node).some(checksRevocationIn);
}

function valuesOf(node: PolicyNode): (Value | undefined)[] {
  switch (node.kind) {
    case 'choose': return node.whens.map((w) => w.condition);
    case 'set-status': return [node.code, node.reason];
    case 'set-header': return [node.name, node.existsAction, ...node.values];
    case 'set-body': return [node.value];
    case 'set-variable': return [node.value];
    case 'check-header': return [node.name, node.failedCheckHttpCode, node.failedCheckErrorMessage, node.ignoreCase, ...node.values];
    default: return [];
  }
}

function childrenOf(node: PolicyNode): readonly PolicyNode[] {
  switch (node.kind) {
    case 'choose': return [...node.whens.flatMap((w) => w.body), ...(node.otherwise ?? [])];
    case 'return-response': return [...(node.setStatus ? [node.setStatus] : []), ...node.setHeaders, ...(node.setBody ? [node.setBody] : [])];
    default: return [];
  }
}

const valueReads = (v: Value | undefined): boolean => v?.kind === 'expression' && v.expression.readsClientCertificate;

function readsCertificate(node: PolicyNode): boolean {
  if (node.kind === 'validate-client-certificate') return true;
  return valuesOf(node).some(valueReads) || childrenOf(node).some(readsCertificate);
}
