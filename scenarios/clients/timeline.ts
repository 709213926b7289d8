// A client-side timeline (scenarios/result.ts TimelinePoint) with a bounded number of byte samples, so a 1 MiB
// upload or a long stall does not produce an unbounded record.

import type { TimelinePoint } from '../result';

export class Timeline {
  private readonly points: TimelinePoint[] = [];
  private samples = 0;
  readonly start = performance.now();

  constructor(private readonly maxSamples = 200) {}

  now(): number {
    return Math.round((performance.now() - this.start) * 10) / 10;
  }

  mark(kind: string, detail?: Record<string, unknown>, bytes?: { sent?: number; received?: number }): void {
    this.points.push({
      at: this.now(),
      kind,
      ...(bytes?.sent !== undefined ? { bytesSent: bytes.sent } : {}),
      ...(bytes?.received !== undefined ? { bytesReceived: bytes.received } : {}),
      ...(detail ? { detail } : {}),
    });
  }

  /** A bytes sample; past the bound, every other sample is dropped (the shape survives, the size stays bounded). */
  sample(sent: number, received: number, detail?: Record<string, unknown>): void {
    this.mark('bytes', detail, { sent, received });
    if (++this.samples > this.maxSamples) {
      let keep = true;
      for (let i = 0; i < this.points.length; i++) {
        if (this.points[i]!.kind !== 'bytes') continue;
        if (!keep) this.points.splice(i--, 1);
        keep = !keep;
      }
      this.samples = this.points.filter((p) => p.kind === 'bytes').length;
    }
  }

  toArray(): readonly TimelinePoint[] {
    return [...this.points];
  }
}
