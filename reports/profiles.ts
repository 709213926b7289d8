// A run may judge one scenario under several profiles (`certgate run --profile families`), so a result is known by
// its id AND its profile. These helpers give every report format the same key and the same label for a result.
import type { RunReport, ScenarioResult } from '../scenarios/result';

/** The run's profiles: metadata.profile is one profile id, or several comma-joined. */
export function profilesOf(report: Pick<RunReport, 'metadata'>): string[] {
  return report.metadata.profile.split(',').map((p) => p.trim()).filter(Boolean);
}

/** Whether results of this run need their profile to be told apart. */
export function isMultiProfile(report: Pick<RunReport, 'metadata' | 'results'>): boolean {
  return profilesOf(report).length > 1 || new Set(report.results.map((r) => r.profile)).size > 1;
}

/** "id [profile]": unique within a report (ids hold no spaces), and readable as a label. */
export function resultKey(r: Pick<ScenarioResult, 'id' | 'profile'>): string {
  return `${r.id} [${r.profile}]`;
}

/** The label a report prints: the bare id in a single-profile run (as before), else id and profile. */
export function labeller(...reports: Pick<RunReport, 'metadata' | 'results'>[]): (r: Pick<ScenarioResult, 'id' | 'profile'>) => string {
  return reports.some(isMultiProfile) ? resultKey : (r) => r.id;
}

/** Results per profile, in the order the run lists its profiles (then any other profile seen, e.g. a skip's list). */
export function resultsByProfile(report: Pick<RunReport, 'metadata' | 'results'>): Map<string, ScenarioResult[]> {
  const out = new Map<string, ScenarioResult[]>(profilesOf(report).map((p) => [p, []]));
  for (const r of report.results) (out.get(r.profile) ?? out.set(r.profile, []).get(r.profile)!).push(r);
  return out;
}
