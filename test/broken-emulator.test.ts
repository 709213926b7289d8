// The harness must catch a broken gateway (issue 4): for every fault switch of the emulator (emulator/faults.ts),
// the conformance catalogue run against the faulty emulator has at least one failing scenario, while the correct
// emulator passes every scenario of the same selection. Each fault runs only the part of the catalogue that is about
// the behaviour it breaks, chosen by namespace and tag (never by naming the scenario that is expected to fail).
//
//   npx vitest run test/broken-emulator.test.ts

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAULT_NAMES, type FaultName } from '../emulator/faults';
import { loadCatalogue } from '../scenarios/catalogue';
import { getProfile, tierSelectorIncludes } from '../scenarios/profiles';
import type { RunReport, ScenarioResult } from '../scenarios/result';
import { runConformance, startRunPki } from '../scenarios/runner';
import type { ProfileId, Scenario } from '../scenarios/schema';
import { selectScenarios } from '../scenarios/selection';
import { EmulatorTarget } from '../scenarios/targets/emulator-target';
import type { Pki } from '../ca/index';

interface Selection {
  readonly profile: ProfileId;
  readonly select: readonly string[];
  readonly tags?: readonly string[];
}

// The part of the catalogue each fault's behaviour belongs to (apim-behaviour.md section in the comment).
const SELECTIONS: Readonly<Record<FaultName, Selection>> = {
  // §1: when the first handshake asks for a certificate, per tier and setting.
  'ignore-negotiate-setting': { profile: 'apim-developer', select: ['tier.classic.*', 'reneg.classic.*'] },
  // §4: validate-client-certificate's checks and answers.
  'skip-revocation': { profile: 'apim-developer', select: ['validate.*'] },
  'accept-expired': { profile: 'apim-developer', select: ['validate.*'] },
  'wrong-status-on-validate-failure': { profile: 'apim-developer', select: ['validate.*'] },
  // §3: body size against the renegotiation buffer.
  'never-deadlock': { profile: 'apim-developer', select: ['body.classic.*'] },
  // §5: the documented thumbprint check in a policy expression.
  'case-insensitive-thumbprint-expressions': { profile: 'apim-developer', select: ['documented.thumbprint.*'] },
  // §2: TLS 1.3 and HTTP/2 connections, where renegotiation cannot happen.
  'renegotiate-on-tls13-h2': { profile: 'apim-developer', select: ['tier.classic.*', 'proto.classic.*'], tags: ['http2', 'tls13'] },
};

const catalogue = loadCatalogue();

function scenariosOf(s: Selection): Scenario[] {
  const profile = getProfile(s.profile);
  return selectScenarios(catalogue, { select: s.select, tags: s.tags }).filter((sc) => tierSelectorIncludes(sc.setup.tier, profile));
}

const run = (pki: Pki, profile: ProfileId, scenarios: readonly Scenario[], faults: readonly FaultName[]): Promise<RunReport> =>
  runConformance({
    target: new EmulatorTarget(faults.length ? { emulation: { faults } } : {}),
    profile, pki, scenarios, concurrency: 6, serverTimelines: false,
  });

const failed = (r: RunReport): ScenarioResult[] => r.results.filter((x) => x.verdict === 'fail' || x.verdict === 'error' || x.verdict === 'unexpected-pass');
const ran = (r: RunReport): number => r.results.filter((x) => x.verdict !== 'skipped').length;
const line = (x: ScenarioResult): string => `${x.id}: ${x.verdict} — ${x.message ?? ''}`;

let pki: Pki;
let closePki: (() => Promise<void>) | undefined;
/** Which scenarios caught each fault: printed at the end, so a run shows the figures. */
const caught = new Map<FaultName, string[]>();

beforeAll(async () => {
  const r = await startRunPki();
  pki = r.pki;
  closePki = r.close;
}, 60_000);

afterAll(async () => {
  for (const [fault, ids] of caught) console.log(`${fault}: caught by ${ids.length} — ${ids.slice(0, 6).join(', ')}${ids.length > 6 ? ', …' : ''}`);
  await closePki?.();
});

describe('the correct emulator', () => {
  it('passes every scenario of every fault selection', async () => {
    // The union of the selections, per profile, run once.
    const byProfile = new Map<ProfileId, Map<string, Scenario>>();
    for (const s of Object.values(SELECTIONS)) {
      const m = byProfile.get(s.profile) ?? byProfile.set(s.profile, new Map()).get(s.profile)!;
      for (const sc of scenariosOf(s)) m.set(sc.id, sc);
    }
    for (const [profile, m] of byProfile) {
      const report = await run(pki, profile, [...m.values()], []);
      expect(ran(report), `${profile}: nothing ran`).toBeGreaterThan(0);
      expect(failed(report).map(line), `${profile}: the correct emulator must pass all`).toEqual([]);
    }
  }, 120_000);
});

describe('a faulty emulator is caught', () => {
  it('every fault has a selection', () => {
    for (const f of FAULT_NAMES) expect(scenariosOf(SELECTIONS[f]).length, `${f}: empty selection`).toBeGreaterThan(0);
  });

  for (const fault of FAULT_NAMES) {
    it(`${fault}: at least one scenario fails`, async () => {
      const s = SELECTIONS[fault];
      const report = await run(pki, s.profile, scenariosOf(s), [fault]);
      const bad = failed(report);
      caught.set(fault, bad.map((x) => x.id));
      expect(bad.length, `fault ${fault} went unnoticed by ${ran(report)} scenarios (${s.select.join(' ')}${s.tags ? ` tags ${s.tags.join(',')}` : ''})`).toBeGreaterThan(0);
    }, 60_000);
  }
});
