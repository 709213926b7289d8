// The request timeline as an inline SVG: cumulative bytes sent and received as two step lines over time, vertical
// marks for the handshake, renegotiation (requested / completed / refused), the response and errors, and the
// stall window shaded. Rendered here in TypeScript (not in the browser) so it is typed, unit-tested, and the page's
// script stays small; every string in it goes through htmlText/htmlAttr.
import type { TimelinePoint } from '../../scenarios/result';
import { formatMs, oneLine } from '../format';
import { htmlAttr, htmlText } from './escape';

export type MarkType =
  | 'connect'
  | 'handshake'
  | 'request'
  | 'reneg-requested'
  | 'reneg-completed'
  | 'reneg-refused'
  | 'response'
  | 'error';

export interface Mark {
  readonly type: MarkType;
  readonly at: number;
  readonly label: string;
}

const RENEG_STATE: Readonly<Record<string, 'requested' | 'completed' | 'refused'>> = {
  requested: 'requested', request: 'requested', started: 'requested', start: 'requested', 'hello-request': 'requested',
  sent: 'requested', completed: 'completed', complete: 'completed', done: 'completed', ok: 'completed',
  succeeded: 'completed', refused: 'refused', rejected: 'refused', denied: 'refused', failed: 'refused', error: 'refused',
};

function detailString(p: TimelinePoint, ...keys: string[]): string | undefined {
  for (const k of keys) {
    const v = p.detail?.[k];
    if (typeof v === 'string' || typeof v === 'number') return String(v);
  }
  return undefined;
}

const ERROR_KINDS = /(^error$|^reset$|^tls-error$|-failed$|-error$|^stream-reset$|^connection-closed$)/;

export function isStallPoint(p: TimelinePoint): boolean {
  return /(^|-)stall(ed)?$/.test(p.kind.toLowerCase());
}

/** What a timeline point means for the picture; undefined for points that only carry byte counts. */
export function classifyMark(p: TimelinePoint): Mark | undefined {
  const kind = p.kind.toLowerCase();
  if (isStallPoint(p)) return undefined; // drawn as a shaded window instead
  if (kind.startsWith('reneg')) {
    const suffix = kind.replace(/^renegotiation-?|^reneg-?/, '');
    const stated = (detailString(p, 'state', 'phase', 'result', 'outcome') ?? suffix).toLowerCase();
    const state = RENEG_STATE[stated] ?? 'requested';
    const label = { requested: 'reneg requested', completed: 'reneg completed', refused: 'reneg refused' }[state];
    return { type: `reneg-${state}`, at: p.at, label };
  }
  if (ERROR_KINDS.test(kind)) {
    const code = detailString(p, 'code', 'errorCode', 'reason');
    return { type: 'error', at: p.at, label: code ? `${kind} ${code}` : kind };
  }
  if (kind.includes('handshake')) {
    const proto = detailString(p, 'protocol', 'version', 'tlsVersion');
    return { type: 'handshake', at: p.at, label: proto ? `handshake ${proto}` : 'handshake' };
  }
  if (kind === 'connect') return { type: 'connect', at: p.at, label: 'connect' };
  if (kind === 'request-sent' || kind === 'request-headers' || kind === 'request') return { type: 'request', at: p.at, label: 'request' };
  if (kind.startsWith('response')) {
    const status = detailString(p, 'status', 'statusCode');
    return { type: 'response', at: p.at, label: status ? `response ${status}` : 'response' };
  }
  return undefined;
}

/**
 * Cumulative byte counts of a point. The client records bytesSent/bytesReceived; the emulator's own timeline keeps
 * bytesWritten/bytesRead in `detail`, so those are read as a fallback.
 */
