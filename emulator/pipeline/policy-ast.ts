// The typed form of a loaded policy document. Built once at load (expressions already compiled), shared by every
// request; nothing here is mutated at run time.

import type { CompiledExpression, SourceLocation } from '../expressions/index';

export const SECTIONS = ['inbound', 'backend', 'outbound', 'on-error'] as const;
export type Section = (typeof SECTIONS)[number];
export type Scope = 'global' | 'api' | 'operation';

/** Where a node came from: for errors (LastError.Scope/Path/PolicyId) and timeline events. */
export interface NodeMeta {
  readonly element: string;
  readonly loc: SourceLocation;
  readonly scope: Scope;
  readonly section: Section;
  /** e.g. "choose[1]\when[2]\return-response[1]", relative to the section. */
  readonly path: string;
  /** The optional `id` attribute every policy may carry. */
  readonly id: string;
}

/** An attribute value or element text: a literal, or an expression compiled at load. */
export type Value =
  | { readonly kind: 'literal'; readonly text: string }
  | { readonly kind: 'expression'; readonly expression: CompiledExpression; readonly loc: SourceLocation };

export interface BaseNode { readonly kind: 'base'; readonly meta: NodeMeta }

export interface ChooseNode {
  readonly kind: 'choose';
  readonly meta: NodeMeta;
  readonly whens: readonly { readonly condition: Value; readonly body: readonly PolicyNode[] }[];
  readonly otherwise?: readonly PolicyNode[];
}

export type ExistsAction = 'override' | 'append' | 'skip' | 'delete';

export interface SetHeaderNode {
  readonly kind: 'set-header';
  readonly meta: NodeMeta;
  readonly name: Value;
  readonly existsAction: Value;
  readonly values: readonly Value[];
}

export interface SetStatusNode { readonly kind: 'set-status'; readonly meta: NodeMeta; readonly code: Value; readonly reason?: Value }

export interface SetBodyNode { readonly kind: 'set-body'; readonly meta: NodeMeta; readonly value: Value }

export interface ReturnResponseNode {
  readonly kind: 'return-response';
  readonly meta: NodeMeta;
  readonly responseVariableName?: string;
  readonly setStatus?: SetStatusNode;
  readonly setHeaders: readonly SetHeaderNode[];
  readonly setBody?: SetBodyNode;
}

export interface SetVariableNode { readonly kind: 'set-variable'; readonly meta: NodeMeta; readonly name: string; readonly value: Value }

export interface CheckHeaderNode {
  readonly kind: 'check-header';
  readonly meta: NodeMeta;
  readonly name: Value;
  readonly failedCheckHttpCode: Value;
  readonly failedCheckErrorMessage: Value;
  readonly ignoreCase: Value;
  readonly values: readonly Value[];
}

export interface MockResponseNode { readonly kind: 'mock-response'; readonly meta: NodeMeta; readonly statusCode: number; readonly contentType?: string }

export interface ForwardRequestNode { readonly kind: 'forward-request'; readonly meta: NodeMeta; readonly timeoutSeconds: number }

/** One <identity>: every present attribute must match (AND). */
export interface IdentityRule {
  readonly loc: SourceLocation;
  readonly thumbprint?: string;
  readonly serialNumber?: string;
  readonly commonName?: string;
  readonly subject?: string;
  readonly dnsName?: string;
  readonly issuerSubject?: string;
  readonly issuerThumbprint?: string;
  readonly issuerCertificateId?: string;
}

export interface ValidateClientCertificateNode {
  readonly kind: 'validate-client-certificate';
  readonly meta: NodeMeta;
  readonly validateRevocation: boolean;
  readonly validateTrust: boolean;
  readonly validateNotBefore: boolean;
  readonly validateNotAfter: boolean;
  readonly ignoreError: boolean;
  /** Empty: no identity constraint. Otherwise OR across the list. */
  readonly identities: readonly IdentityRule[];
}

export type PolicyNode =
  | BaseNode
  | ChooseNode
  | SetHeaderNode
  | SetStatusNode
  | SetBodyNode
  | ReturnResponseNode
  | SetVariableNode
  | CheckHeaderNode
  | MockResponseNode
  | ForwardRequestNode
  | ValidateClientCertificateNode;

export interface PolicyDocument {
  readonly file: string;
  readonly scope: Scope;
  /** A section left out of the document is absent here (composition treats it as `<base/>`). */
  readonly sections: Readonly<Partial<Record<Section, readonly PolicyNode[]>>>;
}
