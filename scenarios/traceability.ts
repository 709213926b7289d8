// The traceability table: every fact of apim-behaviour.md (scenarios/facts.yaml) and the scenarios that check it;
// and every fact of the real gateways (scenarios/gateway-facts.yaml) and the profile rules that encode it (those rules
// are checked against the real servers by scenarios/gateway-conformance.test.ts).
// Run `node --import tsx scenarios/traceability.ts` to print both as Markdown.

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { z } from 'zod';
import { loadCatalogue } from './catalogue';
import { FACT_ID, GATEWAYS, loadProfiles, type Profile } from './profiles';
import type { Scenario } from './schema';

const Fact = z
  .object({
    section: z.string(),
    tag: z.enum(['DOC', 'OBS', 'SPEC', 'INF']),
    text: z.string(),
    observable: z.boolean().default(true),
    reason: z.string().optional(),
  })
  .strict()
  .refine((f) => f.observable || !!f.reason, 'a fact marked observable: false needs a reason');
export type Fact = z.output<typeof Fact>;

export const FACTS_FILE = fileURLToPath(new URL('./facts.yaml', import.meta.url));

/** Reads a `facts:` file (ids → facts), the error naming the file and what was expected. */
function readFactsFile<F extends z.ZodType>(file: string, id: z.ZodType<string>, fact: F): ReadonlyMap<string, z.output<F>> {
  const parsed = z.object({ facts: z.record(id as z.ZodString, fact) }).strict().safeParse(parse(readFileSync(file, 'utf8')));
  if (!parsed.success) throw new Error(`${file}: ${z.prettifyError(parsed.error)}`);
  return new Map(Object.entries(parsed.data.facts) as [string, z.output<F>][]);
}

export function loadFacts(): ReadonlyMap<string, Fact> {
  return readFactsFile(FACTS_FILE, z.string().regex(/^\d\.[a-z0-9-]+$/), Fact);
}

export interface TraceRow {
  readonly fact: string;
  readonly section: string;
  readonly tag: string;
  readonly text: string;
  readonly scenarios: readonly string[];
  readonly status: 'covered' | 'uncovered' | 'not-observable';
  readonly reason?: string;
}

export interface Traceability {
  readonly rows: readonly TraceRow[];
  readonly uncovered: readonly string[];
  /** Fact ids scenarios cite that facts.yaml does not define. */
  readonly unknownFacts: readonly { scenario: string; fact: string }[];
}

export function traceability(scenarios: readonly Scenario[] = loadCatalogue(), facts = loadFacts()): Traceability {
  const byFact = new Map<string, string[]>();
  const unknownFacts: { scenario: string; fact: string }[] = [];
  for (const s of scenarios)
    for (const f of new Set([s.citation.fact, ...s.alsoChecks])) {
      if (!facts.has(f)) unknownFacts.push({ scenario: s.id, fact: f });
      byFact.set(f, [...(byFact.get(f) ?? []), s.id]);
    }
  const rows: TraceRow[] = [...facts].map(([id, f]) => {
    const list = byFact.get(id) ?? [];
    const status = list.length ? 'covered' : f.observable ? 'uncovered' : 'not-observable';
    return { fact: id, section: f.section, tag: f.tag, text: f.text, scenarios: list, status, ...(f.reason ? { reason: f.reason } : {}) };
  });
  return { rows, uncovered: rows.filter((r) => r.status === 'uncovered').map((r) => r.fact), unknownFacts };
}

export function traceabilityMarkdown(t: Traceability = traceability()): string {
  const lines = ['| fact | tag | statement | scenarios |', '|---|---|---|---|'];
  for (const r of t.rows) {
    const cell =
      r.status === 'covered'
        ? `${r.scenarios.length}: ${r.scenarios.slice(0, 3).join(', ')}${r.scenarios.length > 3 ? ', …' : ''}`
        : r.status === 'uncovered'
          ? '**UNCOVERED**'
          : `not observable: ${r.reason}`;
    lines.push(`| ${r.fact} | ${r.tag} | ${r.text.replace(/\|/g, '\\|')} | ${cell} |`);
  }
  if (t.uncovered.length) lines.push('', `Uncovered: ${t.uncovered.join(', ')}`);
  return lines.join('\n');
}

