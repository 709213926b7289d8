// The catalogue as a vitest suite: the gate that says the emulator does what the profiles (written from the docs,
// not from the emulator) say APIM is documented to do. One test per scenario and profile; each scenario runs under
// one profile per gateway family its tier selector covers (a classic scenario under apim-developer, an "any"
// scenario under all four). Scenarios a profile skips are listed as skipped, with the reason in the title.
//
//   npx vitest run scenarios/conformance.test.ts
//   CERTGATE_SELECT='validate.*,body.classic.*' npx vitest run scenarios/conformance.test.ts
//   npx vitest run scenarios/conformance.test.ts --reporter=junit

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCatalogue } from './catalogue';
import { expectationFor, getProfile, tierSelectorIncludes } from './profiles';
import type { ScenarioResult } from './result';
import { runConformance, startRunPki } from './runner';
import type { ProfileId } from './schema';
import { selectScenarios } from './selection';
import { EmulatorTarget } from './targets/emulator-target';

/** One profile per family: what each family is documented to do is the same for every tier in it. */
const GATE_PROFILES: readonly ProfileId[] = ['apim-developer', 'apim-standardv2', 'apim-consumption', 'apim-selfhosted'];
const SELECT = (process.env.CERTGATE_SELECT ?? '').split(',').map((s) => s.trim()).filter(Boolean);

const catalogue = selectScenarios(loadCatalogue(), { select: SELECT.length ? SELECT : undefined });
const results = new Map<string, ScenarioResult>();
let closePki: (() => Promise<void>) | undefined;

function describeResult(r: ScenarioResult): string {
  const o = r.observed;
  const seen = o ? `observed ${o.outcome}${o.status ? ` ${o.status}` : ''}${o.errorCode ? ` (${o.errorCode})` : ''}` : 'nothing observed';
  return `${r.id} under ${r.profile}: ${r.verdict} — ${r.message ?? ''}; ${seen}`;
}

beforeAll(async () => {
  const run = await startRunPki();
  closePki = run.close;
  for (const profile of GATE_PROFILES) {
    const mine = catalogue.filter((s) => tierSelectorIncludes(s.setup.tier, getProfile(profile)));
    if (mine.length === 0) continue;
    const report = await runConformance({ target: new EmulatorTarget(), profile, pki: run.pki, scenarios: mine, concurrency: 4 });
    for (const r of report.results) results.set(`${profile} ${r.id}`, r);
  }
}, 300_000);

afterAll(async () => {
  await closePki?.();
});

for (const profileId of GATE_PROFILES) {
  const profile = getProfile(profileId);
  const mine = catalogue.filter((s) => tierSelectorIncludes(s.setup.tier, profile));
  if (mine.length === 0) continue;
  describe(profileId, () => {
    for (const scenario of mine) {
      const e = expectationFor(profile, scenario);
      if ('skip' in e) {
        it.skip(`${scenario.id} — skipped: ${e.skip}`, () => {});
        continue;
      }
      it(scenario.id, (ctx) => {
        const r = results.get(`${profileId} ${scenario.id}`);
        expect(r, `no result for ${scenario.id} (the run did not reach it)`).toBeDefined();
        if (r!.verdict === 'skipped') ctx.skip(`skipped by the target: ${r!.skipReason}`);
        expect(r!.verdict, describeResult(r!)).toBe('pass');
      });
    }
  });
}
