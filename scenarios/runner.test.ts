// The runner's own behaviour: selection, sharding, expected failures (incl. unexpected passes), streaming, skips
// with reasons, and one gateway per distinct setup. Real sockets throughout: the emulator, and for the verdict
// semantics a small Node HTTPS gateway that always asks for a certificate and never runs a policy (so it passes
// some scenarios and fails others for reasons we know in advance).

import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Pki } from '../ca/index';
import { runReportSchema } from '../reports/report-schema';
import { loadCatalogue } from './catalogue';
import type { ScenarioResult } from './result';
import { runConformance, runSucceeded, startRunPki } from './runner';
import type { Scenario } from './schema';
import { coveringProfiles, FAMILY_PROFILES, parseProfileList, parseShard, resultCount, selectScenarios } from './selection';
import { getProfile } from './profiles';
import { FAMILIES } from './schema';
import { EmulatorTarget } from './targets/emulator-target';
import { chainPem } from './targets/pki-facts';
import { setupKeyOf, type ConcreteSetup } from './targets/target';
import { UrlTarget } from './targets/url-target';

const catalogue = loadCatalogue();
const byId = (id: string): Scenario => {
  const s = catalogue.find((x) => x.id === id);
  if (!s) throw new Error(`no scenario ${id} in the catalogue`);
  return s;
};

describe('selection', () => {
  it('a glob keeps exactly the ids it matches, dots literal', () => {
    const got = selectScenarios(catalogue, { select: ['validate.identity.*'] }).map((s) => s.id);
    const want = catalogue.filter((s) => s.id.startsWith('validate.identity.')).map((s) => s.id);
    expect(want.length).toBeGreaterThan(5);
    expect(got).toEqual(want);
    // "." is not "any character": a glob with the dots replaced by another character matches nothing.
    expect(selectScenarios(catalogue, { select: ['validate-identity-*'] })).toEqual([]);
  });

  it('several globs are a union; ? is one character', () => {
    // 1? matches "1m" but not "16k" or "128k"
    const got = selectScenarios(catalogue, { select: ['body.classic.negotiate-off.post.1?.plain', 'ca.upload.*'] }).map((s) => s.id);
    expect(got.sort()).toEqual(['body.classic.negotiate-off.post.1m.plain', 'ca.upload.intermediate-store', 'ca.upload.root-store'].sort());
  });

  it('tags keep scenarios with at least one of them', () => {
    const got = selectScenarios(catalogue, { tags: ['deadlock', 'application-gateway'] });
    const want = catalogue.filter((s) => s.tags.includes('deadlock') || s.tags.includes('application-gateway'));
    expect(got.map((s) => s.id)).toEqual(want.map((s) => s.id));
    expect(got.some((s) => s.tags.includes('application-gateway'))).toBe(true);
  });

  it.each([1, 2, 3, 7])('%i shards partition the selection exactly', (count) => {
    const all = selectScenarios(catalogue, {});
    const shards = Array.from({ length: count }, (_, i) => selectScenarios(catalogue, { shard: { index: i + 1, count } }).map((s) => s.id));
    const flat = shards.flat();
    expect(new Set(flat).size).toBe(flat.length); // disjoint
    expect(flat.sort()).toEqual(all.map((s) => s.id).sort()); // complete
    const sizes = shards.map((s) => s.length);
    expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
  });

  it('--shard is parsed as i/n and refuses nonsense', () => {
    expect(parseShard('2/5')).toEqual({ index: 2, count: 5 });
    expect(() => parseShard('0/3')).toThrow(/between 1 and 3/);
    expect(() => parseShard('4/3')).toThrow(/between 1 and 3/);
    expect(() => parseShard('a/b')).toThrow(/expected i\/n/);
  });
});

describe('profile lists', () => {
  it('"families" is one profile per APIM gateway family, each a different family', () => {
    expect(parseProfileList('families')).toEqual([...FAMILY_PROFILES]);
    expect(FAMILY_PROFILES.map((id) => getProfile(id).family).sort()).toEqual([...FAMILIES].sort());
  });

  it('a comma list keeps its order, drops repeats, and refuses an unknown or empty entry by name', () => {
    expect(parseProfileList('apim-premium, apim-developer,apim-premium')).toEqual(['apim-premium', 'apim-developer']);
    expect(parseProfileList('apim-standardv2,families')).toEqual(['apim-standardv2', 'apim-developer', 'apim-consumption', 'apim-selfhosted']);
    expect(() => parseProfileList('apim-developer,apim-gold')).toThrow(/unknown profile "apim-gold"/);
    expect(() => parseProfileList('apim-developer,,nginx')).toThrow(/empty entry/);
    expect(() => parseProfileList('')).toThrow(/no profile given/);
  });

  it('each scenario is planned once per covering profile, or once when none covers it', () => {
    const profiles = FAMILY_PROFILES.map(getProfile);
    const count = (tier: string) => coveringProfiles({ setup: { tier } } as Scenario, profiles).map((p) => p.id);
    expect(count('any')).toEqual([...FAMILY_PROFILES]);
    expect(count('v2')).toEqual(['apim-standardv2']);
    expect(count('standardv2')).toEqual(['apim-standardv2']);
    expect(count('premium')).toEqual([]); // a tier none of the family profiles is
    const mix = ['any', 'v2', 'premium', 'classic'].map((tier) => ({ setup: { tier } }) as Scenario);
    expect(resultCount(mix, profiles)).toBe(4 + 1 + 1 + 1);
  });
});

