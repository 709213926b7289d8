// Loads the catalogue (scenarios/catalogue/*.yaml): literal scenarios plus `matrix:` entries that expand into one
// scenario per combination of their axes. Every problem is reported with the file and line it comes from; ids must
// be unique across the whole catalogue.
//
// File shape:
//   defaults: { ...partial scenario... }        deep-merged under every scenario of the file
//   scenarios: [ { id, title, citation, ... } ]  literal scenarios
//   matrix:
//     - id: "tier.{family}.{setting}"            {axis} is replaced by the chosen option's key
//       title: "... {family} ..."
//       base: { ...partial scenario... }          merged first
//       axes: { family: [ { key: classic, set: {...} }, "plain-key", ... ] }
//       rules: [ { when: { axis: key | [keys] }, set: {...} } ]   applied in order after the axes
//       exclude: [ { axis: key | [keys], ... } ]

import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LineCounter, parseDocument, type Document } from 'yaml';
import { z } from 'zod';
import { Scenario } from './schema';
import { checkPolicyRef } from './policy-library';

export const CATALOGUE_DIR = fileURLToPath(new URL('./catalogue/', import.meta.url));

type Json = Record<string, unknown>;

export class CatalogueError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`catalogue has ${problems.length} problem(s):\n  ${problems.join('\n  ')}`);
  }
}

const AxisOption = z.union([
  z.string().regex(/^[a-z0-9][a-z0-9-]*$/),
  z
    .object({
      key: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'axis keys are lower-case words joined by -'),
      set: z.record(z.string(), z.unknown()).default({}),
    })
    .strict(),
]);
const When = z.record(z.string(), z.union([z.string(), z.array(z.string())]));
const MatrixEntry = z
  .object({
    id: z.string().min(1),
    title: z.string().min(1),
    base: z.record(z.string(), z.unknown()).default({}),
    axes: z.record(z.string(), z.array(AxisOption).min(1)),
    rules: z.array(z.object({ when: When, set: z.record(z.string(), z.unknown()) }).strict()).default([]),
    exclude: z.array(When).default([]),
  })
  .strict();
const CatalogueFile = z
  .object({
    defaults: z.record(z.string(), z.unknown()).default({}),
    scenarios: z.array(z.record(z.string(), z.unknown())).default([]),
    matrix: z.array(z.unknown()).default([]),
  })
  .strict();

const isPlainObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Objects merge key by key; `tags` concatenate; anything else (arrays included) is replaced by the overlay. */
export function deepMerge(base: Json, overlay: Json): Json {
  const out: Json = { ...base };
  for (const [k, v] of Object.entries(overlay)) {
    const b = out[k];
    if (k === 'tags' && Array.isArray(b) && Array.isArray(v)) out[k] = [...new Set([...b, ...v])];
    else if (isPlainObject(b) && isPlainObject(v)) out[k] = deepMerge(b, v);
    else out[k] = v;
  }
  return out;
}

function lineOf(doc: Document, lc: LineCounter, path: (string | number)[]): number {
  const node = doc.getIn(path, true) as { range?: [number, number, number] } | undefined;
  const offset = node?.range?.[0];
  return offset === undefined ? 1 : lc.linePos(offset).line;
}

const matches = (when: Record<string, string | string[]>, combo: Record<string, string>) =>
  Object.entries(when).every(([axis, v]) => (Array.isArray(v) ? v.includes(combo[axis]!) : combo[axis] === v));

function* combinations(axes: [string, { key: string; set: Json }[]][]): Generator<[string, { key: string; set: Json }][]> {
  if (axes.length === 0) {
    yield [];
    return;
  }
  const [[name, options], ...rest] = axes as [[string, { key: string; set: Json }[]], ...typeof axes];
  for (const option of options) for (const tail of combinations(rest)) yield [[name, option], ...tail];
}

const fill = (template: string, combo: Record<string, string>) =>
  template.replace(/\{([a-z0-9-]+)\}/gi, (whole, axis: string) => combo[axis] ?? whole);

/** Replaces {axis} placeholders in every string of a value (titles, notes, ids inside params). */
function fillDeep(value: unknown, combo: Record<string, string>): unknown {
  if (typeof value === 'string') return fill(value, combo);
  if (Array.isArray(value)) return value.map((v) => fillDeep(v, combo));
  if (isPlainObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [fill(k, combo), fillDeep(v, combo)]));
  return value;
}

interface RawScenario {
  readonly value: Json;
  readonly where: string;
}

