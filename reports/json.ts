// The JSON report: the RunReport as it is, pretty-printed with a trailing newline so two runs diff line by line,
// and the reader that validates a report file with the zod schema and names the first bad fields.
import { readFile } from 'node:fs/promises';
import type { z } from 'zod';
import type { RunReport } from '../scenarios/result';
import { runReportSchema } from './report-schema';
import { assertNoPrivateKeyMaterial } from './redact';

export function serializeRunReport(report: RunReport): string {
  const text = `${JSON.stringify(report, null, 2)}\n`;
  assertNoPrivateKeyMaterial(text, 'the JSON report');
  return text;
}

export class ReportFileError extends Error {
  constructor(
    readonly file: string,
    detail: string,
  ) {
    super(`${file}: ${detail}`);
    this.name = 'ReportFileError';
  }
}

/** Parses and validates report text; `source` names it in errors (a path, or "stdin"). */
export function parseRunReport(text: string, source: string): RunReport {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ReportFileError(source, `not valid JSON (${err instanceof Error ? err.message : String(err)})`);
  }
  if (raw && typeof raw === 'object' && 'schemaVersion' in raw) {
    const v = (raw as { schemaVersion: unknown }).schemaVersion;
    if (typeof v === 'string' && v.split('.')[0] !== runReportSchema.shape.schemaVersion.value.split('.')[0]) {
      throw new ReportFileError(
        source,
        `schemaVersion "${v}" is not readable by this certgate (it reads ${runReportSchema.shape.schemaVersion.value})`,
      );
    }
  }
  const parsed = runReportSchema.safeParse(raw);
  if (!parsed.success) throw new ReportFileError(source, describeIssues(parsed.error, raw));
  return parsed.data as RunReport;
}

export async function readRunReport(path: string): Promise<RunReport> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ReportFileError(path, code === 'ENOENT' ? 'no such file' : `cannot read (${code ?? String(err)})`);
  }
  return parseRunReport(text, path);
}

/** "results[3] (id tier.x).verdict: expected one of pass|fail…, got "passed"" — at most five, then a count. */
function describeIssues(error: z.ZodError, raw: unknown): string {
  const lines = error.issues.slice(0, 5).map((issue) => {
    const where = issue.path.length ? pathLabel(issue.path, raw) : '(top level)';
    return `${where}: ${issue.message}`;
  });
  if (error.issues.length > 5) lines.push(`… and ${error.issues.length - 5} more problem(s)`);
  return `not a valid certgate run report:\n  ${lines.join('\n  ')}`;
}

function pathLabel(path: readonly PropertyKey[], raw: unknown): string {
  let label = '';
  let node: unknown = raw;
  for (const key of path) {
    label += typeof key === 'number' ? `[${key}]` : `${label ? '.' : ''}${String(key)}`;
    node = node && typeof node === 'object' ? (node as Record<PropertyKey, unknown>)[key] : undefined;
    // Name the scenario by id: "results[41]" alone is useless to a person editing the file.
    if (typeof key === 'number' && path[0] === 'results' && label === `results[${key}]`) {
      const id = node && typeof node === 'object' ? (node as { id?: unknown }).id : undefined;
      if (typeof id === 'string') label += ` (id ${id})`;
    }
  }
  return label;
}