describe('runs against real gateways', () => {
  let pki: Pki;
  let closePki: () => Promise<void>;
  let server: Server;
  let gatewayUrl: string;

  beforeAll(async () => {
    const run = await startRunPki();
    pki = run.pki;
    closePki = run.close;
    // A gateway that always asks for a certificate in the handshake and tells the backend's header what it got.
    const s = pki.get('server');
    server = createServer(
      { cert: chainPem(s), key: s.keyPem, requestCert: true, rejectUnauthorized: false, ca: pki.trustedRoots.map((r) => r.certPem) },
      (req, res) => {
        const peer = (req.socket as TLSSocket).getPeerCertificate();
        const thumb = peer && peer.raw ? peer.fingerprint.replace(/:/g, '') : 'none';
        res.writeHead(200, { 'x-certgate-client-thumbprint': thumb, 'content-type': 'text/plain' }).end('ok');
      },
    );
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    gatewayUrl = `https://localhost:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    server?.closeAllConnections();
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
    await closePki?.();
  });

  const keyFor = (id: string) => setupKeyOf({ ...byId(id).setup, tier: 'developer' } as ConcreteSetup);
  const PASSES = 'tier.classic.negotiate-on.h1.tls12.valid-certificate'; // 200, backend saw valid-rsa
  const FAILS = 'validate.shape.expired'; // expects 401 from the policy; this gateway has none and answers 200
  const NOT_DEPLOYED = 'tier.classic.negotiate-off.h1.tls12.valid-certificate';

  function urlTarget(): UrlTarget {
    return new UrlTarget({
      profile: 'apim-developer',
      setups: new Map([PASSES, FAILS].map((id) => [keyFor(id), { url: gatewayUrl, serverCa: 'pki' as const }])),
    });
  }

  it('judges each scenario, skips undeployed setups with the reason, and applies expected failures', async () => {
    const streamed: ScenarioResult[] = [];
    const report = await runConformance({
      target: urlTarget(),
      pki,
      select: [PASSES, FAILS, NOT_DEPLOYED],
      onResult: (r) => streamed.push(r),
    });
    const v = Object.fromEntries(report.results.map((r) => [r.id, r]));
    expect(v[PASSES]!.verdict).toBe('pass');
    expect(v[FAILS]!.verdict).toBe('fail');
    expect(v[FAILS]!.message).toMatch(/status 200, expected 401/);
    expect(v[NOT_DEPLOYED]!.verdict).toBe('skipped');
    expect(v[NOT_DEPLOYED]!.skipReason).toContain(keyFor(NOT_DEPLOYED));
    expect(streamed.map((r) => r.id).sort()).toEqual(report.results.map((r) => r.id).sort());
    expect(report.totals).toMatchObject({ pass: 1, fail: 1, skipped: 1, total: 3 });
    expect(runSucceeded(report)).toBe(false);
    // The contract with reports/: what the runner produces is what the report writers accept.
    const parsed = runReportSchema.safeParse(JSON.parse(JSON.stringify(report)));
    expect(parsed.success, parsed.error?.message).toBe(true);
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(report.metadata).toMatchObject({ certgateVersion: pkg.version, node: process.version, openssl: process.versions.openssl, profile: 'apim-developer' });

    // Listing the failing scenario makes it an expected failure and the run a success ...
    const listed = await runConformance({ target: urlTarget(), pki, select: [PASSES, FAILS], expectedFailures: new Map([[FAILS, 'no policy engine']]) });
    expect(listed.results.find((r) => r.id === FAILS)!.verdict).toBe('expected-failure');
    expect(runSucceeded(listed)).toBe(true);

    // ... and listing one that passes (here by glob) is an unexpected pass, which fails the run.
    const stale = await runConformance({ target: urlTarget(), pki, select: [PASSES, FAILS], expectedFailures: new Map([['tier.classic.negotiate-on.*', 'stale entry'], [FAILS, 'x']]) });
    expect(stale.results.find((r) => r.id === PASSES)!.verdict).toBe('unexpected-pass');
    expect(stale.totals['unexpected-pass']).toBe(1);
    expect(runSucceeded(stale)).toBe(false);
  });

  it('starts one emulator per distinct setup and reuses it across the scenarios that share it', async () => {
    const select = ['tier.classic.*.h1.tls12.*', 'tier.classic.*.policy-none.*'];
    const chosen = selectScenarios(catalogue, { select });
    // Independent count: these scenarios differ in setup only by the negotiate setting and the policy.
    const distinct = new Set(chosen.map((s) => `${s.setup.negotiateClientCertificate}|${JSON.stringify(s.setup.policy)}`)).size;
    const target = new EmulatorTarget();
    const report = await runConformance({ target, pki, profile: 'apim-developer', select });
    expect(report.totals.total).toBe(chosen.length);
    expect(distinct).toBeLessThan(chosen.length);
    expect(target.started).toBe(distinct);
    expect(report.results.filter((r) => r.verdict !== 'pass').map((r) => `${r.id}: ${r.message}`)).toEqual([]);
    expect(runReportSchema.safeParse(JSON.parse(JSON.stringify(report))).success).toBe(true);
    // The server's side of the story came from the emulator's introspection, keyed by the request id.
    const withServer = report.results.filter((r) => r.serverTimeline?.some((p) => p.kind === 'plan'));
    expect(withServer.length).toBe(report.results.length);
  });

  it('a deadlock is decided by stall detection, and the server\'s record of the held connection is attached', async () => {
    const report = await runConformance({ target: new EmulatorTarget(), pki, profile: 'apim-developer', select: ['body.classic.negotiate-off.put.128k.plain'], stallWindowMs: 1000 });
    const r = report.results[0]!;
    expect(r.verdict).toBe('pass');
    expect(r.observed?.outcome).toBe('stall'); // the emulator holds 2.5 s; the client decides after a 1 s window
    expect(r.observed?.requestId).toBeUndefined(); // no answer came, so the request id is unknown to the client ...
    const kinds = r.serverTimeline?.map((p) => p.kind) ?? [];
    expect(kinds).toContain('request:body-reading-stopped'); // ... and the server's side was found by the client's port
    expect(kinds).toContain('request:renegotiation-requested');
  });

  it('a setup the emulator refuses is observed as setup-rejected, with the emulator\'s reason', async () => {
    const report = await runConformance({ target: new EmulatorTarget(), pki, profile: 'apim-consumption', select: ['ca.upload.root-store'] });
    const r = report.results[0]!;
    expect(r.observed?.outcome).toBe('setup-rejected');
    expect(r.verdict).toBe('pass'); // the consumption profile expects the refusal (CA uploads: classic tiers only)
    expect(JSON.stringify(r.clientTimeline)).toMatch(/Consumption/);
  });

  it('several profiles: each scenario runs under every profile whose tier it covers, expected failures by profile', async () => {
    // One scenario per tier selector the families cover, plus one only a premium profile covers.
    const ids = {
      any: 'validate.shape.valid-rsa',
      classic: 'tier.classic.negotiate-on.h1.tls12.valid-certificate',
      v2: catalogue.find((s) => s.setup.tier === 'v2')!.id,
      premium: catalogue.find((s) => s.setup.tier === 'premium')?.id,
    };
    expect(byId(ids.any).setup.tier).toBe('any');
    expect(byId(ids.classic).setup.tier).toBe('classic');
    const scenarios = [ids.any, ids.classic, ids.v2].map(byId);
    // Not in the catalogue today: a premium-only scenario, made from a classic one, shows the "covered by none" skip.
    const premiumOnly: Scenario = { ...byId(ids.classic), id: 'tier.premium.only.example', setup: { ...byId(ids.classic).setup, tier: 'premium' } } as Scenario;
    const streamed: ScenarioResult[] = [];
    const report = await runConformance({
      target: new EmulatorTarget(),
      pki,
      profile: FAMILY_PROFILES,
      scenarios: [...scenarios, premiumOnly],
      // Listed under apim-selfhosted only: an expected failure there that passes is an unexpected pass; elsewhere untouched.
      expectedFailures: new Map([[`${ids.any}@apim-selfhosted`, 'listed for one profile']]),
      onResult: (r) => streamed.push(r),
    });
    const got = report.results.map((r) => [r.id, r.profile, r.verdict]);
    expect(got).toEqual([
      [ids.any, 'apim-developer', 'pass'],
      // The v2 and consumption profiles skip it: they take no uploaded CA certificates (fact 6.ca-tiers).
      [ids.any, 'apim-standardv2', 'skipped'],
      [ids.any, 'apim-consumption', 'skipped'],
      [ids.any, 'apim-selfhosted', 'unexpected-pass'],
      [ids.classic, 'apim-developer', 'pass'],
      [ids.v2, 'apim-standardv2', 'pass'],
      ['tier.premium.only.example', FAMILY_PROFILES.join(','), 'skipped'],
    ]);
    for (const r of report.results.filter((x) => x.id === ids.any && x.verdict === 'skipped')) expect(r.skipReason).toMatch(/fact 6\.ca-tiers/);
    expect(report.results.at(-1)!.skipReason).toMatch(/scenario is for premium gateways; none of the run's profiles covers it/);
    expect(report.metadata.profile).toBe(FAMILY_PROFILES.join(','));
    expect(report.totals.total).toBe(7);
    expect(resultCount([...scenarios, premiumOnly], FAMILY_PROFILES.map(getProfile))).toBe(7);
    expect(streamed).toHaveLength(7);
    // Every judged result got the emulator's own record of its request.
    const judged = report.results.filter((r) => r.verdict !== 'skipped');
    expect(judged.every((r) => r.serverTimeline?.length)).toBe(true);
    const parsed = runReportSchema.safeParse(JSON.parse(JSON.stringify(report)));
    expect(parsed.success, parsed.error?.message).toBe(true);
  });
});
