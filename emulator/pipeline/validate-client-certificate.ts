// validate-client-certificate (apim-behaviour.md §4): top-level checks (not-before, not-after, trust, revocation;
// all default true, none accepts an expression), then <identities> (up to 10; AND inside, OR across). Failing answers
// 401 — "Client certificate missing" without a certificate, else "Invalid client certificate" — with
// context.LastError.Source "validate-client-certificate", unless ignore-error is true.

import { validateFailureStatus } from '../faults';
import { isExpression } from '../expressions/index';
import type { ElementReader } from './element-reader';
import { CLIENT_CERTIFICATE_INVALID, CLIENT_CERTIFICATE_MISSING, PolicyFailure } from './errors';
import type { Execution, Flow } from './execution';
import { identityMismatches, prepareIdentity, type PreparedIdentity } from './identity-match';
import type { IdentityRule, ValidateClientCertificateNode } from './policy-ast';
import type { ValidateOptions } from '../certificates/x509-certificate2';

/** DOC (validate-client-certificate page; XSD maxOccurs). */
export const MAX_IDENTITIES = 10;

const IDENTITY_ATTRIBUTES = [
  ['thumbprint', 'thumbprint'],
  ['serial-number', 'serialNumber'],
  ['common-name', 'commonName'],
  ['subject', 'subject'],
  ['dns-name', 'dnsName'],
  ['issuer-subject', 'issuerSubject'],
  ['issuer-thumbprint', 'issuerThumbprint'],
  ['issuer-certificate-id', 'issuerCertificateId'],
] as const satisfies readonly (readonly [string, keyof IdentityRule])[];

export const IDENTITY_NOT_MATCHED_MESSAGE = 'Certificate does not match any of allowed identities.';
export const CERTIFICATE_NOT_FOUND_MESSAGE = 'Client certificate is missing.'; // INF: only the 401 body's wording is observed

// Per node, kept beside the (readonly, serialisable) AST: the prepared identities and the certificate checks (the
// same on every request; the clock is passed to validate() as a number, so no options object or Date per request).
interface PreparedNode {
  readonly identities: readonly PreparedIdentity[];
  readonly checks: ValidateOptions;
}
const prepared = new WeakMap<ValidateClientCertificateNode, PreparedNode>();

export function loadValidateClientCertificate(r: ElementReader): ValidateClientCertificateNode {
  const validateRevocation = r.boolean('validate-revocation', true);
  const validateTrust = r.boolean('validate-trust', true);
  const validateNotBefore = r.boolean('validate-not-before', true);
  const validateNotAfter = r.boolean('validate-not-after', true);
  const ignoreError = r.boolean('ignore-error', false);
  const children = r.children({ identities: { max: 1 } });
  r.finish();
  const identities: IdentityRule[] = [];
  const ready: PreparedIdentity[] = [];
  for (const list of children) {
    const lr = r.ctx.reader(list, r.meta);
    const items = lr.children({ identity: {} });
    lr.finish();
    if (items.length > MAX_IDENTITIES) {
      throw lr.fail(`at most ${MAX_IDENTITIES} <identity> elements are allowed, found ${items.length}`, items[MAX_IDENTITIES]!.loc);
    }
    for (const item of items) {
      const ir = r.ctx.reader(item, r.meta);
      ir.children({});
      const rule: Record<string, unknown> = { loc: item.loc };
      for (const [attr, field] of IDENTITY_ATTRIBUTES) {
        const a = ir.attribute(attr);
        if (!a) continue;
        if (isExpression(a.value)) ir.fail(`attribute "${attr}" does not accept policy expressions`, a.loc);
        rule[field] = a.value;
      }
      ir.finish();
      const identity = rule as unknown as IdentityRule;
      if (identity.issuerCertificateId !== undefined && (identity.issuerSubject !== undefined || identity.issuerThumbprint !== undefined)) {
        ir.fail('"issuer-certificate-id" cannot be combined with "issuer-subject" or "issuer-thumbprint"');
      }
      if (identity.issuerCertificateId !== undefined && !r.ctx.certificateIds.has(identity.issuerCertificateId)) {
        ir.fail(`"issuer-certificate-id" names "${identity.issuerCertificateId}", which is not an uploaded certificate (known: ${[...r.ctx.certificateIds].join(', ') || 'none'})`, ir.attribute('issuer-certificate-id')!.loc);
      }
      if (IDENTITY_ATTRIBUTES.every(([, field]) => identity[field] === undefined)) ir.fail('an <identity> needs at least one attribute');
      try {
        ready.push(prepareIdentity(identity));
      } catch (e) {
        const attr = identity.subject !== undefined ? 'subject' : 'issuer-subject';
        ir.fail(`invalid distinguished name: ${(e as Error).message}`, ir.attribute(attr)?.loc);
      }
      identities.push(identity);
    }
  }
  const node: ValidateClientCertificateNode = {
    kind: 'validate-client-certificate',
    meta: r.meta,
    validateRevocation,
    validateTrust,
    validateNotBefore,
    validateNotAfter,
    ignoreError,
    identities,
  };
  prepared.set(node, { identities: ready, checks: checksOf(node) });
  return node;
}

