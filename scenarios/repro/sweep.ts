// `certgate repro sweep`: the smallest body size at which a gateway stops answering normally — it stalls (the
// renegotiation deadlock) or refuses with 413 (Apache's SSLRenegBufferSize) — by binary search between min and max.
// Assumes one edge: every size below it is answered, every size from it on is not (true of the buffers known).

import type { ReproEndpoint } from './endpoints';
import { probe, type ProbeKind } from './probe';
import { formatSize } from './size';

export interface SweepProbe {
  readonly bytes: number;
  readonly kind: ProbeKind;
  readonly outcome: string;
  readonly status?: number;
  readonly ms: number;
}

export interface SweepEdge {
  /** The largest size answered normally. */
  readonly lastOk: number;
  /** The smallest size that was not: stall, 413, or an error. */
  readonly firstBad: number;
  readonly kind: Exclude<ProbeKind, 'ok'>;
}

export interface SweepResult {
  readonly probes: readonly SweepProbe[];
  /** Absent when min is already bad or max still answers: the edge is outside the range. */
  readonly edge?: SweepEdge;
  /** One sentence saying what was found. */
  readonly summary: string;
}

export interface SweepOptions {
  readonly min: number;
  readonly max: number;
  readonly probeSize: (bytes: number) => Promise<SweepProbe>;
  readonly onProbe?: (p: SweepProbe) => void;
}

const KIND_TEXT: Readonly<Record<Exclude<ProbeKind, 'ok'>, string>> = {
  stall: 'stalls',
  '413': 'is refused with 413',
  error: 'fails (TLS error or reset)',
};

export async function sweepBodySize(o: SweepOptions): Promise<SweepResult> {
  if (!(Number.isSafeInteger(o.min) && Number.isSafeInteger(o.max) && o.min >= 0 && o.min < o.max))
    throw new RangeError(`sweep range: need 0 ≤ min < max, got min ${o.min}, max ${o.max}`);
  const probes: SweepProbe[] = [];
  const at = async (bytes: number) => {
    const p = await o.probeSize(bytes);
    probes.push(p);
    o.onProbe?.(p);
    return p;
  };
  const top = await at(o.max);
  if (top.kind === 'ok') return { probes, summary: `no edge up to ${formatSize(o.max)}: every size was answered` };
  const bottom = await at(o.min);
  if (bottom.kind !== 'ok') return { probes, summary: `already at ${formatSize(o.min)} the request ${KIND_TEXT[bottom.kind]}: the edge is below the range` };
  let lo = o.min;
  let hi = top;
  while (hi.bytes - lo > 1) {
    const mid = lo + Math.floor((hi.bytes - lo) / 2);
    const p = await at(mid);
    if (p.kind === 'ok') lo = mid;
    else hi = p;
  }
  const kind = hi.kind as SweepEdge['kind'];
  return {
    probes,
    edge: { lastOk: lo, firstBad: hi.bytes, kind },
    summary: `edge: ${lo} bytes answered, ${hi.bytes} bytes ${KIND_TEXT[kind]} (${probes.length} probes)`,
  };
}

/** A probe function that sends one request of the given size to an endpoint. */
export function endpointProber(endpoint: ReproEndpoint, o: { method: string; stallWindowMs: number; protocol?: 'h1' | 'h2' }): (bytes: number) => Promise<SweepProbe> {
  return async (bytes) => {
    const r = await probe({ endpoint, protocol: o.protocol ?? 'h1', method: o.method, bodyBytes: bytes, stallWindowMs: o.stallWindowMs });
    const ob = r.observation;
    return { bytes, kind: r.kind, outcome: ob.outcome, ...(ob.status !== undefined ? { status: ob.status } : {}), ms: Math.round(ob.durationMs) };
  };
}

export function formatProbe(p: SweepProbe): string {
  const what = p.status !== undefined ? `${p.outcome} ${p.status}` : p.outcome;
  return `${String(p.bytes).padStart(9)} bytes → ${p.kind.padEnd(5)} ${what} (${p.ms} ms)`;
}