// ---- real gateways: facts ↔ profile rules ----

const GatewayFact = z
  .object({
    tag: z.enum(['DOC', 'OBS']),
    text: z.string(),
    source: z.url(),
    test: z.string().optional(),
    observable: z.boolean().default(true),
    reason: z.string().optional(),
  })
  .strict()
  .refine((f) => f.observable || !!f.reason, 'a fact marked observable: false needs a reason')
  .refine((f) => f.tag !== 'OBS' || !!f.test, 'an OBS fact names the test that measured it');
export type GatewayFact = z.output<typeof GatewayFact>;

export const GATEWAY_FACTS_FILE = fileURLToPath(new URL('./gateway-facts.yaml', import.meta.url));

export function loadGatewayFacts(file = GATEWAY_FACTS_FILE): ReadonlyMap<string, GatewayFact> {
  const id = z.string().regex(FACT_ID).refine((v) => !/^\d/.test(v), 'gateway fact ids start with the gateway name');
  return readFactsFile(file, id, GatewayFact);
}

export interface GatewayTraceRow {
  readonly fact: string;
  readonly tag: string;
  readonly text: string;
  /** "profile#rule" of every rule citing the fact (as its fact or in alsoFacts). */
  readonly rules: readonly string[];
  readonly status: 'encoded' | 'unencoded' | 'not-observable';
}

export interface GatewayTraceability {
  readonly rows: readonly GatewayTraceRow[];
  readonly unencoded: readonly string[];
  /** Rule citations that name no known fact, or a fact of another gateway, or an APIM fact in a gateway profile (or the reverse). */
  readonly badCitations: readonly string[];
}

export function gatewayTraceability(profiles: ReadonlyMap<string, Profile> = loadProfiles(), facts = loadGatewayFacts(), apimFacts = loadFacts()): GatewayTraceability {
  const byFact = new Map<string, string[]>();
  const badCitations: string[] = [];
  for (const p of profiles.values())
    for (const r of p.rules)
      for (const f of [r.fact, ...r.alsoFacts]) {
        const where = `${p.id}#${r.id}`;
        const gw = GATEWAYS.find((g) => f.startsWith(`${g}.`));
        if (p.gateway ? gw !== p.gateway : gw !== undefined) badCitations.push(`${where} cites ${f}, not a fact of ${p.gateway ?? 'APIM'}`);
        else if (gw ? !facts.has(f) : !apimFacts.has(f)) badCitations.push(`${where} cites ${f}, which ${gw ? 'gateway-facts.yaml' : 'facts.yaml'} does not define`);
        byFact.set(f, [...new Set([...(byFact.get(f) ?? []), where])]);
      }
  const rows: GatewayTraceRow[] = [...facts].map(([id, f]) => {
    const rules = byFact.get(id) ?? [];
    return { fact: id, tag: f.tag, text: f.text, rules, status: rules.length ? 'encoded' : f.observable ? 'unencoded' : 'not-observable' };
  });
  return { rows, unencoded: rows.filter((r) => r.status === 'unencoded').map((r) => r.fact), badCitations };
}

export function gatewayTraceabilityMarkdown(t: GatewayTraceability = gatewayTraceability()): string {
  const lines = ['| fact | tag | statement | profile rules |', '|---|---|---|---|'];
  for (const r of t.rows) lines.push(`| ${r.fact} | ${r.tag} | ${r.text.replace(/\|/g, '\\|')} | ${r.rules.join(', ') || (r.status === 'unencoded' ? '**UNENCODED**' : 'not observable')} |`);
  return lines.join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) console.log(`${traceabilityMarkdown()}\n\n${gatewayTraceabilityMarkdown()}`);
