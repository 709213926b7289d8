// Gateway facts ↔ the gateway profiles' rules: every fact is encoded by its own gateway's profile (or says why it
// cannot be), every rule cites a defined fact of its own gateway, and APIM profiles keep citing APIM facts only.
import { describe, expect, it } from 'vitest';
import { loadProfiles, type Profile } from './profiles';
import { gatewayTraceability, gatewayTraceabilityMarkdown, loadFacts, loadGatewayFacts } from './traceability';

describe('gateway facts and profiles', () => {
  it('every gateway fact is encoded by a rule of its gateway profile, and every citation resolves', () => {
    const t = gatewayTraceability();
    expect(t.badCitations).toEqual([]);
    expect(t.unencoded).toEqual([]);
    expect(t.rows.length).toBeGreaterThan(20);
    expect(gatewayTraceabilityMarkdown(t)).toContain('apache.reneg-buffer');
  });

  it('catches a rule citing another gateway’s fact, an unknown fact, and an APIM profile citing a gateway fact', () => {
    const profiles = loadProfiles();
    const rule = (fact: string) => ({ ...profiles.get('nginx')!.rules[0]!, fact, alsoFacts: [] });
    const fake = (id: string, gateway: Profile['gateway'], fact: string): Profile => ({ ...profiles.get('nginx')!, id, gateway, rules: [{ ...rule(fact), from: id }] });
    const t = gatewayTraceability(
      new Map([
        ['a', fake('a', 'nginx', 'apache.reneg-buffer')],
        ['b', fake('b', 'nginx', 'nginx.no-such-fact')],
        ['c', fake('c', undefined, 'haproxy.bad-cert')],
      ]),
      loadGatewayFacts(),
      loadFacts(),
    );
    expect(t.badCitations).toHaveLength(3);
    // nothing cites most facts in this fake set: they show up as unencoded
    expect(t.unencoded).toContain('nginx.verify-off');
  });
});