export function runValidateClientCertificate(node: ValidateClientCertificateNode, exec: Execution): Flow | Promise<Flow> {
  const cert = exec.request.certificate;
  // Revocation status is fetched once per certificate (the front usually did it already; Verify() needs it too).
  // Only that fetch is asynchronous: with the status in hand the policy runs synchronously (no promise per request).
  if (cert && node.validateRevocation && !cert.revocation) return cert.prepare({ record: exec.record }).then(() => decide(node, exec));
  return decide(node, exec);
}

const PASSED = Object.freeze({ kind: 'policy', detail: Object.freeze({ policy: 'validate-client-certificate', result: 'passed' }) });

function decide(node: ValidateClientCertificateNode, exec: Execution): Flow {
  const failure = check(node, exec);
  const policy = 'validate-client-certificate';
  if (!failure) {
    exec.record(PASSED); // the same event every time: one shared, frozen object
    return 'continue';
  }
  exec.record({ kind: 'policy', detail: { policy, result: node.ignoreError ? 'failed-ignored' : 'failed', reason: failure.reason, detail: failure.detail } });
  if (node.ignoreError) return 'continue';
  const response = failure.reason === 'ClientCertificateNotFound' ? CLIENT_CERTIFICATE_MISSING : CLIENT_CERTIFICATE_INVALID;
  const status = validateFailureStatus(response.status, exec.env.faults); // test-only fault switch
  throw new PolicyFailure(policy, failure.reason, failure.message, status === response.status ? response : { ...response, status, reason: 'Forbidden' });
}

function check(node: ValidateClientCertificateNode, exec: Execution): { reason: string; message: string; detail: string } | undefined {
  const cert = exec.request.certificate;
  if (!cert) return { reason: 'ClientCertificateNotFound', message: CERTIFICATE_NOT_FOUND_MESSAGE, detail: 'no client certificate' };
  const ready = prepared.get(node);
  const result = cert.validate(ready?.checks ?? checksOf(node), exec.env.nowMs());
  if (!result.ok) return { reason: result.reason, message: result.message, detail: result.detail };
  const identities = ready?.identities ?? [];
  if (identities.length === 0) return undefined;
  const misses: string[] = [];
  for (const identity of identities) {
    const failed = identityMismatches(identity, cert, exec.env);
    if (failed.length === 0) return undefined;
    misses.push(failed.join('+'));
  }
  return { reason: 'ClientCertificateIdentityNotMatched', message: IDENTITY_NOT_MATCHED_MESSAGE, detail: `identities not matched on: ${misses.join(' | ')}` };
}

function checksOf(node: ValidateClientCertificateNode): ValidateOptions {
  return Object.freeze({
    checkTrust: node.validateTrust,
    checkNotBefore: node.validateNotBefore,
    checkNotAfter: node.validateNotAfter,
    checkRevocation: node.validateRevocation,
  });
}
