// The conformance runner: selected scenarios → expectations from the profile → one gateway per distinct setup from
// the target → requests with the right client → judged observations → a RunReport (scenarios/result.ts).
//
//   const report = await runConformance({ target: new EmulatorTarget(), profile: 'apim-developer', select: ['validate.*'] });
//
// Several profiles (`profile: ['apim-developer', 'apim-standardv2']`, or FAMILY_PROFILES) judge each scenario once per
// profile whose tier it covers; a scenario none of them covers is one skipped result. Results carry their profile and
// the report's metadata.profile lists the run's profiles, comma-joined.
//
// Scenarios that share a setup share a gateway (prepared once, released after its last scenario); up to
// `concurrency` requests run at once, each on its own connection. Results stream through onResult as they finish;
// the report lists them in catalogue order so two runs compare line by line.

import { readFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { defaultSpec, getFreePort, issuePki, type Pki } from '../ca/index';
import { startRevocationServer, type RevocationServer } from '../ca/revocation-server';
import { loadCatalogue } from './catalogue';
import type { CertificateName } from './certificate-names';
import { ExpectedFailures } from './expected-failures';
import { judge } from './judge';
import { expectationFor, getProfile, type Profile } from './profiles';
import {
  RESULT_SCHEMA_VERSION,
  type Expectation,
  type Observation,
  type RunReport,
  type ScenarioResult,
  type TimelinePoint,
  type Verdict,
} from './result';
import { runScenarioRequest } from './run-scenario';
import type { ProfileId, Scenario } from './schema';
import { coveringProfiles, selectScenarios, shuffled, type Shard } from './selection';
import { certificateOf } from './targets/pki-facts';
import { isRejected, isSkipped, setupKeyOf, type ConcreteSetup, type PrepareResult, type Target } from './targets/target';

export interface RunOptions {
  /** The gateway(s) to run against; closed when the run ends. */
  readonly target: Target;
  /** One profile or several (each scenario runs under every one whose tier it covers). Default: the target's profileDefault. */
  readonly profile?: ProfileId | Profile | readonly (ProfileId | Profile)[];
  /** Scenario id globs; none = every scenario. */
  readonly select?: readonly string[];
  /** Keep scenarios with at least one of these tags. */
  readonly tags?: readonly string[];
  readonly shard?: Shard;
  /** Orders the setups (and so the scenarios) of the run; the same seed gives the same order. Default 1. */
  readonly seed?: number;
  readonly expectedFailures?: ExpectedFailures | ReadonlyMap<string, string>;
  /** Requests in flight at once (default 4: this is I/O bound, and a stalled scenario holds a slot for ~1 s). */
  readonly concurrency?: number;
  readonly onResult?: (r: ScenarioResult) => void;
  readonly stallWindowMs?: number;
  readonly hardTimeoutMs?: number;
  /** The PKI to use (its revocation responder must be answering). Default: issued here, responder started here. */
  readonly pki?: Pki;
  /** The scenarios to choose from (default: the catalogue). */
  readonly scenarios?: readonly Scenario[];
  /** Fetch the server-side timeline for each request when the target offers one (default true). */
  readonly serverTimelines?: boolean;
}

function certgateVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

/** A PKI for one run, issued against a free port, with its CRL/OCSP responder answering there. */
export async function startRunPki(): Promise<{ pki: Pki; responder: RevocationServer; close(): Promise<void> }> {
  const port = await getFreePort();
  const pki = await issuePki(defaultSpec(), {
    responder: { host: '127.0.0.1', port },
    // Keys are cached (test keys, mode 0600) so a run does not spend seconds generating RSA keys.
    cacheDir: join(tmpdir(), `certgate-conformance-keys-${userInfo().username}`),
  });
  const responder = await startRevocationServer({ authorities: pki.authorities, host: '127.0.0.1', port });
  return { pki, responder, close: () => responder.close() };
}

interface Planned {
  readonly scenario: Scenario;
  readonly order: number;
  /** The profile that judges it (a comma-joined list when none of the run's profiles covers the scenario). */
  readonly profileId: string;
  readonly expected?: Expectation;
  readonly skip?: string;
  readonly setup?: ConcreteSetup;
  readonly key?: string;
}

const namespaceOf = (id: string) => id.split('.').slice(0, 2).join('.');

function emptyTotals(): Record<Verdict, number> & { total: number } {
  return { pass: 0, fail: 0, 'expected-failure': 0, 'unexpected-pass': 0, skipped: 0, error: 0, total: 0 };
}

/** Whether a report counts as a success: nothing failed, errored or passed unexpectedly. */
export const runSucceeded = (r: RunReport): boolean => r.totals.fail === 0 && r.totals.error === 0 && r.totals['unexpected-pass'] === 0;

export async function runConformance(o: RunOptions): Promise<RunReport> {
  const started = Date.now();
  const startedAt = new Date(started).toISOString();
  const profileRef = o.profile ?? o.target.profileDefault;
  if (!profileRef) throw new Error(`no profile given and target "${o.target.name}" states none`);
  const profiles = resolveProfiles(profileRef);
  const runProfile = profiles.map((p) => p.id).join(',');
  const seed = o.seed ?? 1;
  const expectedFailures =
    o.expectedFailures instanceof ExpectedFailures ? o.expectedFailures : o.expectedFailures ? ExpectedFailures.fromMap(o.expectedFailures) : undefined;
  const selected = selectScenarios(o.scenarios ?? loadCatalogue(), { select: o.select, tags: o.tags, shard: o.shard });

  const ownPki = o.pki ? undefined : await startRunPki();
  const pki = o.pki ?? ownPki!.pki;
  const thumbprintOf = (n: CertificateName) => certificateOf(pki, n).thumbprint;

  const planned: Planned[] = [];
  for (const scenario of selected) {
    const covering = coveringProfiles(scenario, profiles);
    if (covering.length === 0 && profiles.length > 1) {
      planned.push({ scenario, order: planned.length, profileId: runProfile, skip: notCoveredReason(scenario, profiles) });
      continue;
    }
    // One profile that does not cover the scenario: expectationFor states why, in that profile's terms.
    for (const profile of covering.length ? covering : profiles) {
      const base = { scenario, order: planned.length, profileId: profile.id };
      const e = expectationFor(profile, scenario, { thumbprintOf });
      if ('skip' in e) planned.push({ ...base, skip: e.skip });
      else {
        const setup = { ...scenario.setup, tier: profile.tier } as ConcreteSetup;
        planned.push({ ...base, expected: e, setup, key: setupKeyOf(setup) });
      }
    }
  }

  const results: (ScenarioResult | undefined)[] = new Array(planned.length);
  const emit = (i: number, r: ScenarioResult) => {
    results[i] = r;
    o.onResult?.(r);
  };
  const base = (p: Planned) => ({
    id: p.scenario.id,
    title: p.scenario.title,
    namespace: namespaceOf(p.scenario.id),
    tags: p.scenario.tags,
    importance: p.scenario.importance,
    citation: p.scenario.citation,
    profile: p.profileId,
    target: o.target.name,
  });

  // Skipped by the profile: recorded at once, with the reason.
  for (const p of planned)
    if (p.skip) emit(p.order, { ...base(p), verdict: 'skipped', skipReason: p.skip, startedAt, durationMs: 0, clientTimeline: [] });

  // Runnable scenarios, grouped by setup; the groups' order comes from the seed.
  const groups = new Map<string, Planned[]>();
  for (const p of planned) if (p.key) (groups.get(p.key) ?? groups.set(p.key, []).get(p.key)!).push(p);
  const queue = shuffled([...groups.keys()], seed).flatMap((k) => groups.get(k)!);
  const remaining = new Map([...groups].map(([k, v]) => [k, v.length]));
  const prepared = new Map<string, Promise<PrepareResult>>();
  const prepare = (p: Planned) => {
    let r = prepared.get(p.key!);
    if (!r) {
      r = o.target.prepare(p.key!, p.setup!, pki);
      prepared.set(p.key!, r);
    }
    return r;
  };
  const done = async (key: string) => {
    const left = remaining.get(key)! - 1;
    remaining.set(key, left);
    if (left === 0 && o.target.release) await o.target.release(key).catch(() => undefined);
  };

  const runOne = async (p: Planned): Promise<ScenarioResult> => {
    const t0 = Date.now();
    const scenarioStartedAt = new Date(t0).toISOString();
    const expected = p.expected!;
    let observation: Observation;
    let clientTimeline: readonly TimelinePoint[] = [];
    let serverTimeline: readonly TimelinePoint[] | undefined;
    let note: string | undefined;
    try {
      const setupResult = await prepare(p);
      if (isSkipped(setupResult)) {
        return { ...base(p), expected, verdict: 'skipped', skipReason: setupResult.skip, startedAt: scenarioStartedAt, durationMs: Date.now() - t0, clientTimeline: [] };
      }
      if (isRejected(setupResult)) {
        observation = { outcome: 'setup-rejected', durationMs: 0 };
        clientTimeline = [{ at: 0, kind: 'setup-rejected', detail: { message: setupResult.rejected } }];
        note = `gateway refused the setup: ${setupResult.rejected.split('\n').slice(0, 3).join(' ')}`;
      } else {
        const r = await runScenarioRequest(p.scenario, setupResult, pki, { stallWindowMs: o.stallWindowMs, hardTimeoutMs: o.hardTimeoutMs });
        observation = r.observation;
        clientTimeline = r.timeline;
        if (o.serverTimelines !== false && setupResult.serverTimeline && (observation.requestId || r.clientPort !== undefined))
          serverTimeline = await setupResult.serverTimeline({ requestId: observation.requestId, clientPort: r.clientPort });
      }
    } catch (err) {
      return {
        ...base(p),
        expected,
        verdict: 'error',
        message: `harness error: ${err instanceof Error ? err.message : String(err)}`,
        startedAt: scenarioStartedAt,
        durationMs: Date.now() - t0,
        clientTimeline,
      };
    }
    const j = judge(expected, observation);
    if (j.alternativeChosen) observation = { ...observation, alternativeChosen: j.alternativeChosen };
    const listed = expectedFailures?.reasonFor(p.scenario.id, p.profileId);
    let verdict: Verdict = j.verdict;
    let message = note && j.verdict === 'fail' ? `${j.message} (${note})` : j.message;
    if (listed !== undefined && j.verdict === 'fail') {
      verdict = 'expected-failure';
      message = `${message} — expected to fail: ${listed}`;
    } else if (listed !== undefined) {
      verdict = 'unexpected-pass';
      message = `passed, but the expected-failures list says it fails (${listed}): remove it from the list`;
    }
    return {
      ...base(p),
      expected,
      observed: observation,
      verdict,
      message,
      startedAt: scenarioStartedAt,
      durationMs: Date.now() - t0,
      clientTimeline,
      ...(serverTimeline ? { serverTimeline } : {}),
    };
  };

  const concurrency = Math.max(1, o.concurrency ?? 4);
  let next = 0;
  const worker = async () => {
    while (next < queue.length) {
      const p = queue[next++]!;
      const r = await runOne(p);
      emit(p.order, r);
      await done(p.key!);
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(concurrency, queue.length) }, worker));
  } finally {
    await o.target.close().catch(() => undefined);
    await ownPki?.close();
  }

  const final = results.filter((r): r is ScenarioResult => r !== undefined);
  const totals = emptyTotals();
  for (const r of final) {
    totals[r.verdict]++;
    totals.total++;
  }
  return {
    schemaVersion: RESULT_SCHEMA_VERSION,
    metadata: {
      certgateVersion: certgateVersion(),
      target: o.target.name,
      profile: runProfile,
      seed,
      node: process.version,
      openssl: process.versions.openssl ?? 'unknown',
      startedAt,
      durationMs: Date.now() - started,
      ...(o.select?.length || o.tags?.length
        ? { selection: [...(o.select ?? []), ...(o.tags ?? []).map((t) => `tag:${t}`)].join(' ') }
        : {}),
      ...(o.shard ? { shard: `${o.shard.index}/${o.shard.count}` } : {}),
    },
    results: final,
    totals,
  };
}

/** The run's profiles, loaded, duplicates dropped (order kept). */
export function resolveProfiles(ref: ProfileId | Profile | readonly (ProfileId | Profile)[]): Profile[] {
  const list = (Array.isArray(ref) ? ref : [ref]) as readonly (ProfileId | Profile)[];
  if (list.length === 0) throw new Error('no profile given: the profile list is empty');
  const out: Profile[] = [];
  for (const r of list) {
    const p = typeof r === 'string' ? getProfile(r) : r;
    if (!out.some((q) => q.id === p.id)) out.push(p);
  }
  return out;
}

function notCoveredReason(scenario: Scenario, profiles: readonly Profile[]): string {
  const judged = profiles.map((p) => `${p.id} (${p.tier}, ${p.family})`).join(', ');
  return `scenario is for ${scenario.setup.tier} gateways; none of the run's profiles covers it: ${judged}`;
}
