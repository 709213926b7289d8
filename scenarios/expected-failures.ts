// The expected-failures file (like x509-limbo's exceptions or tlsfuzzer's -x): scenario id or glob → why it is
// expected to fail on this target. A listed scenario that fails is an `expected-failure`; one that passes is an
// `unexpected-pass`, which fails the run so the list never silently goes stale. YAML or JSON (JSON is YAML).
// A run may judge a scenario under several profiles: `pattern@profile` limits an entry to one of them; an entry
// without a profile applies under every profile.
//
//   tier.classic.negotiate-off.h2.*: "our gateway resets h2 streams"
//   validate.shape.responder-down: "fails open; tracked in ISSUE-12"
//   validate.shape.expired@apim-standardv2: "v2 only; tracked in ISSUE-31"

import { readFileSync } from 'node:fs';
import { isMap, isScalar, LineCounter, parseDocument } from 'yaml';
import { PROFILE_IDS } from './schema';
import { globToRegExp } from './selection';

export class ExpectedFailuresError extends Error {}

export interface ExpectedFailureEntry {
  /** The scenario id or glob (without the `@profile` part). */
  readonly pattern: string;
  /** Only under this profile; absent: under every profile. */
  readonly profile?: string;
  readonly reason: string;
  readonly line: number;
}

export class ExpectedFailures {
  private readonly compiled: { entry: ExpectedFailureEntry; re: RegExp }[];

  constructor(readonly entries: readonly ExpectedFailureEntry[]) {
    this.compiled = entries.map((entry) => ({ entry, re: globToRegExp(entry.pattern) }));
  }

  /** From a plain map (programmatic use): id or glob, optionally `@profile` → reason. */
  static fromMap(map: ReadonlyMap<string, string> | Readonly<Record<string, string>>): ExpectedFailures {
    const pairs = map instanceof Map ? [...map] : Object.entries(map);
    return new ExpectedFailures(pairs.map(([key, reason], i) => ({ ...splitKey(key), reason, line: i + 1 })));
  }

  /**
   * The reason a scenario is expected to fail under `profile`, or undefined. The first matching entry wins; an entry
   * naming a profile matches only under that one (with no profile given, only entries without one match).
   */
  reasonFor(id: string, profile?: string): string | undefined {
    return this.compiled.find((c) => matches(c, id, profile))?.entry.reason;
  }

  /** Entries that matched none of the given scenarios (a typo, a renamed scenario, a profile the run did not use). */
  unused(ran: readonly (string | { readonly id: string; readonly profile?: string })[]): ExpectedFailureEntry[] {
    const pairs = ran.map((r) => (typeof r === 'string' ? { id: r, profile: undefined } : r));
    return this.compiled.filter((c) => !pairs.some((r) => matches(c, r.id, r.profile))).map((c) => c.entry);
  }
}

const matches = (c: { entry: ExpectedFailureEntry; re: RegExp }, id: string, profile: string | undefined) =>
  c.re.test(id) && (c.entry.profile === undefined || c.entry.profile === profile);

/** "id.glob@profile" → pattern and profile. */
function splitKey(key: string): { pattern: string; profile?: string } {
  const at = key.lastIndexOf('@');
  return at < 0 ? { pattern: key } : { pattern: key.slice(0, at), profile: key.slice(at + 1) };
}

const PATTERN = /^[a-z0-9*?][a-z0-9.*?-]*$/;

export function parseExpectedFailures(text: string, file: string): ExpectedFailures {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, uniqueKeys: true });
  const lineAt = (offset: number | undefined) => (offset === undefined ? 1 : lc.linePos(offset).line);
  if (doc.errors.length)
    throw new ExpectedFailuresError(doc.errors.map((e) => `${file}:${e.linePos?.[0]?.line ?? 1}: ${e.message.split('\n')[0]}`).join('\n'));
  if (doc.contents === null) return new ExpectedFailures([]);
  if (!isMap(doc.contents))
    throw new ExpectedFailuresError(`${file}:${lineAt(doc.contents.range?.[0])}: expected a mapping of scenario id or glob to a reason`);
  const problems: string[] = [];
  const entries: ExpectedFailureEntry[] = [];
  for (const pair of doc.contents.items) {
    const key = isScalar(pair.key) ? pair.key : undefined;
    const line = lineAt(key?.range?.[0]);
    const text = key ? String(key.value) : '';
    const { pattern, profile } = splitKey(text);
    if (!PATTERN.test(pattern)) {
      problems.push(`${file}:${line}: "${text}" is not a scenario id or glob (lower-case words, dots, dashes, * and ?), optionally followed by @profile`);
      continue;
    }
    if (profile !== undefined && !(PROFILE_IDS as readonly string[]).includes(profile)) {
      problems.push(`${file}:${line}: "${text}": unknown profile "${profile}" after @ (expected one of ${PROFILE_IDS.join(', ')})`);
      continue;
    }
    const value = isScalar(pair.value) ? pair.value.value : undefined;
    if (typeof value !== 'string' || value.trim() === '') {
      problems.push(`${file}:${line}: ${pattern}: the reason must be a non-empty string`);
      continue;
    }
    entries.push({ pattern, ...(profile !== undefined ? { profile } : {}), reason: value.trim(), line });
  }
  if (problems.length) throw new ExpectedFailuresError(problems.join('\n'));
  return new ExpectedFailures(entries);
}

export function loadExpectedFailures(file: string): ExpectedFailures {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ExpectedFailuresError(`${file}: cannot read: ${(err as Error).message}`);
  }
  return parseExpectedFailures(text, file);
}
