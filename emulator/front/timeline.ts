// What happened on each connection and each request, in order, with millisecond offsets and byte counters, so the
// harness can tell "renegotiation requested, then stalled" from "completed in 4 ms" without reading logs. Bounded:
// the oldest entries are dropped past `limit`, so a long-running emulator does not grow without end.
import type { TimelineEvent } from '../pipeline/contract';

export interface RecordedEvent {
  readonly at: number;
  readonly kind: string;
  readonly detail?: Readonly<Record<string, unknown>>;
  /** Raw TCP bytes of the connection when the event happened. */
  readonly bytesRead: number;
  readonly bytesWritten: number;
  /** Request events: request body bytes read so far. */
  readonly bodyBytesRead?: number;
}

export interface ByteCounters {
  /** Raw bytes read from / written to the TCP socket (TLS records included). */
  readonly bytesRead: number;
  readonly bytesWritten: number;
}

export interface ConnectionSnapshot extends ByteCounters {
  readonly id: string;
  readonly startedAt: string;
  readonly remoteAddress?: string;
  readonly remotePort?: number;
  readonly hostName: string;
  readonly open: boolean;
  readonly requests: readonly string[];
  readonly events: readonly RecordedEvent[];
}

export interface RequestSnapshot {
  readonly id: string;
  readonly connectionId: string;
  readonly startedAt: string;
  readonly method: string;
  readonly path: string;
  readonly protocol: string;
  readonly tlsVersion?: string;
  /** Request body bytes the front read (after TLS and HTTP framing). */
  readonly bodyBytesRead: number;
  readonly status?: number;
  readonly events: readonly RecordedEvent[];
}

export class ConnectionTimeline {
  readonly started = performance.now();
  // Epoch ms; the ISO text is built only when a snapshot asks (a Date + toISOString per request adds up).
  private readonly startedAtMs = Date.now();
  readonly events: RecordedEvent[] = [];
  readonly requests: string[] = [];
  open = true;
  counters: () => ByteCounters = () => ({ bytesRead: 0, bytesWritten: 0 });
  private requestSeq = 0;

  constructor(readonly id: string, readonly hostName: string, readonly remoteAddress?: string, readonly remotePort?: number) {}

  get startedAt(): string {
    return new Date(this.startedAtMs).toISOString();
  }

  record(kind: string, detail?: Record<string, unknown>): void {
    const c = this.counters();
    this.events.push({ at: round(performance.now() - this.started), kind, detail, bytesRead: c.bytesRead, bytesWritten: c.bytesWritten });
  }

  nextRequestId(): string {
    return `${this.id}-r${++this.requestSeq}`;
  }

  snapshot(): ConnectionSnapshot {
    return {
      id: this.id, startedAt: this.startedAt, remoteAddress: this.remoteAddress, remotePort: this.remotePort,
      hostName: this.hostName, open: this.open, ...counterValues(this.counters()), requests: [...this.requests], events: [...this.events],
    };
  }
}

export class RequestTimeline {
  readonly started = performance.now();
  private readonly startedAtMs = Date.now();
  readonly events: RecordedEvent[] = [];
  bodyBytesRead = 0;
  status?: number;

  constructor(
    readonly id: string,
    readonly connection: ConnectionTimeline,
    readonly method: string,
    readonly path: string,
    readonly protocol: string,
    readonly tlsVersion?: string,
  ) {}

  get startedAt(): string {
    return new Date(this.startedAtMs).toISOString();
  }

  /** Records on the request and, for TLS events, on its connection too. */
  record(kind: string, detail?: Record<string, unknown>): void {
    const c = this.connection.counters();
    this.events.push({ at: round(performance.now() - this.started), kind, detail, bodyBytesRead: this.bodyBytesRead, bytesRead: c.bytesRead, bytesWritten: c.bytesWritten });
  }

  /** The pipeline's RecordEvent. */
  readonly recordEvent = (e: TimelineEvent): void => this.record(e.kind, e.detail as Record<string, unknown> | undefined);

  snapshot(): RequestSnapshot {
    return {
      id: this.id, connectionId: this.connection.id, startedAt: this.startedAt, method: this.method, path: this.path,
      protocol: this.protocol, tlsVersion: this.tlsVersion, bodyBytesRead: this.bodyBytesRead, status: this.status,
      events: [...this.events],
    };
  }
}

/** Copies the counters: the source may be a live socket (its getters are not own properties). */
const counterValues = (c: ByteCounters): ByteCounters => ({ bytesRead: c.bytesRead, bytesWritten: c.bytesWritten });

const round = (ms: number): number => Math.round(ms * 100) / 100;

export class TimelineStore {
  private readonly connections = new Map<string, ConnectionTimeline>();
  private readonly requests = new Map<string, RequestTimeline>();
  private connectionSeq = 0;

  constructor(private readonly limit = 10_000) {}

  openConnection(hostName: string, remoteAddress?: string, remotePort?: number): ConnectionTimeline {
    const id = `c${(++this.connectionSeq).toString(36).padStart(5, '0')}`;
    const c = new ConnectionTimeline(id, hostName, remoteAddress, remotePort);
    this.connections.set(id, c);
    trim(this.connections, this.limit);
    return c;
  }

  openRequest(connection: ConnectionTimeline, method: string, path: string, protocol: string, tlsVersion?: string): RequestTimeline {
    const r = new RequestTimeline(connection.nextRequestId(), connection, method, path, protocol, tlsVersion);
    connection.requests.push(r.id);
    this.requests.set(r.id, r);
    trim(this.requests, this.limit);
    return r;
  }

  request(id: string): RequestSnapshot | undefined {
    return this.requests.get(id)?.snapshot();
  }

  connection(id: string): ConnectionSnapshot | undefined {
    return this.connections.get(id)?.snapshot();
  }

  listConnections(): ConnectionSnapshot[] {
    return [...this.connections.values()].map((c) => c.snapshot());
  }
}

function trim<K, V>(map: Map<K, V>, limit: number): void {
  while (map.size > limit) {
    const first = map.keys().next();
    if (first.done) return;
    map.delete(first.value);
  }
}