export function bytesOf(p: TimelinePoint, which: 'sent' | 'received'): number | undefined {
  const direct = which === 'sent' ? p.bytesSent : p.bytesReceived;
  if (typeof direct === 'number') return direct;
  const v = p.detail?.[which === 'sent' ? 'bytesWritten' : 'bytesRead'];
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** Shaded intervals: a stall point covers its stated window, or else back to the last change in bytes. */
export function stallWindows(points: readonly TimelinePoint[]): { from: number; to: number }[] {
  const sorted = [...points].sort((a, b) => a.at - b.at);
  const out: { from: number; to: number }[] = [];
  sorted.forEach((p, i) => {
    if (!isStallPoint(p)) return;
    const stated = ['windowMs', 'waitedMs', 'timeoutMs'].map((k) => Number(p.detail?.[k])).find((n) => Number.isFinite(n) && n > 0);
    if (stated !== undefined) {
      out.push({ from: Math.max(0, p.at - stated), to: p.at });
      return;
    }
    let from = 0;
    for (let j = i - 1; j >= 0; j--) {
      const q = sorted[j]!;
      const prev = sorted[j - 1];
      if (!prev || bytesOf(q, 'sent') !== bytesOf(prev, 'sent') || bytesOf(q, 'received') !== bytesOf(prev, 'received')) {
        from = q.at;
        break;
      }
    }
    out.push({ from, to: p.at });
  });
  return out;
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${+(n / 1024).toFixed(n < 10 * 1024 ? 1 : 0)} KiB`;
  return `${+(n / (1024 * 1024)).toFixed(1)} MiB`;
}

function niceStep(max: number, ticks: number, base: number[]): number {
  const raw = max / ticks;
  const mag = 10 ** Math.floor(Math.log10(raw));
  for (const b of base) if (b * mag >= raw) return b * mag;
  return 10 * mag;
}

function byteStep(max: number): number {
  // Powers of two read better for byte counts (16 KiB, 32 KiB…) once past a kilobyte.
  if (max <= 1024) return niceStep(max, 4, [1, 2, 2.5, 5]);
  let step = 1024;
  while (max / step > 4) step *= 2;
  return step;
}

export interface TimelineSvgOptions {
  readonly title: string;
  /** Share the time axis between the client and server pictures. */
  readonly maxAt?: number;
  readonly sentLabel?: string;
  readonly receivedLabel?: string;
  /** Force a time scale (the client and server pictures of one scenario use the same one). */
  readonly scale?: 'linear' | 'sqrt';
}

const W = 640;
const H = 210;
const M = { left: 60, right: 14, top: 48, bottom: 26 };
const PW = W - M.left - M.right;
const PH = H - M.top - M.bottom;
const ROWS = 3;

/**
 * The time axis. Linear by default; square-root when the events bunch up at the start (the deadlock case: a
 * handshake, a renegotiation request and a few body chunks in the first 20 ms, then a one-second stall), so the
 * early marks stay apart. The axis is labelled with real times and the caption says which scale is in use.
 */
export function chooseTimeScale(points: readonly TimelinePoint[], maxAt: number): 'linear' | 'sqrt' {
  const marks = points.map(classifyMark).filter((m): m is Mark => m !== undefined).map((m) => m.at);
  if (marks.length < 3) return 'linear';
  const sorted = [...marks].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)]!;
  return median < maxAt * 0.08 ? 'sqrt' : 'linear';
}

function timeTicks(maxAt: number, scale: 'linear' | 'sqrt', x: (t: number) => number): number[] {
  if (scale === 'linear') {
    const step = niceStep(maxAt, 5, [1, 2, 2.5, 5]);
    const ticks: number[] = [];
    for (let t = 0; t <= maxAt + 1e-9; t += step) ticks.push(t);
    return ticks;
  }
  const candidates = [0];
  for (let mag = 1; mag <= maxAt; mag *= 10) for (const b of [1, 2, 5]) if (b * mag <= maxAt) candidates.push(b * mag);
  const ticks: number[] = [];
  for (const t of candidates) if (ticks.length === 0 || x(t) - x(ticks[ticks.length - 1]!) >= 48) ticks.push(t);
  return ticks;
}

export function renderTimelineSvg(points: readonly TimelinePoint[], opts: TimelineSvgOptions): string {
  const sorted = [...points].sort((a, b) => a.at - b.at);
  const maxAt = Math.max(opts.maxAt ?? 0, ...sorted.map((p) => p.at), 1);
  const maxBytes = Math.max(0, ...sorted.map((p) => Math.max(bytesOf(p, 'sent') ?? 0, bytesOf(p, 'received') ?? 0)));
  const scale = opts.scale ?? chooseTimeScale(sorted, maxAt);
  const x = (t: number) => M.left + (scale === 'sqrt' ? Math.sqrt(Math.max(0, t) / maxAt) : t / maxAt) * PW;
  const yMax = maxBytes > 0 ? Math.ceil(maxBytes / byteStep(maxBytes)) * byteStep(maxBytes) : 1;
  const y = (b: number) => M.top + PH - (b / yMax) * PH;
  const parts: string[] = [];
  const label = `${opts.title}: ${sorted.length} events over ${formatMs(maxAt)}${scale === 'sqrt' ? ' (square-root time axis)' : ''}`;
  parts.push(
    `<svg class="timeline" data-scale="${scale}" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${htmlAttr(label)}" xmlns="http://www.w3.org/2000/svg">`,
    `<title>${htmlText(oneLine(label))}</title>`,
    `<rect class="plot" x="${M.left}" y="${M.top}" width="${PW}" height="${PH}"/>`,
  );
  for (const w of stallWindows(sorted)) {
    const x0 = x(w.from);
    const width = Math.max(1, x(w.to) - x0);
    parts.push(`<rect class="stall" x="${f(x0)}" y="${M.top}" width="${f(width)}" height="${PH}"/>`);
    if (width > 70) {
      parts.push(`<text class="stall-label" x="${f(x0 + width / 2)}" y="${M.top + PH / 2}" text-anchor="middle">stalled ${htmlText(formatMs(w.to - w.from))}</text>`);
    }
  }
  for (const t of timeTicks(maxAt, scale, x)) {
    parts.push(`<line class="grid" x1="${f(x(t))}" x2="${f(x(t))}" y1="${M.top}" y2="${M.top + PH}"/>`);
    parts.push(`<text class="tick" x="${f(x(t))}" y="${H - 8}" text-anchor="middle">${htmlText(formatMs(t))}</text>`);
  }
  if (maxBytes > 0) {
    const bStep = byteStep(maxBytes);
    for (let b = 0; b <= yMax; b += bStep) {
      parts.push(`<line class="grid" x1="${M.left}" x2="${M.left + PW}" y1="${f(y(b))}" y2="${f(y(b))}"/>`);
      parts.push(`<text class="tick" x="${M.left - 6}" y="${f(y(b) + 4)}" text-anchor="end">${htmlText(formatBytes(b))}</text>`);
    }
    const sent = stepPath(sorted, 'sent', x, y, maxAt);
    const recv = stepPath(sorted, 'received', x, y, maxAt);
    if (recv) parts.push(`<path class="recv" d="${recv}"><title>${htmlText(opts.receivedLabel ?? 'bytes received')}</title></path>`);
    if (sent) parts.push(`<path class="sent" d="${sent}"><title>${htmlText(opts.sentLabel ?? 'bytes sent')}</title></path>`);
  } else {
    parts.push(`<text class="note" x="${M.left + PW / 2}" y="${M.top + PH / 2}" text-anchor="middle">no byte counts recorded</text>`);
  }
  parts.push(...renderMarks(sorted, x));
  parts.push('</svg>');
  return parts.join('');
}