function expandMatrix(entry: z.infer<typeof MatrixEntry>, where: string, problems: string[]): RawScenario[] {
  const axes = Object.entries(entry.axes).map(
    ([name, opts]) =>
      [name, opts.map((o) => (typeof o === 'string' ? { key: o, set: {} } : { key: o.key, set: o.set as Json }))] as [
        string,
        { key: string; set: Json }[],
      ],
  );
  for (const axis of [...entry.rules.flatMap((r) => Object.keys(r.when)), ...entry.exclude.flatMap(Object.keys)])
    if (!entry.axes[axis]) problems.push(`${where}: rules/exclude name an unknown axis "${axis}"`);
  for (const name of Object.keys(entry.axes))
    if (!entry.id.includes(`{${name}}`)) problems.push(`${where}: the id template does not use axis {${name}}`);
  const out: RawScenario[] = [];
  for (const combo of combinations(axes)) {
    const keys = Object.fromEntries(combo.map(([n, o]) => [n, o.key]));
    if (entry.exclude.some((w) => matches(w, keys))) continue;
    let value: Json = deepMerge({}, entry.base);
    for (const [, option] of combo) value = deepMerge(value, option.set);
    for (const rule of entry.rules) if (matches(rule.when, keys)) value = deepMerge(value, rule.set);
    value = fillDeep(value, keys) as Json;
    value.id = fill(entry.id, keys);
    value.title = fill(entry.title, keys);
    out.push({ value, where: `${where} (${Object.entries(keys).map(([k, v]) => `${k}=${v}`).join(', ')})` });
  }
  return out;
}

/** Parses one catalogue file into raw (unvalidated) scenarios, each with where it came from. */
export function expandFile(text: string, fileLabel: string, problems: string[]): RawScenario[] {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: true });
  for (const e of doc.errors) problems.push(`${fileLabel}:${e.linePos?.[0]?.line ?? 1}: YAML: ${e.message}`);
  if (doc.errors.length) return [];
  const parsed = CatalogueFile.safeParse(doc.toJS() ?? {});
  if (!parsed.success) {
    for (const issue of parsed.error.issues)
      problems.push(`${fileLabel}:${lineOf(doc, lc, issue.path as (string | number)[])}: ${issue.path.join('.')}: ${issue.message}`);
    return [];
  }
  const file = parsed.data;
  const out: RawScenario[] = [];
  file.scenarios.forEach((s, i) =>
    out.push({ value: deepMerge(file.defaults, s), where: `${fileLabel}:${lineOf(doc, lc, ['scenarios', i])}` }),
  );
  file.matrix.forEach((m, i) => {
    const where = `${fileLabel}:${lineOf(doc, lc, ['matrix', i])}`;
    const entry = MatrixEntry.safeParse(m);
    if (!entry.success) {
      for (const issue of entry.error.issues)
        problems.push(
          `${fileLabel}:${lineOf(doc, lc, ['matrix', i, ...(issue.path as (string | number)[])])}: matrix[${i}].${issue.path.join('.')}: ${issue.message}`,
        );
      return;
    }
    const base = { ...entry.data, base: deepMerge(file.defaults, entry.data.base) };
    out.push(...expandMatrix(base, where, problems));
  });
  return out;
}

export interface LoadedScenario {
  readonly scenario: Scenario;
  /** file:line (and the matrix combination) the scenario comes from. */
  readonly source: string;
}

/** Validates raw scenarios; reports schema errors, bad policy references and duplicate ids. */
export function validateScenarios(raw: readonly RawScenario[], problems: string[]): LoadedScenario[] {
  const seen = new Map<string, string>();
  const out: LoadedScenario[] = [];
  for (const r of raw) {
    const id = typeof r.value.id === 'string' ? r.value.id : '(no id)';
    const parsed = Scenario.safeParse(r.value);
    if (!parsed.success) {
      for (const issue of parsed.error.issues)
        problems.push(`${r.where}: ${id}: ${issue.path.join('.') || '(scenario)'}: ${issue.message}`);
      continue;
    }
    for (const p of checkPolicyRef(parsed.data.setup.policy)) problems.push(`${r.where}: ${id}: setup.policy: ${p}`);
    const previous = seen.get(id);
    if (previous) {
      problems.push(`${r.where}: duplicate scenario id "${id}" (first defined at ${previous})`);
      continue;
    }
    seen.set(id, r.where);
    out.push({ scenario: parsed.data, source: r.where });
  }
  return out;
}

/** Loads every *.yaml of a catalogue directory (sorted by name, so ids and order are stable). */
export function loadCatalogueWithSources(dir: string = CATALOGUE_DIR): LoadedScenario[] {
  const problems: string[] = [];
  const raw: RawScenario[] = [];
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.yaml') || f.endsWith('.yml'))
    .sort();
  for (const f of files) {
    const path = join(dir, f);
    raw.push(...expandFile(readFileSync(path, 'utf8'), relative(process.cwd(), path) || f, problems));
  }
  const loaded = validateScenarios(raw, problems);
  if (problems.length) throw new CatalogueError(problems);
  return loaded;
}

let cache: readonly Scenario[] | undefined;
/** The catalogue's scenarios (validated, expanded), cached for the default directory. */
export function loadCatalogue(dir?: string): readonly Scenario[] {
  if (dir) return loadCatalogueWithSources(dir).map((l) => l.scenario);
  cache ??= loadCatalogueWithSources().map((l) => l.scenario);
  return cache;
}
