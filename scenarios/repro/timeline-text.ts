// A request's timeline as text for a terminal: an ASCII time bar (one column per slice of the run) with a row per
// thing that happened — connect, handshake, body bytes moving, renegotiation asked and done, the stall window, the
// outcome — each row annotated in milliseconds, then the events themselves in order.

import type { Observation, TimelinePoint } from '../result';

export interface TimelineTextInput {
  readonly title: string;
  readonly clientTimeline: readonly TimelinePoint[];
  readonly serverTimeline?: readonly TimelinePoint[];
  readonly observation: Observation;
  readonly bodyBytes: number;
  readonly stallWindowMs: number;
  /** Columns of the bar (default 60). */
  readonly width?: number;
}

const LABEL_WIDTH = 14;
const ms = (n: number) => `${Math.round(n)} ms`;
const first = (points: readonly TimelinePoint[], kind: string | RegExp) =>
  points.find((p) => (typeof kind === 'string' ? p.kind === kind : kind.test(p.kind)));

export function renderTimelineText(t: TimelineTextInput): string {
  const width = t.width ?? 60;
  const points = t.clientTimeline;
  const end = Math.max(t.observation.durationMs, ...points.map((p) => p.at), 1);
  const col = (at: number) => Math.min(width - 1, Math.max(0, Math.floor((at / end) * width)));
  const colStart = (c: number) => (c / width) * end;
  const lines: string[] = [t.title];
  const row = (label: string, cells: string, note: string) => lines.push(`  ${label.padEnd(LABEL_WIDTH)}|${cells}| ${note}`);
  const mark = (at: number, ch: string) => {
    const cells = Array<string>(width).fill(' ');
    cells[col(at)] = ch;
    return cells.join('');
  };

  // Scale: ticks every 10 columns.
  const ticks = Array<string>(width).fill('-');
  let scale = '';
  for (let c = 0; c < width; c += 10) {
    if (c > 0) ticks[c] = '+';
    scale += String(Math.round(colStart(c))).padEnd(10);
  }
  lines.push(`  ${'ms'.padEnd(LABEL_WIDTH)} ${scale.trimEnd()}`);
  lines.push(`  ${''.padEnd(LABEL_WIDTH)}+${ticks.join('')}+ (one column = ${Math.max(1, Math.round(end / width))} ms)`);

  const connect = first(points, 'connect');
  row('connect', connect ? mark(connect.at, '*') : ' '.repeat(width), connect ? ms(connect.at) : 'not seen');
  const hs = first(points, 'tls-handshake');
  row('TLS handshake', hs ? mark(hs.at, '*') : ' '.repeat(width), hs ? `${ms(hs.at)}${hs.detail?.protocol ? ` ${String(hs.detail.protocol)}` : ''}` : 'not completed');

  // Body bytes: '#' where the count moved during the column, '.' where it stood still before the decision.
  const sentBy = (at: number) => points.filter((p) => p.at <= at && p.bytesSent !== undefined).reduce((m, p) => Math.max(m, p.bytesSent!), 0);
  const requestAt = first(points, 'request-sent')?.at ?? hs?.at ?? 0;
  let body = '';
  for (let c = 0; c < width; c++) {
    const a = colStart(c);
    const b = colStart(c + 1);
    if (b < requestAt || a > end) body += ' ';
    else body += sentBy(b) > sentBy(a) || (c === col(requestAt) && sentBy(b) > 0) ? '#' : '.';
  }
  const total = Math.max(...points.map((p) => p.bytesSent ?? 0), 0);
  const lastMove = points.filter((p) => p.bytesSent === total && total > 0)[0];
  row('body sent', t.bodyBytes > 0 ? body : ' '.repeat(width), t.bodyBytes > 0 ? `${total}/${t.bodyBytes} bytes${lastMove ? ` (last at ${ms(lastMove.at)})` : ''}` : 'no body');

  const asked = first(points, 'renegotiation-requested') ?? first(t.serverTimeline ?? [], 'renegotiation-requested');
  row('reneg asked', asked ? mark(asked.at, '^') : ' '.repeat(width), asked ? `${ms(asked.at)} HelloRequest: the gateway wants the certificate` : 'no renegotiation requested');
  const done = first(points, 'renegotiation');
  row('reneg done', done ? mark(done.at, '*') : ' '.repeat(width), done ? `${ms(done.at)} second handshake completed` : asked ? 'never completed' : '-');

  const o = t.observation;
  const stalled = o.outcome === 'stall';
  if (stalled) {
    const from = Math.max(0, o.durationMs - t.stallWindowMs);
    const cells = Array<string>(width).fill(' ');
    for (let c = col(from); c <= col(o.durationMs); c++) cells[c] = '=';
    row('stall window', cells.join(''), `nothing moved from ${ms(from)} to ${ms(o.durationMs)}`);
  }
  const what = o.status !== undefined ? `${o.outcome} ${o.status}${o.statusText ? ` ${o.statusText}` : ''}` : `${o.outcome}${o.errorCode ? ` (${o.errorCode})` : ''}`;
  row('outcome', mark(o.durationMs, o.outcome === 'response' ? 'R' : 'X'), `${what} at ${ms(o.durationMs)}`);

  lines.push('  events (client):');
  for (const p of points) {
    if (p.kind === 'bytes') continue;
    const bytes = [p.bytesSent !== undefined ? `sent ${p.bytesSent}` : '', p.bytesReceived !== undefined ? `received ${p.bytesReceived}` : ''].filter(Boolean).join(', ');
    lines.push(`    ${p.at.toFixed(1).padStart(8)} ms  ${p.kind}${bytes ? `  (${bytes})` : ''}`);
  }
  if (t.serverTimeline?.length) {
    lines.push('  events (gateway):');
    for (const p of t.serverTimeline) {
      const why = typeof p.detail?.why === 'string' ? `  ${p.detail.why}` : '';
      lines.push(`    ${p.at.toFixed(1).padStart(8)} ms  ${p.kind}${why}`);
    }
  }
  return `${lines.join('\n')}\n`;
}
