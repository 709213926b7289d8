// The traceability table: every fact of apim-behaviour.md (scenarios/facts.yaml) and the scenarios that check it.
// Run `node --import tsx scenarios/traceability.ts` to print it as Markdown.

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { z } from 'zod';
import { loadCatalogue } from './catalogue';
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

export function loadFacts(): ReadonlyMap<string, Fact> {
  const parsed = z.object({ facts: z.record(z.string().regex(/^\d\.[a-z0-9-]+$/), Fact) }).strict().safeParse(parse(readFileSync(FACTS_FILE, 'utf8')));
  if (!parsed.success) throw new Error(`${FACTS_FILE}: ${z.prettifyError(parsed.error)}`);
  return new Map(Object.entries(parsed.data.facts));
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

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) console.log(traceabilityMarkdown());
