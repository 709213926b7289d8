// Plain-text phrasing shared by every report format, so JUnit, Markdown and HTML say "expected" and "observed" the
// same way. No escaping here: each format escapes for its own syntax.
import type { Citation, Expectation, Observation, ScenarioResult, Verdict } from '../scenarios/result';

export const VERDICT_LABEL: Readonly<Record<Verdict, string>> = {
  pass: 'pass',
  fail: 'fail',
  'expected-failure': 'expected failure',
  'unexpected-pass': 'unexpected pass',
  skipped: 'skipped',
  error: 'error',
};

/** Verdicts that make a run non-conformant (the CI gate's exit 1). */
export const FAILING_VERDICTS: ReadonlySet<Verdict> = new Set<Verdict>(['fail', 'unexpected-pass', 'error']);

export function formatExpected(e: Expectation | undefined): string {
  if (!e) return 'nothing stated';
  const parts = [e.outcome.join(' or ')];
  if (e.status?.length) parts[0] += ` ${e.status.join('|')}`;
  if (e.backendSawCertificate !== undefined) parts.push(e.backendSawCertificate ? 'backend sees the certificate' : 'backend sees no certificate');
  if (e.certificateThumbprint) parts.push(`thumbprint ${e.certificateThumbprint}`);
  if (e.certificateName) parts.push(`certificate ${e.certificateName}`);
  if (e.lastErrorReason) parts.push(`LastError ${e.lastErrorReason}`);
  if (e.errorCode) parts.push(`error ${e.errorCode}`);
  if (e.renegotiationSeen !== undefined) parts.push(e.renegotiationSeen ? 'renegotiation' : 'no renegotiation');
  if (e.httpVersion) parts.push(`HTTP/${e.httpVersion}`);
  if (e.alternatives?.length) parts.push(`one of: ${e.alternatives.map((a) => a.name).join(' | ')}`);
  parts.push(`[${e.confidence}]`);
  return parts.join(', ');
}

export function formatObserved(o: Observation | undefined): string {
  if (!o) return 'nothing observed';
  let head: string = o.outcome;
  if (o.status !== undefined) head += ` ${o.status}${o.statusText ? ` ${o.statusText}` : ''}`;
  if (o.errorCode) head += ` (${o.errorCode})`;
  head += ` after ${formatMs(o.durationMs)}`;
  const parts = [head];
  if (o.backendSawCertificate !== undefined) parts.push(o.backendSawCertificate ? 'backend saw the certificate' : 'backend saw no certificate');
  if (o.certificateThumbprint) parts.push(`thumbprint ${o.certificateThumbprint}`);
  if (o.lastErrorReason) parts.push(`LastError ${o.lastErrorReason}`);
  if (o.renegotiationSeen !== undefined) parts.push(o.renegotiationSeen ? 'renegotiation' : 'no renegotiation');
  if (o.httpVersion) parts.push(`HTTP/${o.httpVersion}`);
  if (o.tlsVersion) parts.push(o.tlsVersion);
  if (o.alternativeChosen) parts.push(`chose ${o.alternativeChosen}`);
  if (o.requestId) parts.push(`request ${o.requestId}`);
  return parts.join(', ');
}

export function formatCitation(c: Citation): string {
  return [c.page, c.section ? `§ ${c.section}` : undefined, c.fact ? `fact ${c.fact}` : undefined]
    .filter((p): p is string => p !== undefined)
    .join(', ');
}

export function formatMs(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(2)} s`;
  const m = Math.floor(ms / 60_000);
  return `${m} min ${((ms - m * 60_000) / 1000).toFixed(0)} s`;
}

/** One line saying why a scenario is not a plain pass: its message, or expected vs observed. */
export function formatReason(r: ScenarioResult): string {
  switch (r.verdict) {
    case 'skipped':
      return r.skipReason ?? 'no reason given';
    case 'unexpected-pass':
      return r.message ?? `passed, but listed as expected to fail (observed ${formatObserved(r.observed)})`;
    default:
      return r.message ?? `expected ${formatExpected(r.expected)}; observed ${formatObserved(r.observed)}`;
  }
}

/** Collapses whitespace and drops control characters, for formats that are one line per item. */
export function oneLine(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ').replace(/\s+/g, ' ').trim();
}
