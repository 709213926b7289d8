// How the HTML matrix groups scenarios. The result record has a namespace but no tier or topic field, so both are
// read from the id and tags by convention: ids look like `tier.classic.negotiate-off.h2.null-certificate`
// (namespace first, then the topic segment), tiers come from a `tier:<name>` tag, a bare tier-name tag, or an id
// segment naming a tier.
import type { ScenarioResult } from '../../scenarios/result';

const TIER_WORDS = new Set([
  'classic', 'developer', 'basic', 'standard', 'premium', 'consumption', 'v2', 'basicv2', 'standardv2',
  'premiumv2', 'selfhosted', 'self-hosted', 'workspace',
]);

export const NO_TIER = '(no tier)';

export function tierOf(r: ScenarioResult): string {
  const tagged = r.tags.find((t) => t.startsWith('tier:'));
  if (tagged) return tagged.slice('tier:'.length) || NO_TIER;
  const bare = r.tags.find((t) => TIER_WORDS.has(t.toLowerCase()));
  if (bare) return bare.toLowerCase();
  const seg = r.id.split('.').find((s) => TIER_WORDS.has(s.toLowerCase()));
  return seg ? seg.toLowerCase() : NO_TIER;
}

/** The id after the namespace, split into the topic (first segment) and the rest (the cell's label). */
export function topicAndLabel(r: ScenarioResult): { topic: string; label: string } {
  const rest = r.id.startsWith(`${r.namespace}.`) ? r.id.slice(r.namespace.length + 1) : r.id;
  const dot = rest.indexOf('.');
  if (dot <= 0) return { topic: '—', label: rest };
  return { topic: rest.slice(0, dot), label: rest.slice(dot + 1) };
}

export interface TopicRow {
  readonly topic: string;
  readonly items: readonly { readonly index: number; readonly label: string }[];
}
export interface Group {
  readonly namespace: string;
  readonly topics: readonly TopicRow[];
}

/** Namespaces and topics in first-seen order (the runner's catalogue order), result indexes kept for the page. */
export function groupResults(results: readonly ScenarioResult[]): Group[] {
  const groups = new Map<string, Map<string, { index: number; label: string }[]>>();
  results.forEach((r, index) => {
    const { topic, label } = topicAndLabel(r);
    const topics = groups.get(r.namespace) ?? new Map<string, { index: number; label: string }[]>();
    groups.set(r.namespace, topics);
    const items = topics.get(topic) ?? [];
    topics.set(topic, items);
    items.push({ index, label });
  });
  return [...groups.entries()].map(([namespace, topics]) => ({
    namespace,
    topics: [...topics.entries()].map(([topic, items]) => ({ topic, items })),
  }));
}
