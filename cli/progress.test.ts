import { describe, expect, it } from 'vitest';
import type { ScenarioResult, Verdict } from '../scenarios/result';
import { Progress, progressMode, summaryLine, emptyCounts } from './progress';

class Capture {
  text = '';
  constructor(readonly isTTY: boolean, readonly columns = 120) {}
  write(t: string): boolean {
    this.text += t;
    return true;
  }
}

const result = (id: string, verdict: Verdict, extra: Partial<ScenarioResult> = {}): ScenarioResult => ({
  id,
  title: id,
  namespace: id.split('.')[0]!,
  tags: [],
  citation: { page: 'MTLS-PAGE' },
  profile: 'apim-developer',
  target: 'emulator',
  verdict,
  startedAt: new Date(0).toISOString(),
  durationMs: 12,
  clientTimeline: [],
  ...extra,
});

const SAMPLE: ScenarioResult[] = [
  result('tier.a', 'pass'),
  result('tier.b', 'fail', { message: 'outcome stall, expected response' }),
  result('tier.c', 'skipped', { skipReason: 'not on this tier' }),
  result('tier.d', 'expected-failure', { message: 'known gap' }),
  result('tier.e', 'unexpected-pass'),
  result('tier.f', 'error', { message: 'emulator did not start' }),
  result('tier.g', 'pass'),
];

describe('progressMode', () => {
  it('is plain when CI is set, even on a terminal, and when stdout is not a terminal', () => {
    expect(progressMode({ isTTY: true, write: () => true }, { CI: 'true' })).toBe('plain');
    expect(progressMode({ isTTY: true, write: () => true }, { CI: '1' })).toBe('plain');
    expect(progressMode({ isTTY: false, write: () => true }, {})).toBe('plain');
    expect(progressMode({ isTTY: true, write: () => true }, {})).toBe('tty');
    expect(progressMode({ isTTY: true, write: () => true }, { CI: 'false' })).toBe('tty');
  });
});

describe('summaryLine', () => {
  it('folds expected failures into passed and unexpected passes and errors into failed', () => {
    const c = emptyCounts();
    c.pass = 5;
    c['expected-failure'] = 2;
    c.fail = 1;
    c['unexpected-pass'] = 1;
    c.error = 3;
    c.skipped = 4;
    expect(summaryLine(c)).toBe('7 passed, 5 failed, 4 skipped');
  });
});

describe('plain (CI) rendering', () => {
  const out = new Capture(true);
  const p = new Progress({ total: SAMPLE.length, stream: out, mode: progressMode(out, { CI: 'true' }) });
  for (const r of SAMPLE) {
    p.scenarioStarted(r.id);
    p.result(r);
  }
  p.finish();
  const lines = out.text.split('\n').filter(Boolean);

  it('writes no escape sequences and no carriage returns', () => {
    expect(out.text).not.toMatch(/[\x1b\r]/);
  });
  it('writes one line per scenario, naming it, with the reason for anything but a pass', () => {
    for (const r of SAMPLE) expect(lines.filter((l) => l.includes(` ${r.id}`))).toHaveLength(1);
    expect(lines.find((l) => l.includes('tier.b'))).toMatch(/^FAIL .*outcome stall, expected response$/);
    expect(lines.find((l) => l.includes('tier.c'))).toMatch(/^SKIP .*not on this tier$/);
  });
  it('ends with the summary line alone: 3 passed (2 pass + 1 expected failure), 3 failed, 1 skipped', () => {
    expect(lines.at(-1)).toBe('3 passed, 3 failed, 1 skipped');
    expect(out.text.endsWith('3 passed, 3 failed, 1 skipped\n')).toBe(true);
  });
});

describe('terminal rendering', () => {
  it('redraws one line in place with counts, the current scenario and an ETA from the pace so far', () => {
    let t = 0;
    const out = new Capture(true, 200);
    const p = new Progress({ total: 4, stream: out, mode: 'tty', now: () => t, redrawEveryMs: 0 });
    t = 10_000;
    p.scenarioStarted('tier.a');
    p.result(result('tier.a', 'pass'));
    t = 20_000;
    p.scenarioStarted('tier.long-running-scenario');
    p.result(result('tier.x', 'pass'));
    // 2 of 4 done in 20 s → 2 left at 10 s each
    const line = p.line().replace(/\x1b\[[0-9;]*m/g, '');
    expect(line).toContain('2/4');
    expect(line).toContain('pass 2');
    expect(line).toContain('ETA 0:20');
    expect(line).toContain('tier.long-running-scenario');
    expect(line).toMatch(/\[#{10}-{10}\]/);
    expect(out.text).toContain('\r\x1b[2K');
    // drawn in place: no newline until something must stay on screen
    expect(out.text).not.toContain('\n');
  });

  it('prints failures above the bar, clears the bar at the end, and closes with the summary line', () => {
    const out = new Capture(true);
    const p = new Progress({ total: SAMPLE.length, stream: out, mode: 'tty', redrawEveryMs: 0 });
    for (const r of SAMPLE) p.result(r);
    p.finish();
    const visible = out.text.split('\n').map((l) => l.split('\r').at(-1)!.replace(/\x1b\[[0-9;]*[mK]/g, ''));
    expect(visible.filter((l) => /^(FAIL|XPASS|ERROR)\s/.test(l))).toHaveLength(3);
    expect(visible.filter(Boolean).at(-1)).toBe('3 passed, 3 failed, 1 skipped');
  });

  it('fits the line into the terminal width by shortening the scenario id', () => {
    const out = new Capture(true, 60);
    const p = new Progress({ total: 10, stream: out, mode: 'tty' });
    p.scenarioStarted(`tier.${'x'.repeat(200)}`);
    expect(p.line().replace(/\x1b\[[0-9;]*m/g, '').length).toBeLessThanOrEqual(60);
  });
});

describe('terminal rendering without start events', () => {
  it('shows the scenario that finished last', () => {
    const out = new Capture(true, 200);
    const p = new Progress({ total: 3, stream: out, mode: 'tty', redrawEveryMs: 0 });
    p.result(result('tier.first', 'pass'));
    p.result(result('tier.second', 'pass'));
    expect(p.line()).toContain('tier.second');
    expect(p.line()).not.toContain('tier.first');
  });
});
