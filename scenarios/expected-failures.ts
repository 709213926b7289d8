// The expected-failures file (like x509-limbo's exceptions or tlsfuzzer's -x): scenario id or glob → why it is
// expected to fail on this target. A listed scenario that fails is an `expected-failure`; one that passes is an
// `unexpected-pass`, which fails the run so the list never silently goes stale. YAML or JSON (JSON is YAML).
//
//   tier.classic.negotiate-off.h2.*: "our gateway resets h2 streams"
//   validate.shape.responder-down: "fails open; tracked in ISSUE-12"

import { readFileSync } from 'node:fs';
import { isMap, isScalar, LineCounter, parseDocument } from 'yaml';
import { globToRegExp } from './selection';

export class ExpectedFailuresError extends Error {}

export interface ExpectedFailureEntry {
  readonly pattern: string;
  readonly reason: string;
  readonly line: number;
}

export class ExpectedFailures {
  private readonly compiled: { entry: ExpectedFailureEntry; re: RegExp }[];

  constructor(readonly entries: readonly ExpectedFailureEntry[]) {
    this.compiled = entries.map((entry) => ({ entry, re: globToRegExp(entry.pattern) }));
  }

  /** From a plain map (programmatic use): id or glob → reason. */
  static fromMap(map: ReadonlyMap<string, string> | Readonly<Record<string, string>>): ExpectedFailures {
    const pairs = map instanceof Map ? [...map] : Object.entries(map);
    return new ExpectedFailures(pairs.map(([pattern, reason], i) => ({ pattern, reason, line: i + 1 })));
  }

  /** The reason a scenario is expected to fail, or undefined. The first matching entry wins. */
  reasonFor(id: string): string | undefined {
    return this.compiled.find((c) => c.re.test(id))?.entry.reason;
  }

  /** Entries that matched none of the given ids (a typo, or a scenario that was renamed). */
  unused(ids: readonly string[]): ExpectedFailureEntry[] {
    return this.compiled.filter((c) => !ids.some((id) => c.re.test(id))).map((c) => c.entry);
  }
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
    const pattern = key ? String(key.value) : '';
    if (!PATTERN.test(pattern)) {
      problems.push(`${file}:${line}: "${pattern}" is not a scenario id or glob (lower-case words, dots, dashes, * and ?)`);
      continue;
    }
    const value = isScalar(pair.value) ? pair.value.value : undefined;
    if (typeof value !== 'string' || value.trim() === '') {
      problems.push(`${file}:${line}: ${pattern}: the reason must be a non-empty string`);
      continue;
    }
    entries.push({ pattern, reason: value.trim(), line });
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