function stepPath(
  points: readonly TimelinePoint[],
  which: 'sent' | 'received',
  x: (t: number) => number,
  y: (b: number) => number,
  maxAt: number,
): string | undefined {
  const withValue = points.filter((p) => bytesOf(p, which) !== undefined);
  if (withValue.length === 0) return undefined;
  // Cumulative counts start at zero at the first connect.
  let d = `M${f(x(0))} ${f(y(0))}`;
  for (const p of withValue) d += `H${f(x(p.at))}V${f(y(bytesOf(p, which)!))}`;
  const last = points[points.length - 1]!.at;
  d += `H${f(x(Math.min(maxAt, Math.max(last, withValue[withValue.length - 1]!.at))))}`;
  return d;
}

// Which labels win a place when marks crowd together: the renegotiation story first.
const LABEL_PRIORITY: Readonly<Record<MarkType, number>> = {
  'reneg-requested': 0, 'reneg-completed': 0, 'reneg-refused': 0, error: 1, response: 1, handshake: 2, request: 3, connect: 4,
};

function renderMarks(points: readonly TimelinePoint[], x: (t: number) => number): string[] {
  const marks = points.map(classifyMark).filter((m): m is Mark => m !== undefined);
  const rows: [number, number][][] = Array.from({ length: ROWS }, () => []);
  const placed = new Map<Mark, { row: number; anchorEnd: boolean }>();
  const byPriority = [...marks].sort((a, b) => LABEL_PRIORITY[a.type] - LABEL_PRIORITY[b.type] || a.at - b.at);
  for (const m of byPriority) {
    const mx = x(m.at);
    const width = labelText(m).length * 6 + 6;
    const anchorEnd = mx + width > W - 4;
    const start = anchorEnd ? mx - width : mx;
    const row = rows.findIndex((r) => r.every(([a, b]) => start + width + 4 <= a || start >= b + 4));
    // No free row: the line is still drawn and its <title> names it; the events table lists it too.
    if (row === -1) continue;
    rows[row]!.push([start, start + width]);
    placed.set(m, { row, anchorEnd });
  }
  return marks.map((m) => {
    const mx = x(m.at);
    const p = placed.get(m);
    const top = p ? 13 + p.row * 12 + 3 : M.top;
    const text = p
      ? `<text x="${f(p.anchorEnd ? mx - 3 : mx + 3)}" y="${13 + p.row * 12}" text-anchor="${p.anchorEnd ? 'end' : 'start'}">${htmlText(labelText(m))}</text>`
      : '';
    return (
      `<g class="mark m-${m.type}"><line x1="${f(mx)}" x2="${f(mx)}" y1="${top}" y2="${M.top + PH}"/>${text}` +
      `<title>${htmlText(`${oneLine(m.label)} at ${formatMs(m.at)}`)}</title></g>`
    );
  });
}

function labelText(m: Mark): string {
  return oneLine(m.label).slice(0, 40);
}

function f(n: number): string {
  return (Math.round(n * 10) / 10).toString();
}
