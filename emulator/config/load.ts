// Reads a configuration file (YAML, or JSON — JSON is YAML 1.2, so one parser gives line numbers for both),
// validates it against the schema and the tier rules, and fails with every problem named by file, line, column
// and the path inside the document (e.g. `apis[1].operations[0].method`).
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { isNode, LineCounter, parseDocument, visit, type Document } from 'yaml';
import type { z } from 'zod';
import { configSchema, type EmulatorConfig, type EmulatorConfigInput } from './schema';
import { tierProblems } from './tier-rules';

export interface ConfigIssue {
  readonly path: string;
  readonly line?: number;
  readonly column?: number;
  readonly message: string;
}

export class ConfigError extends Error {
  constructor(readonly file: string, readonly issues: readonly ConfigIssue[]) {
    super(`${file}: invalid configuration\n${issues.map((i) => `  ${file}${i.line ? `:${i.line}:${i.column ?? 1}` : ''} ${i.path || '(root)'}: ${i.message}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export interface LoadedConfig {
  readonly config: EmulatorConfig;
  /** The file it came from (null for an in-memory object). */
  readonly file: string | null;
  /** Directory relative paths (policies, certificate files) resolve against. */
  readonly baseDir: string;
}

export const formatPath = (path: readonly PropertyKey[]): string =>
  path.reduce<string>((acc, k) => (typeof k === 'number' ? `${acc}[${k}]` : acc ? `${acc}.${String(k)}` : String(k)), '');

/** Locates a path in the YAML document: the deepest node that exists along it. */
function locate(doc: Document, counter: LineCounter, path: readonly PropertyKey[]): { line: number; column: number } | undefined {
  for (let n = path.length; n >= 0; n--) {
    const node = doc.getIn(path.slice(0, n) as unknown[], true);
    if (isNode(node) && node.range) {
      const pos = counter.linePos(node.range[0]);
      return { line: pos.line, column: pos.col };
    }
    if (n === 0 && doc.contents && isNode(doc.contents) && doc.contents.range) {
      const pos = counter.linePos(doc.contents.range[0]);
      return { line: pos.line, column: pos.col };
    }
  }
  return undefined;
}

function zodIssues(error: z.ZodError): { path: PropertyKey[]; message: string }[] {
  return error.issues.map((i) => {
    let message = i.message;
    if (i.code === 'unrecognized_keys') {
      // Point at the unknown key itself, not at the object holding it.
      return { path: [...i.path, i.keys[0]!], message: `unknown field${i.keys.length > 1 ? 's' : ''} ${i.keys.map((k) => `"${k}"`).join(', ')}` };
    }
    if (i.code === 'invalid_union' && i.path.length > 0) message = `${message}: expected one of the documented shapes`;
    return { path: [...i.path], message };
  });
}

/** Validates a parsed document; errors located through `where`. */
function validate(input: unknown, file: string, where: (path: readonly PropertyKey[]) => { line: number; column: number } | undefined): EmulatorConfig {
  const parsed = configSchema.safeParse(input ?? {});
  if (!parsed.success) {
    throw new ConfigError(file, zodIssues(parsed.error).map((i) => ({ path: formatPath(i.path), message: i.message, ...where(i.path) })));
  }
  const problems = tierProblems(parsed.data);
  if (problems.length > 0) {
    throw new ConfigError(file, problems.map((p) => ({ path: formatPath(p.path), message: p.message, ...where(p.path) })));
  }
  return parsed.data;
}

export function parseConfigText(text: string, file: string, baseDir = dirname(resolve(file))): LoadedConfig {
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(file, doc.errors.map((e) => {
      const pos = counter.linePos(e.pos[0]);
      return { path: '', line: pos.line, column: pos.col, message: e.message.split('\n')[0]! };
    }));
  }
  const config = validate(toJS(doc, counter, file), file, (path) => locate(doc, counter, path));
  return { config, file, baseDir };
}

/** Aliases a config may expand to at most: generous for hand-written configs, far below an alias bomb. */
const MAX_ALIAS_COUNT = 100;

/**
 * doc.toJS() throws (a ReferenceError) for an alias to an anchor not defined before it and for an alias bomb;
 * both become a ConfigError located at the offending alias (the first alias when yaml does not say which).
 */
function toJS(doc: Document, counter: LineCounter, file: string): unknown {
  try {
    return doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const named = /:\s*(\S+)\s*$/.exec(message)?.[1];
    let first: number | undefined;
    let match: number | undefined;
    visit(doc, {
      Alias(_key, node) {
        const start = node.range?.[0];
        if (start === undefined) return undefined;
        first ??= start;
        if (named !== undefined && node.source === named) {
          match = start;
          return visit.BREAK;
        }
        return undefined;
      },
    });
    const at = match ?? first ?? (isNode(doc.contents) ? doc.contents.range?.[0] : undefined) ?? 0;
    const pos = counter.linePos(at);
    throw new ConfigError(file, [{ path: '', line: pos.line, column: pos.col, message: message.split('\n')[0]! }]);
  }
}

export function loadConfigFile(file: string): LoadedConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(file, [{ path: '', message: `cannot read: ${(err as Error).message}` }]);
  }
  return parseConfigText(text, file);
}

/** An in-memory object (programmatic use): same checks, paths without lines. */
export function configFromObject(input: EmulatorConfigInput, baseDir = process.cwd()): LoadedConfig {
  return { config: validate(input, '(config object)', () => undefined), file: null, baseDir };
}
