// Per-scenario comparison of two runs. A regression is a scenario that now fails (fail, error or an unexpected pass)
// and did not before, plus every unexpected pass in the new run (it fails the run by definition).
// Results are matched by id when both runs judged under one profile each (a profile change is then a metadata
// change), and by id and profile as soon as either run used several (`--profile families`): a scenario under
// apim-developer is compared with itself under apim-developer, never with its apim-standardv2 twin. Labels follow
// the same rule: "id" or "id [profile]".
import type { RunReport, ScenarioResult, Verdict } from '../scenarios/result';
import { FAILING_VERDICTS, oneLine } from './format';
import { labeller } from './profiles';

export interface ScenarioChange {
  readonly id: string;
  /** The profile of the new run's result. */
  readonly profile: string;
  /** "id", or "id [profile]" when either run used several profiles. */
  readonly label: string;
  readonly title: string;
  readonly before: ScenarioResult;
  readonly after: ScenarioResult;
  /** Human-readable changes, e.g. "verdict pass → fail", "outcome response 200 → stall". */
  readonly changes: readonly string[];
}

export interface RunDiff {
  /** In both runs; not failing before, failing (fail, error, unexpected-pass) now. */
  readonly newlyFailing: readonly ScenarioChange[];
  /** In both runs; anything but pass before, pass now. */
  readonly newlyPassing: readonly ScenarioChange[];
  /** In both runs and in neither list above, but the verdict or what was observed changed. */
  readonly changedOutcome: readonly ScenarioChange[];
  readonly added: readonly ScenarioResult[];
  readonly removed: readonly ScenarioResult[];
  /** newlyFailing, then unexpected passes of the new run not already listed; labels ("id" or "id [profile]"). */
  readonly regressions: readonly string[];
  /** The new run's results behind `regressions`, in the same order. */
  readonly regressed: readonly ScenarioResult[];
  /** How this diff names a result: "id", or "id [profile]" when either run used several profiles. */
  readonly labelOf: (r: Pick<ScenarioResult, 'id' | 'profile'>) => string;
  /** Differences in what was run (profile, target, selection…) that make the comparison less like-for-like. */
  readonly metadataChanges: readonly string[];
}

const isFailing = (v: Verdict) => FAILING_VERDICTS.has(v);

export function diffRuns(before: RunReport, after: RunReport): RunDiff {
  const labelOf = labeller(before, after);
  const old = new Map(before.results.map((r) => [labelOf(r), r]));
  const now = new Map(after.results.map((r) => [labelOf(r), r]));
  const newlyFailing: ScenarioChange[] = [];
  const newlyPassing: ScenarioChange[] = [];
  const changedOutcome: ScenarioChange[] = [];
  const added: ScenarioResult[] = [];
  for (const r of after.results) {
    const label = labelOf(r);
    const o = old.get(label);
    if (!o) {
      added.push(r);
      continue;
    }
    const change: ScenarioChange = { id: r.id, profile: r.profile, label, title: r.title, before: o, after: r, changes: describeChanges(o, r) };
    if (isFailing(r.verdict) && !isFailing(o.verdict)) newlyFailing.push(change);
    else if (r.verdict === 'pass' && o.verdict !== 'pass') newlyPassing.push(change);
    else if (change.changes.length > 0) changedOutcome.push(change);
  }
  const removed = before.results.filter((r) => !now.has(labelOf(r)));
  const regressed = newlyFailing.map((c) => c.after);
  for (const r of after.results) {
    if (r.verdict === 'unexpected-pass' && !regressed.includes(r)) regressed.push(r);
  }
  const regressions = regressed.map(labelOf);
  return { newlyFailing, newlyPassing, changedOutcome, added, removed, regressions, regressed, labelOf, metadataChanges: metadataChanges(before, after) };
}

function observedLabel(r: ScenarioResult): string {
  const o = r.observed;
  if (!o) return 'nothing observed';
  return [o.outcome, o.status, o.alternativeChosen ? `(chose ${o.alternativeChosen})` : undefined]
    .filter((p) => p !== undefined)
    .join(' ');
}

function describeChanges(o: ScenarioResult, r: ScenarioResult): string[] {
  const changes: string[] = [];
  if (o.verdict !== r.verdict) changes.push(`verdict ${o.verdict} → ${r.verdict}`);
  const a = observedLabel(o);
  const b = observedLabel(r);
  if (a !== b) changes.push(`observed ${a} → ${b}`);
  const ca = o.observed?.backendSawCertificate;
  const cb = r.observed?.backendSawCertificate;
  if (ca !== cb && ca !== undefined && cb !== undefined) {
    changes.push(cb ? 'backend now sees the certificate' : 'backend no longer sees the certificate');
  }
  if (o.observed?.lastErrorReason !== r.observed?.lastErrorReason) {
    changes.push(`LastError ${o.observed?.lastErrorReason ?? '—'} → ${r.observed?.lastErrorReason ?? '—'}`);
  }
  return changes;
}

function metadataChanges(before: RunReport, after: RunReport): string[] {
  const keys = ['target', 'profile', 'selection', 'shard', 'certgateVersion', 'openssl', 'node'] as const;
  return keys
    .filter((k) => before.metadata[k] !== after.metadata[k])
    .map((k) => `${k} ${before.metadata[k] ?? '—'} → ${after.metadata[k] ?? '—'}`);
}

export function hasRegressions(diff: RunDiff): boolean {
  return diff.regressions.length > 0;
}

/** Terminal text for `certgate report diff`: regressions first, then the other sections, then a count line. */
export function formatDiff(diff: RunDiff): string {
  const lines: string[] = [];
  const section = (title: string, items: readonly string[]) => {
    if (items.length === 0) return;
    // oneLine: scenario strings come from the gateway and the catalogue; no escape sequences reach the terminal.
    lines.push(`${title} (${items.length})`, ...items.map((i) => `  ${oneLine(i)}`), '');
  };
  const regressionSet = new Set(diff.regressions);
  const upUnexpected = diff.regressions.filter((label) => !diff.newlyFailing.some((c) => c.label === label));
  section('Metadata differs', diff.metadataChanges);
  section('Newly failing', diff.newlyFailing.map((c) => `${c.label}: ${c.changes.join('; ')}`));
  section('Unexpected passes', upUnexpected.map((label) => `${label}: passed, but listed as expected to fail`));
  section('Newly passing', diff.newlyPassing.map((c) => `${c.label}: ${c.changes.join('; ')}`));
  section('Changed outcome', diff.changedOutcome.map((c) => `${c.label}: ${c.changes.join('; ')}`));
  section('Added', diff.added.map((r) => `${diff.labelOf(r)}: ${r.verdict}`));
  section('Removed', diff.removed.map((r) => `${diff.labelOf(r)}: was ${r.verdict}`));
  lines.push(
    `${regressionSet.size} regression(s), ${diff.newlyPassing.length} newly passing, ${diff.changedOutcome.length} changed, ` +
      `${diff.added.length} added, ${diff.removed.length} removed`,
  );
  return `${lines.join('\n')}\n`;
}
