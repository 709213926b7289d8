// Compares what a gateway did (Observation) with what its profile says it is documented to do (Expectation).
// Pure: no I/O. Alternatives inherit the top-level constraints they do not set themselves (e.g. renegotiationSeen).

import type { ExpectedAlternative, Expectation, Observation } from './result';

export interface Judgement {
  readonly verdict: 'pass' | 'fail';
  readonly message: string;
  /** Which named alternative the gateway's behaviour matched, where the expectation allowed several. */
  readonly alternativeChosen?: string;
}

const RESPONSE_OUTCOMES = new Set(['response', 'response-before-body-sent']);

/** Mismatches between one set of constraints and the observation (empty: it matches). */
function mismatches(e: Omit<ExpectedAlternative, 'name'>, o: Observation): string[] {
  const out: string[] = [];
  if (!e.outcome.includes(o.outcome)) {
    out.push(`outcome ${o.outcome}${o.errorCode ? ` (${o.errorCode})` : ''}, expected ${e.outcome.join(' or ')}`);
    return out; // the other fields describe a different outcome; listing them adds noise
  }
  const answered = RESPONSE_OUTCOMES.has(o.outcome);
  if (answered && e.status && (o.status === undefined || !e.status.includes(o.status)))
    out.push(`status ${o.status ?? 'none'}, expected ${e.status.join(' or ')}`);
  if (answered && e.backendSawCertificate !== undefined && o.backendSawCertificate !== e.backendSawCertificate)
    out.push(
      o.backendSawCertificate === undefined
        ? `expected the backend ${e.backendSawCertificate ? 'to see' : 'not to see'} a certificate; nothing observed`
        : `backend ${o.backendSawCertificate ? 'saw' : 'did not see'} a certificate`,
    );
  if (answered && e.certificateThumbprint && o.certificateThumbprint?.toUpperCase() !== e.certificateThumbprint.toUpperCase())
    out.push(`backend saw certificate ${o.certificateThumbprint ?? 'none'}, expected ${e.certificateThumbprint}${e.certificateName ? ` (${e.certificateName})` : ''}`);
  if (answered && e.lastErrorReason && o.lastErrorReason !== e.lastErrorReason)
    out.push(`context.LastError.Reason ${o.lastErrorReason ?? 'none'}, expected ${e.lastErrorReason}`);
  if (e.renegotiationSeen !== undefined && o.renegotiationSeen !== undefined && o.renegotiationSeen !== e.renegotiationSeen)
    out.push(e.renegotiationSeen ? 'expected a TLS renegotiation, none seen' : 'a TLS renegotiation happened, none expected');
  if (answered && e.httpVersion && o.httpVersion && o.httpVersion !== e.httpVersion)
    out.push(`HTTP/${o.httpVersion}, expected HTTP/${e.httpVersion}`);
  if (e.errorCode && o.errorCode?.toLowerCase() !== e.errorCode.toLowerCase())
    out.push(`error code ${o.errorCode ?? 'none'}, expected ${e.errorCode}`);
  return out;
}

export function judge(expectation: Expectation, observation: Observation): Judgement {
  if (!expectation.alternatives?.length) {
    const m = mismatches(expectation, observation);
    return m.length
      ? { verdict: 'fail', message: m.join('; ') }
      : { verdict: 'pass', message: `${observation.outcome}${observation.status ? ` ${observation.status}` : ''} as expected` };
  }
  const { alternatives, confidence: _c, note: _n, outcome: _o, status: _s, ...inherited } = expectation;
  const failures: string[] = [];
  for (const alt of alternatives) {
    const m = mismatches({ ...inherited, ...alt }, observation);
    if (m.length === 0)
      return { verdict: 'pass', message: `matched alternative "${alt.name}"`, alternativeChosen: alt.name };
    failures.push(`${alt.name}: ${m.join(', ')}`);
  }
  return { verdict: 'fail', message: `matched no alternative (${failures.join(' | ')})` };
}
