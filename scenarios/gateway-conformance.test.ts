// The catalogue against the real gateways installed here (Debian nginx, apache2, haproxy), each judged by its own
// profile (scenarios/profiles/nginx.yaml, apache-httpd.yaml, haproxy.yaml — written from the servers' docs). A profile
// claim the real server contradicts fails here, and is fixed in the profile with a citation, never in the judge.
// One test per scenario and gateway; scenarios the profile or the gateway cannot express are listed as skipped with
// the reason. A gateway whose binary is missing is skipped with the detector's reason.
//
//   npx vitest run scenarios/gateway-conformance.test.ts
//   CERTGATE_SELECT='body.classic.*' npx vitest run scenarios/gateway-conformance.test.ts

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Pki } from '../ca/index';
import { loadCatalogue } from './catalogue';
import { apacheDriver } from './gateways/apache';
import type { GatewayDriver } from './gateways/driver';
import { haproxyDriver } from './gateways/haproxy';
import { nginxDriver } from './gateways/nginx';
import type { RunReport, ScenarioResult } from './result';
import { runConformance, startRunPki } from './runner';
import { selectScenarios } from './selection';
import { GatewayTarget } from './targets/gateway-target';

const SELECT = (process.env.CERTGATE_SELECT ?? '').split(',').map((s) => s.trim()).filter(Boolean);
const catalogue = selectScenarios(loadCatalogue(), { select: SELECT.length ? SELECT : undefined });

/** Fewest scenarios each gateway must actually pass on the full catalogue: what its profile answers, in round numbers. */
const MIN_PASSES: Record<GatewayDriver['name'], number> = { nginx: 55, apache: 135, haproxy: 55 };

const detections = await Promise.all([nginxDriver, apacheDriver, haproxyDriver].map(async (d) => ({ driver: d, detection: await d.detect() })));

let pki: Pki | undefined;
let closePki: (() => Promise<void>) | undefined;
const pkiReady = (async () => {
  const run = await startRunPki();
  pki = run.pki;
  closePki = run.close;
})();

afterAll(async () => {
  await pkiReady.catch(() => undefined);
  await closePki?.();
});

function describeResult(r: ScenarioResult): string {
  const o = r.observed;
  const seen = o ? `observed ${o.outcome}${o.status ? ` ${o.status}` : ''}${o.errorCode ? ` (${o.errorCode})` : ''}` : 'nothing observed';
  return `${r.id} on ${r.target} under ${r.profile}: ${r.verdict} — ${r.message ?? r.skipReason ?? ''}; ${seen}`;
}

for (const { driver, detection } of detections) {
  const unavailable = 'unavailable' in detection ? detection.unavailable : undefined;
  describe.skipIf(!!unavailable)(`${driver.name} ${'version' in detection ? detection.version : ''} under its profile${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
    let report: RunReport;
    let started = 0;
    const byId = new Map<string, ScenarioResult>();

    beforeAll(async () => {
      await pkiReady;
      const target = new GatewayTarget(driver);
      report = await runConformance({ target, pki: pki!, scenarios: catalogue, concurrency: 4 });
      started = target.started;
      for (const r of report.results) byId.set(r.id, r);
    }, 90_000);

    it('fails nothing, and passes a meaningful share of the catalogue on few gateway processes', () => {
      const bad = report.results.filter((r) => r.verdict !== 'pass' && r.verdict !== 'skipped');
      expect(bad.map(describeResult)).toEqual([]);
      if (!SELECT.length) expect(report.totals.pass).toBeGreaterThanOrEqual(MIN_PASSES[driver.name]);
      // One gateway per distinct setup, not per scenario.
      expect(started).toBeLessThan(Math.max(2, report.totals.pass / 3));
      for (const r of report.results.filter((x) => x.verdict === 'skipped')) expect(r.skipReason, r.id).toBeTruthy();
    });

    if (driver.name === 'apache' && !SELECT.length)
      it("finds SSLRenegBufferSize's edge: 128 KiB → 200 after renegotiation; 128 KiB + 1 and 129 KiB → 413", () => {
        for (const method of ['post', 'put']) {
          expect(byId.get(`body.classic.negotiate-off.${method}.128k.plain`)?.observed).toMatchObject({ status: 200, renegotiationSeen: true, backendSawCertificate: true });
          for (const size of ['128k-plus-1', '129k'])
            expect(byId.get(`body.classic.negotiate-off.${method}.${size}.plain`)?.observed, `${method} ${size}`).toMatchObject({ status: 413 });
        }
        expect(byId.get('body.classic.negotiate-off.post-chunked.129k')?.observed).toMatchObject({ status: 413 });
      });

    describe('scenarios', () => {
      for (const scenario of catalogue)
        it(scenario.id, (ctx) => {
          const r = byId.get(scenario.id);
          expect(r, `no result for ${scenario.id}`).toBeDefined();
          if (r!.verdict === 'skipped') ctx.skip(`skipped: ${r!.skipReason}`);
          expect(r!.verdict, describeResult(r!)).toBe('pass');
        });
    });
  });
}
