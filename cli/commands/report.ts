// `certgate report diff old.json new.json` and `certgate report render run.json --format html,junit,md --out dir`.
// Exit codes as everywhere in certgate: 0 fine, 1 regressions, 2 usage or I/O errors.
import { resolve } from 'node:path';
import { Command, Option } from 'commander';
import { diffRuns, formatDiff, hasRegressions } from '../../reports/diff';
import { parseFormats, writeReports, REPORT_FORMATS } from '../../reports/index';
import { readRunReport } from '../../reports/json';

export interface ReportIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

const stdio: ReportIo = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
};

/** `report diff`: prints the per-scenario changes; 1 when there are regressions, 2 when a file is unreadable. */
export async function runReportDiff(oldPath: string, newPath: string, opts: { json?: boolean } = {}, io: ReportIo = stdio): Promise<number> {
  try {
    const [before, after] = await Promise.all([readRunReport(oldPath), readRunReport(newPath)]);
    const diff = diffRuns(before, after);
    if (opts.json) {
      // Labels: the id, or "id [profile]" when either run judged under several profiles (see reports/diff.ts).
      const labels = (list: readonly { id: string; profile: string }[]) => list.map(diff.labelOf);
      io.out(`${JSON.stringify({
        regressions: diff.regressions,
        newlyFailing: labels(diff.newlyFailing),
        newlyPassing: labels(diff.newlyPassing),
        changedOutcome: diff.changedOutcome.map((c) => ({ id: c.label, changes: c.changes })),
        added: labels(diff.added),
        removed: labels(diff.removed),
        metadataChanges: diff.metadataChanges,
      }, null, 2)}\n`);
    } else {
      io.out(formatDiff(diff));
    }
    return hasRegressions(diff) ? 1 : 0;
  } catch (err) {
    io.err(`certgate report diff: ${err instanceof Error ? err.message : String(err)}\n`);
    return 2;
  }
}

/** `report render`: writes the formats; 2 on a bad format list, an unreadable report, or a refused write. */
export async function runReportRender(
  runPath: string,
  opts: { format: string; out: string; baseline?: string },
  io: ReportIo = stdio,
): Promise<number> {
  try {
    const formats = parseFormats(opts.format);
    const report = await readRunReport(runPath);
    const baseline = opts.baseline ? await readRunReport(opts.baseline) : undefined;
    const paths = await writeReports(report, { formats, outDir: resolve(opts.out), baseline });
    for (const p of paths) io.out(`wrote ${p}\n`);
    return 0;
  } catch (err) {
    io.err(`certgate report render: ${err instanceof Error ? err.message : String(err)}\n`);
    return 2;
  }
}

export function registerReportCommands(program: Command): void {
  const report = program.command('report').description('Render run reports and compare two runs');

  report
    .command('diff')
    .description('Compare two JSON run reports scenario by scenario; exit 1 when the new run regresses')
    .argument('<old>', 'baseline run report (JSON)')
    .argument('<new>', 'new run report (JSON)')
    .option('--json', 'print the diff as JSON instead of text')
    .action(async (oldPath: string, newPath: string, opts: { json?: boolean }) => {
      process.exitCode = await runReportDiff(oldPath, newPath, opts);
    });

  report
    .command('render')
    .description('Render a JSON run report as HTML, JUnit XML and/or Markdown')
    .argument('<run>', 'run report (JSON)')
    .addOption(
      new Option('--format <list>', `comma-separated formats: ${REPORT_FORMATS.join(', ')}`).default('html,junit,md'),
    )
    .option('--out <dir>', 'output directory', '.')
    .option('--baseline <file>', 'a previous run report: regressions lead the summary and are marked in the HTML')
    .action(async (runPath: string, opts: { format: string; out: string; baseline?: string }) => {
      process.exitCode = await runReportRender(runPath, opts);
    });
}
