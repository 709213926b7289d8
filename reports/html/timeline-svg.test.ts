import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import type { TimelinePoint } from '../../scenarios/result';
import { deadlockTimelines } from '../test-fixtures';
import { bytesOf, chooseTimeScale, classifyMark, formatBytes, renderTimelineSvg, stallWindows } from './timeline-svg';

const p = (at: number, kind: string, detail?: Record<string, unknown>, bytesSent?: number, bytesReceived?: number): TimelinePoint => ({
  at, kind, ...(detail ? { detail } : {}), ...(bytesSent !== undefined ? { bytesSent } : {}), ...(bytesReceived !== undefined ? { bytesReceived } : {}),
});

describe('classifyMark', () => {
  it.each([
    [p(1, 'tls-handshake', { protocol: 'TLSv1.3' }), 'handshake', 'handshake TLSv1.3'],
    [p(1, 'handshake'), 'handshake', 'handshake'],
    [p(1, 'renegotiation', { state: 'requested' }), 'reneg-requested', 'reneg requested'],
    [p(1, 'renegotiation', { state: 'completed' }), 'reneg-completed', 'reneg completed'],
    [p(1, 'renegotiation-requested'), 'reneg-requested', 'reneg requested'],
    [p(1, 'renegotiation-completed'), 'reneg-completed', 'reneg completed'],
    [p(1, 'renegotiation-refused'), 'reneg-refused', 'reneg refused'],
    [p(1, 'renegotiation-failed', { code: 'connection closed' }), 'reneg-refused', 'reneg refused'],
    [p(1, 'handshake-failed', { code: 'ERR_SSL_X' }), 'error', 'handshake-failed ERR_SSL_X'],
    [p(1, 'stream-reset', { code: 'HTTP_1_1_REQUIRED' }), 'error', 'stream-reset HTTP_1_1_REQUIRED'],
    [p(1, 'response', { status: 403 }), 'response', 'response 403'],
    [p(1, 'request-sent'), 'request', 'request'],
  ])('%o → %s', (point, type, label) => {
    expect(classifyMark(point)).toEqual({ type, at: 1, label });
  });

  it('byte samples and stall points are not marks (stalls are shaded windows)', () => {
    expect(classifyMark(p(1, 'bytes', undefined, 10, 10))).toBeUndefined();
    expect(classifyMark(p(1, 'stall'))).toBeUndefined();
    expect(classifyMark(p(1, 'renegotiation-stalled', { waitedMs: 500 }))).toBeUndefined();
  });
});

describe('stallWindows', () => {
  it('uses the stated window', () => {
    expect(stallWindows([p(0, 'connect'), p(1180, 'stall', { windowMs: 1000 })])).toEqual([{ from: 180, to: 1180 }]);
    expect(stallWindows([p(2000, 'renegotiation-stalled', { waitedMs: 1500 })])).toEqual([{ from: 500, to: 2000 }]);
  });

  it('falls back to the last change in byte counts', () => {
    const pts = [p(0, 'connect', undefined, 0, 0), p(10, 'bytes', undefined, 100, 5), p(20, 'bytes', undefined, 200, 5), p(30, 'bytes', undefined, 200, 5), p(900, 'stall', undefined, 200, 5)];
    expect(stallWindows(pts)).toEqual([{ from: 20, to: 900 }]);
  });

  it('reads the emulator\'s byte counters from detail', () => {
    expect(bytesOf(p(0, 'handshake', { bytesRead: 517, bytesWritten: 3580 }), 'received')).toBe(517);
    expect(bytesOf(p(0, 'handshake', { bytesRead: 517, bytesWritten: 3580 }), 'sent')).toBe(3580);
  });
});

describe('renderTimelineSvg', () => {
  const { client } = deadlockTimelines(65_536);
  const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', isArray: (_n: string, _j: unknown, _leaf: boolean, isAttribute: boolean) => !isAttribute });

  it('is well-formed SVG with both byte lines, the stall window and the renegotiation mark', () => {
    const svg = renderTimelineSvg(client, { title: 'Client', scale: 'linear' });
    expect(XMLValidator.validate(svg)).toBe(true);
    const root = parser.parse(svg).svg[0];
    expect(root.path.map((x: { class: string }) => x.class).sort()).toEqual(['recv', 'sent']);
    const stall = root.rect.find((r: { class: string }) => r.class === 'stall');
    // Linear axis: x = 60 + t / maxAt * 566; the window is 180 ms → 1180 ms of a 1180 ms axis.
    expect(Number(stall.x)).toBeCloseTo(60 + (180 / 1180) * 566, 0);
    expect(Number(stall.width)).toBeCloseTo((1000 / 1180) * 566, 0);
    const marks = root.g.map((g: { class: string }) => g.class);
    expect(marks).toContain('mark m-reneg-requested');
    expect(marks).toContain('mark m-handshake');
  });

  it('the sent line climbs to the bytes accepted before the stall and stays flat', () => {
    const svg = renderTimelineSvg(client, { title: 'Client', scale: 'linear' });
    const d: string = parser.parse(svg).svg[0].path.find((x: { class: string }) => x.class === 'sent').d;
    const vs = [...d.matchAll(/V([\d.]+)/g)].map((m) => Number(m[1]));
    // y decreases as bytes grow; the last V is the top of the line: 64 KiB on a 64 KiB axis = the plot top (48).
    expect(Math.min(...vs)).toBe(48);
    expect(d.endsWith(`H${60 + 566}`)).toBe(true);
  });

  it('uses a square-root time axis when the events bunch up at the start, linear otherwise', () => {
    expect(chooseTimeScale(client, 1180)).toBe('sqrt');
    const even = [p(0, 'connect'), p(300, 'tls-handshake'), p(600, 'request-sent'), p(900, 'response')];
    expect(chooseTimeScale(even, 900)).toBe('linear');
  });

  it('escapes hostile labels', () => {
    const svg = renderTimelineSvg([p(0, 'error', { code: '</svg><script>alert(1)</script>' })], { title: '<b>"x"</b>' });
    expect(svg).not.toContain('<script>');
    expect(XMLValidator.validate(svg)).toBe(true);
  });

  it('says so when no bytes were counted', () => {
    expect(renderTimelineSvg([p(0, 'connect'), p(5, 'error')], { title: 't' })).toContain('no byte counts recorded');
  });

  it('formats byte counts', () => {
    expect([formatBytes(512), formatBytes(16_384), formatBytes(1536), formatBytes(1_048_576)]).toEqual(['512 B', '16 KiB', '1.5 KiB', '1 MiB']);
  });
});
