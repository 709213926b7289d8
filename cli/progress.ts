// What `certgate run` prints while it runs. Two renderings of the same events:
//  - on a terminal: one progress line redrawn in place (bar, counts per verdict, current scenario, ETA), failures
//    printed above it as they happen;
//  - in CI (`CI` set to anything but "false"/"0") or when stdout is not a TTY: one plain line per scenario, no ANSI.
// Both end with the breakdown and, alone on the last line, `N passed, N failed, N skipped` — CI scripts parse that
// line, so its form never changes. passed = pass + expected-failure, failed = fail + unexpected-pass + error.

import type { ScenarioResult, Verdict } from '../scenarios/result';

export type ProgressMode = 'tty' | 'plain';

export interface ProgressStream {
  write(text: string): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

/** Plain output when CI asks for it or nobody is watching a terminal. */
export function progressMode(stream: ProgressStream, env: Readonly<Record<string, string | undefined>> = process.env): ProgressMode {
  const ci = env.CI;
  if (ci !== undefined && ci !== '' && ci !== 'false' && ci !== '0') return 'plain';
  return stream.isTTY ? 'tty' : 'plain';
}

export type VerdictCounts = Record<Verdict, number>;

export const emptyCounts = (): VerdictCounts => ({ pass: 0, fail: 0, 'expected-failure': 0, 'unexpected-pass': 0, skipped: 0, error: 0 });

/** The closing line CI parses. */
export function summaryLine(c: Readonly<VerdictCounts>): string {
  const passed = c.pass + c['expected-failure'];
  const failed = c.fail + c['unexpected-pass'] + c.error;
  return `${passed} passed, ${failed} failed, ${c.skipped} skipped`;
}

const LABEL: Readonly<Record<Verdict, string>> = {
  pass: 'PASS',
  fail: 'FAIL',
  'expected-failure': 'XFAIL',
  'unexpected-pass': 'XPASS',
  skipped: 'SKIP',
  error: 'ERROR',
};
// Colours only on a terminal: green, red, yellow, magenta, grey, red.
const COLOUR: Readonly<Record<Verdict, string>> = {
  pass: '32',
  fail: '31',
  'expected-failure': '33',
  'unexpected-pass': '35',
  skipped: '90',
  error: '31',
};
const SHORT: Readonly<Record<Verdict, string>> = {
  pass: 'pass',
  fail: 'fail',
  'expected-failure': 'xfail',
  'unexpected-pass': 'xpass',
  skipped: 'skip',
  error: 'error',
};
const VERDICTS = Object.keys(LABEL) as Verdict[];
const isProblem = (v: Verdict) => v === 'fail' || v === 'unexpected-pass' || v === 'error';

export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  const m = Math.floor(s / 60);
  return m >= 60 ? `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m` : `${m}:${String(s % 60).padStart(2, '0')}`;
}

export interface ProgressOptions {
  readonly total: number;
  readonly stream: ProgressStream;
  readonly mode?: ProgressMode;
  /** Milliseconds clock (tests pass a fake one). */
  readonly now?: () => number;
  /** Redraws of the TTY line at most this often (results in between only update the counts). */
  readonly redrawEveryMs?: number;
}

export class Progress {
  readonly mode: ProgressMode;
  readonly counts = emptyCounts();
  private done = 0;
  private current = '';
  /** Whether the caller reports starts; if not, the line shows the scenario that finished last. */
  private startsReported = false;
  private lastDraw = -Infinity;
  private drawn = false;
  private readonly started: number;
  private readonly now: () => number;

  constructor(private readonly o: ProgressOptions) {
    this.mode = o.mode ?? progressMode(o.stream);
    this.now = o.now ?? (() => performance.now());
    this.started = this.now();
  }

  /** A scenario began (shown as "current" on a terminal; plain mode prints nothing until it ends). */
  scenarioStarted(id: string): void {
    this.current = id;
    this.startsReported = true;
    if (this.mode === 'tty') this.draw(false);
  }

  result(r: ScenarioResult): void {
    this.counts[r.verdict]++;
    this.done++;
    if (this.mode === 'plain') {
      this.o.stream.write(`${plainLine(r)}\n`);
      return;
    }
    if (!this.startsReported) this.current = r.id;
    if (isProblem(r.verdict)) {
      this.clear();
      this.o.stream.write(`${colour(r.verdict, LABEL[r.verdict].padEnd(5))} ${r.id}${r.message ? ` — ${r.message}` : ''}\n`);
      this.draw(true);
    } else this.draw(this.done === this.o.total);
  }

  /** Ends the progress display and prints the breakdown and the closing summary line. */
  finish(extra: readonly string[] = []): void {
    if (this.mode === 'tty') this.clear();
    const elapsed = formatDuration(this.now() - this.started);
    const parts = VERDICTS.filter((v) => this.counts[v] > 0).map((v) => `${this.counts[v]} ${v}`);
    const lines = [`${this.done} results in ${elapsed}: ${parts.join(', ') || 'none run'}`, ...extra, summaryLine(this.counts)];
    this.o.stream.write(`${lines.join('\n')}\n`);
  }

  /** The progress line itself (exported through the class for tests): bar, counts, ETA, current scenario. */
  line(width = this.o.stream.columns ?? 100): string {
    const total = Math.max(this.o.total, 1);
    const barWidth = 20;
    const filled = Math.min(barWidth, Math.round((this.done / total) * barWidth));
    const bar = `[${'#'.repeat(filled)}${'-'.repeat(barWidth - filled)}]`;
    const counts = VERDICTS.filter((v) => v === 'pass' || this.counts[v] > 0)
      .map((v) => colour(v, `${SHORT[v]} ${this.counts[v]}`))
      .join(' ');
    const elapsed = this.now() - this.started;
    const eta = this.done > 0 && this.done < this.o.total ? `ETA ${formatDuration((elapsed / this.done) * (this.o.total - this.done))}` : `${formatDuration(elapsed)}`;
    const head = `${bar} ${this.done}/${this.o.total} ${counts} ${eta}`;
    const visible = head.replace(/\x1b\[[0-9;]*m/g, '').length;
    const room = width - visible - 2;
    const cur = this.current && room > 8 ? ` ${this.current.length > room ? `${this.current.slice(0, room - 1)}…` : this.current}` : '';
    return head + cur;
  }

  private draw(force: boolean): void {
    const t = this.now();
    if (!force && t - this.lastDraw < (this.o.redrawEveryMs ?? 80)) return;
    this.lastDraw = t;
    this.o.stream.write(`\r\x1b[2K${this.line()}`);
    this.drawn = true;
  }

  private clear(): void {
    if (this.drawn) this.o.stream.write('\r\x1b[2K');
    this.drawn = false;
  }
}

const colour = (v: Verdict, text: string) => `\x1b[${COLOUR[v]}m${text}\x1b[0m`;

/** One scenario, one line, no ANSI: `PASS  id (12 ms)`, `FAIL  id (80 ms) — why`, `SKIP  id — reason`. */
export function plainLine(r: ScenarioResult): string {
  const why = r.verdict === 'skipped' ? r.skipReason : r.verdict === 'pass' ? undefined : r.message;
  const ms = r.verdict === 'skipped' ? '' : ` (${Math.round(r.durationMs)} ms)`;
  return `${LABEL[r.verdict].padEnd(5)} ${r.id}${ms}${why ? ` — ${why}` : ''}`;
}
