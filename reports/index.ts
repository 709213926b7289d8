// The reports room's front door: render a RunReport in the requested formats into a directory. Every file goes
// through the private-key guard (redact.ts) before it is written; nothing is written if any format refuses.
import { join } from 'node:path';
import type { RunReport } from '../scenarios/result';
import { diffRuns, type RunDiff } from './diff';
import { renderHtml } from './html/page';
import { serializeRunReport } from './json';
import { renderJunit } from './junit';
import { renderMarkdown } from './markdown';
import { writeGuardedReport } from './redact';

export type ReportFormat = 'json' | 'junit' | 'md' | 'html';
export const REPORT_FORMATS: readonly ReportFormat[] = ['json', 'junit', 'md', 'html'];

export const REPORT_FILE_NAMES: Readonly<Record<ReportFormat, string>> = {
  json: 'certgate-report.json',
  junit: 'certgate-junit.xml',
  md: 'certgate-summary.md',
  html: 'certgate-report.html',
};

export interface WriteReportsOptions {
  readonly formats: readonly ReportFormat[];
  readonly outDir: string;
  /** A previous run: regressions lead the Markdown summary and are ringed in the HTML matrix. */
  readonly baseline?: RunReport;
}

/** Parses "json,junit,md,html" (the CLI's --report / --format value); throws naming the bad entry. */
export function parseFormats(list: string): ReportFormat[] {
  const out: ReportFormat[] = [];
  for (const raw of list.split(',').map((s) => s.trim()).filter(Boolean)) {
    const f = raw === 'markdown' ? 'md' : raw === 'xml' ? 'junit' : raw;
    if (!(REPORT_FORMATS as readonly string[]).includes(f)) {
      throw new Error(`unknown report format "${raw}" (expected a comma-separated list of ${REPORT_FORMATS.join(', ')})`);
    }
    if (!out.includes(f as ReportFormat)) out.push(f as ReportFormat);
  }
  if (out.length === 0) throw new Error(`no report format given (expected some of ${REPORT_FORMATS.join(', ')})`);
  return out;
}

export function renderReport(report: RunReport, format: ReportFormat, diff?: RunDiff): string {
  switch (format) {
    case 'json':
      return serializeRunReport(report);
    case 'junit':
      return renderJunit(report);
    case 'md':
      return renderMarkdown(report, { diff });
    case 'html':
      return renderHtml(report, { diff });
  }
}

/** Writes the requested formats; returns the written paths in the order of `formats`. */
export async function writeReports(report: RunReport, options: WriteReportsOptions): Promise<string[]> {
  const diff = options.baseline ? diffRuns(options.baseline, report) : undefined;
  // Render everything first: a refusal (private key) or a bug in one format leaves no half-written set behind.
  const rendered = options.formats.map((f) => [join(options.outDir, REPORT_FILE_NAMES[f]), renderReport(report, f, diff)] as const);
  for (const [path, text] of rendered) await writeGuardedReport(path, text);
  return rendered.map(([path]) => path);
}

export { diffRuns, formatDiff, hasRegressions, type RunDiff, type ScenarioChange } from './diff';
export { readRunReport, parseRunReport, serializeRunReport, ReportFileError } from './json';
export { renderJunit } from './junit';
export { renderMarkdown } from './markdown';
export { renderHtml } from './html/page';
export { assertNoPrivateKeyMaterial, findPrivateKeyMaterial, PrivateKeyInReportError } from './redact';
export { runReportSchema, runReportJsonSchema } from './report-schema';
