// Which scenarios a run takes: id globs (`*` any run of characters, `?` one, dots are literal), tags (a scenario
// needs at least one of them), and a shard (`i/n`: a deterministic, exact partition of whatever was selected); and
// under which profiles each selected scenario is judged (`--profile families`, or a comma list).

import { tierSelectorIncludes, type Profile } from './profiles';
import { PROFILE_IDS, type ProfileId, type Scenario } from './schema';

/** A glob over scenario ids as a RegExp anchored at both ends. */
export function globToRegExp(glob: string): RegExp {
  const body = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`);
}

export function matchesAnyGlob(id: string, globs: readonly string[]): boolean {
  return globs.some((g) => globToRegExp(g).test(id));
}

export interface Shard {
  /** 1-based, as `--shard 1/4` writes it. */
  readonly index: number;
  readonly count: number;
}

/** Parses "i/n" (1 ≤ i ≤ n). */
export function parseShard(text: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  if (!m) throw new Error(`--shard "${text}": expected i/n, e.g. 1/4`);
  const shard = { index: Number(m[1]), count: Number(m[2]) };
  checkShard(shard);
  return shard;
}

export function checkShard(s: Shard): void {
  if (!Number.isInteger(s.count) || s.count < 1) throw new Error(`shard count ${s.count}: must be a whole number ≥ 1`);
  if (!Number.isInteger(s.index) || s.index < 1 || s.index > s.count)
    throw new Error(`shard index ${s.index}: must be between 1 and ${s.count}`);
}

export interface SelectionOptions {
  readonly select?: readonly string[];
  readonly tags?: readonly string[];
  readonly shard?: Shard;
}

/**
 * The selected scenarios, in catalogue order. Sharding deals the selection out by position after sorting by id, so
 * shards 1..n of the same selection are disjoint and together hold every scenario exactly once.
 */
export function selectScenarios(all: readonly Scenario[], o: SelectionOptions = {}): Scenario[] {
  let out = all.filter(
    (s) => (!o.select?.length || matchesAnyGlob(s.id, o.select)) && (!o.tags?.length || s.tags.some((t) => o.tags!.includes(t))),
  );
  if (o.shard) {
    checkShard(o.shard);
    const order = [...out].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const keep = new Set(order.filter((_, i) => i % o.shard!.count === o.shard!.index - 1).map((s) => s.id));
    out = out.filter((s) => keep.has(s.id));
  }
  return out;
}

/** A small seeded PRNG (mulberry32): the same seed gives the same order on every machine. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function shuffled<T>(items: readonly T[], seed: number): T[] {
  const rnd = seededRandom(seed);
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

// ---- profiles: a run may judge the selection under several profiles, each scenario under those whose tier it covers ----

/** One profile per APIM gateway family (what a family is documented to do is the same for every tier in it). */
export const FAMILY_PROFILES: readonly ProfileId[] = ['apim-developer', 'apim-standardv2', 'apim-consumption', 'apim-selfhosted'];
/** The word `--profile families` stands for FAMILY_PROFILES. */
export const FAMILIES_WORD = 'families';

/** Parses "families" or "apim-developer,apim-standardv2" (duplicates dropped, order kept); throws naming the bad entry. */
export function parseProfileList(text: string): ProfileId[] {
  const out: ProfileId[] = [];
  const parts = text.split(',').map((s) => s.trim());
  if (parts.every((p) => p === '')) throw new Error(`no profile given (expected ${FAMILIES_WORD} or a comma-separated list of ${PROFILE_IDS.join(', ')})`);
  for (const part of parts) {
    if (part === '') throw new Error(`"${text}": empty entry in the profile list`);
    const ids = part === FAMILIES_WORD ? FAMILY_PROFILES : (PROFILE_IDS as readonly string[]).includes(part) ? [part as ProfileId] : undefined;
    if (!ids) throw new Error(`unknown profile "${part}" (expected ${FAMILIES_WORD} or some of ${PROFILE_IDS.join(', ')})`);
    for (const id of ids) if (!out.includes(id)) out.push(id);
  }
  return out;
}

/** The profiles of `profiles` that judge `scenario` (its tier selector covers theirs), in the given order. */
export function coveringProfiles<P extends Pick<Profile, 'tier' | 'family'>>(scenario: Pick<Scenario, 'setup'>, profiles: readonly P[]): P[] {
  return profiles.filter((p) => tierSelectorIncludes(scenario.setup.tier, p));
}

/** How many results a run of `scenarios` under `profiles` yields: one per covering profile, or one skip if none covers. */
export function resultCount(scenarios: readonly Pick<Scenario, 'setup'>[], profiles: readonly Pick<Profile, 'tier' | 'family'>[]): number {
  return scenarios.reduce((n, s) => n + Math.max(1, coveringProfiles(s, profiles).length), 0);
}
