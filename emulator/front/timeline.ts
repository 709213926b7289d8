// What happened on each connection and each request, in order, with millisecond offsets and byte counters, so the
// harness can tell "renegotiation requested, then stalled" from "completed in 4 ms" without reading logs. Bounded:
// the oldest entries are dropped past `limit` entries or past `maxBytes` (estimated as entries record, reported by
// stats()), so a long-running emulator does not grow without end; a closed connection's entry keeps its final byte
// counts, not its socket (10,000 held entries must not hold 10,000 dead TLS sockets and their buffers); an entry's
// own lists are bounded too (events; request ids leave with their entries), so one keep-alive connection carrying
// millions of requests does not grow without end either.
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
  /** Present when events past MAX_EVENTS_PER_ENTRY were not kept. */
  readonly eventsDropped?: number;
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
  readonly eventsDropped?: number;
}

/** Events one connection or request entry keeps (the first ones: the handshake and what went wrong first). */
export const MAX_EVENTS_PER_ENTRY = 1_000;

const NO_COUNTERS: ByteCounters = { bytesRead: 0, bytesWritten: 0 };

/** What a store's entries hold, kept as they record: the store's byte bound needs it at every insertion. */
interface Ledger { bytes: number; events: number }
/** Where an entry charges once no store holds it (made outside a store, or evicted while still recording): one
 *  shared sink nobody reads (a new one per evicted entry was an allocation per request with the store at its cap). */
const DETACHED: Ledger = { bytes: 0, events: 0 };
const detached = (): Ledger => DETACHED;

export class ConnectionTimeline {
  readonly started = performance.now();
  // Epoch ms; the ISO text is built only when a snapshot asks (a Date + toISOString per request adds up).
  private readonly startedAtMs = Date.now();
  /** Events as flat tuples (see EventLog): the readable objects are built only when a snapshot asks. */
  private readonly log: unknown[] = [];
  /** Ids of this connection's requests, appended by the store (and by the front for its 400 to an unparsable
   *  request, which closes the connection); ids whose entries the store dropped leave it (see forgetRequest). */
  readonly requests: string[] = [];
  /** Events not kept past MAX_EVENTS_PER_ENTRY. */
  eventsDropped = 0;
  /** The front points this at the live socket; on close it is replaced by the final values (see `open`). */
  counters: () => ByteCounters = () => NO_COUNTERS;
  private requestSeq = 0;
  private forgotten = 0;
  private isOpen = true;
  /** Estimated heap bytes of this entry (see estimateValue). */
  heldBytes: number;

  constructor(readonly id: string, readonly hostName: string, readonly remoteAddress?: string, readonly remotePort?: number, public ledger: Ledger = detached()) {
    this.heldBytes = ENTRY_BYTES + id.length + hostName.length + (remoteAddress?.length ?? 0);
    ledger.bytes += this.heldBytes;
  }

  get open(): boolean {
    return this.isOpen;
  }

  /** Closing freezes the byte counters: the entry then no longer references the socket, so the socket can go. */
  set open(value: boolean) {
    if (this.isOpen && !value) {
      const final = counterValues(this.counters());
      this.counters = () => final;
    }
    this.isOpen = value;
  }

  get startedAt(): string {
    return new Date(this.startedAtMs).toISOString();
  }

  /** The recorded events, as snapshots show them (built on each call). */
  get events(): RecordedEvent[] {
    return readEvents(this.log, this.log.length, CONNECTION_STRIDE);
  }

  get eventCount(): number {
    return this.log.length / CONNECTION_STRIDE;
  }

  record(kind: string, detail?: Readonly<Record<string, unknown>>): void {
    const log = this.log;
    if (log.length >= MAX_EVENTS_PER_ENTRY * CONNECTION_STRIDE) {
      this.eventsDropped++;
      return;
    }
    const c = this.counters();
    log.push(kind, hundredths(performance.now() - this.started), detail, c.bytesRead, c.bytesWritten);
    this.heldBytes += charge(this.ledger, detail);
  }

  nextRequestId(): string {
    return `${this.id}-r${++this.requestSeq}`;
  }

  /** The store dropped this request's entry: forget its id, and any older id before it. Ids before `forgotten` are
   *  cut off in bulk (a splice per eviction would copy a long-lived connection's whole list every time). */
  forgetRequest(id: string): void {
    const at = this.requests.indexOf(id, this.forgotten);
    if (at < 0) return;
    this.forgotten = at + 1;
    if (this.forgotten === this.requests.length) {
      this.requests.length = 0; // also gives back the backing store
      this.forgotten = 0;
    } else if (this.forgotten >= 64 && this.forgotten * 2 >= this.requests.length) {
      this.requests.splice(0, this.forgotten);
      this.forgotten = 0;
    }
  }

  snapshot(): ConnectionSnapshot {
    return {
      id: this.id, startedAt: this.startedAt, remoteAddress: this.remoteAddress, remotePort: this.remotePort,
      hostName: this.hostName, open: this.open, ...counterValues(this.counters()), requests: this.requests.slice(this.forgotten), events: this.events,
      ...(this.eventsDropped > 0 ? { eventsDropped: this.eventsDropped } : {}),
    };
  }
}

export class RequestTimeline {
  readonly started = performance.now();
  private readonly startedAtMs = Date.now();
  // Room for a usual request's events from the start (a validated echo records 7): growing an array by push
  // re-allocates and copies it two or three times per request.
  private readonly log: unknown[] = new Array(REQUEST_STRIDE * 7);
  private logged = 0;
  eventsDropped = 0;
  bodyBytesRead = 0;
  status?: number;
  /** Estimated heap bytes of this entry, its id in the connection's list included. */
  heldBytes: number;

  constructor(
    readonly id: string,
    readonly connection: ConnectionTimeline,
    readonly method: string,
    readonly path: string,
    readonly protocol: string,
    readonly tlsVersion?: string,
    public ledger: Ledger = detached(),
  ) {
    this.heldBytes = ENTRY_BYTES + ID_BYTES + 2 * id.length + path.length;
    ledger.bytes += this.heldBytes;
  }

  get startedAt(): string {
    return new Date(this.startedAtMs).toISOString();
  }

  /** The recorded events, as snapshots show them (built on each call). */
  get events(): RecordedEvent[] {
    return readEvents(this.log, this.logged, REQUEST_STRIDE);
  }

  get eventCount(): number {
    return this.logged / REQUEST_STRIDE;
  }

  /** Records on the request and, for TLS events, on its connection too. */
  record(kind: string, detail?: Readonly<Record<string, unknown>>): void {
    const log = this.log;
    const at = this.logged;
    if (at >= MAX_EVENTS_PER_ENTRY * REQUEST_STRIDE) {
      this.eventsDropped++;
      return;
    }
    const c = this.connection.counters();
    log[at] = kind;
    log[at + 1] = hundredths(performance.now() - this.started);
    log[at + 2] = detail;
    log[at + 3] = c.bytesRead;
    log[at + 4] = c.bytesWritten;
    log[at + 5] = this.bodyBytesRead;
    this.logged = at + REQUEST_STRIDE;
    this.heldBytes += charge(this.ledger, detail);
  }

  /** The pipeline's RecordEvent: made when asked (once per request), not kept on the entry the store holds, and not
   *  a named class field (under tsx each instance's arrow function got its name set by a defineProperty). */
  get recordEvent(): (e: TimelineEvent) => void {
    return recorderOf(this);
  }

  snapshot(): RequestSnapshot {
    return {
      id: this.id, connectionId: this.connection.id, startedAt: this.startedAt, method: this.method, path: this.path,
      protocol: this.protocol, tlsVersion: this.tlsVersion, bodyBytesRead: this.bodyBytesRead, status: this.status,
      events: this.events, ...(this.eventsDropped > 0 ? { eventsDropped: this.eventsDropped } : {}),
    };
  }
}

function recorderOf(r: RequestTimeline): (e: TimelineEvent) => void {
  return (e) => r.record(e.kind, e.detail as Readonly<Record<string, unknown>> | undefined);
}

// An event is recorded as a flat tuple in its entry's log — kind, its offset in hundredths of a millisecond (an
// integer: a small integer costs no heap number, a fractional millisecond would), detail (often a shared frozen
// object), raw bytes read, raw bytes written, and for requests the body bytes read — instead of an object per event:
// recording happens ~7 times per request, reading (introspection, reports) rarely. readEvents builds the readable
// objects with the same members in the same order as before.
const CONNECTION_STRIDE = 5;
const REQUEST_STRIDE = 6;

function readEvents(log: readonly unknown[], length: number, stride: number): RecordedEvent[] {
  const out: RecordedEvent[] = [];
  for (let i = 0; i < length; i += stride) {
    const at = (log[i + 1] as number) / 100;
    const kind = log[i] as string;
    const detail = log[i + 2] as Readonly<Record<string, unknown>> | undefined;
    out.push(stride === REQUEST_STRIDE
      ? { at, kind, detail, bodyBytesRead: log[i + 5] as number, bytesRead: log[i + 3] as number, bytesWritten: log[i + 4] as number }
      : { at, kind, detail, bytesRead: log[i + 3] as number, bytesWritten: log[i + 4] as number });
  }
  return out;
}

/** Copies the counters: the source may be a live socket (its getters are not own properties). */
const counterValues = (c: ByteCounters): ByteCounters => ({ bytesRead: c.bytesRead, bytesWritten: c.bytesWritten });

/** Milliseconds → an integer count of hundredths: `at` is hundredths(ms) / 100, i.e. ms rounded to 0.01 as before. */
const hundredths = (ms: number): number => Math.round(ms * 100);

/** What the store holds now, for the load bench and introspection: entries against the caps, and their size. */
export interface TimelineStats {
  readonly connections: number;
  readonly requests: number;
  /** The cap on each of connections and requests. */
  readonly limit: number;
  /** The cap on approxBytes. */
  readonly maxBytes: number;
  readonly events: number;
  /** Heap bytes held, estimated as entries record (strings counted unshared, so an upper bound): ~3.4 KiB per
   *  validated request entry, as bench/timeline-memory.ts measures; the load bench sees ~1.8 KiB (shared strings). */
  readonly approxBytes: number;
  /** Entries dropped to stay under the caps since the start. */
  readonly evicted: { readonly connections: number; readonly requests: number };
}

/** Entries kept by default: 10,000 requests of ~2–3.4 KiB each (bench/timeline-memory.ts), so ~20–34 MiB. */
export const DEFAULT_TIMELINE_LIMIT = 10_000;
/** Bytes kept by default: only reached by unusual entries (16 KiB request targets, thousands of events each). */
export const DEFAULT_TIMELINE_MAX_BYTES = 64 * 2 ** 20;

/**
 * Entries in insertion order, oldest first, for eviction. A Map's own order is not used for that: V8 leaves a hole
 * per deleted entry until the table is rebuilt, so finding the oldest through map.values().next() walks every hole
 * deleted before it — thousands per eviction with the store at its cap (measured: ~7 µs per request).
 */
class Queue<T> {
  private items: (T | undefined)[] = [];
  private head = 0;

  push(item: T): void {
    this.items.push(item);
  }

  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const item = this.items[this.head];
    this.items[this.head++] = undefined;
    // Drop the consumed front in bulk, once it is half the array (amortised O(1) per shift).
    if (this.head >= 1024 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }
}

export class TimelineStore {
  private readonly connections = new Map<string, ConnectionTimeline>();
  private readonly requests = new Map<string, RequestTimeline>();
  private readonly connectionOrder = new Queue<ConnectionTimeline>();
  private readonly requestOrder = new Queue<RequestTimeline>();
  private readonly held: Ledger = { bytes: 0, events: 0 };
  private connectionSeq = 0;
  private evictedConnections = 0;
  private evictedRequests = 0;

  constructor(readonly limit = DEFAULT_TIMELINE_LIMIT, readonly maxBytes = DEFAULT_TIMELINE_MAX_BYTES) {}

  openConnection(hostName: string, remoteAddress?: string, remotePort?: number): ConnectionTimeline {
    const id = `c${(++this.connectionSeq).toString(36).padStart(5, '0')}`;
    const c = new ConnectionTimeline(id, hostName, remoteAddress, remotePort, this.held);
    this.connections.set(id, c);
    this.connectionOrder.push(c);
    this.evict();
    return c;
  }

  openRequest(connection: ConnectionTimeline, method: string, path: string, protocol: string, tlsVersion?: string): RequestTimeline {
    const r = new RequestTimeline(connection.nextRequestId(), connection, method, path, protocol, tlsVersion, this.held);
    connection.requests.push(r.id);
    this.requests.set(r.id, r);
    this.requestOrder.push(r);
    this.evict();
    return r;
  }

  /** Oldest first, past either cap; the entry just added always stays. */
  private evict(): void {
    while (this.connections.size > this.limit) this.dropOldestConnection();
    while (this.requests.size > this.limit) this.dropOldestRequest();
    while (this.held.bytes > this.maxBytes) {
      if (this.requests.size > 1) this.dropOldestRequest();
      else if (this.connections.size > 1) this.dropOldestConnection();
      else break;
    }
  }

  private dropOldestRequest(): void {
    const oldest = this.requestOrder.shift()!;
    this.requests.delete(oldest.id);
    release(this.held, oldest);
    // Its connection lists only ids the store can answer, so a long keep-alive connection stays bounded too.
    oldest.connection.forgetRequest(oldest.id);
    this.evictedRequests++;
  }

  private dropOldestConnection(): void {
    const oldest = this.connectionOrder.shift()!;
    this.connections.delete(oldest.id);
    release(this.held, oldest);
    this.evictedConnections++;
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

  stats(): TimelineStats {
    return {
      connections: this.connections.size, requests: this.requests.size, limit: this.limit, maxBytes: this.maxBytes,
      events: this.held.events, approxBytes: this.held.bytes, evicted: { connections: this.evictedConnections, requests: this.evictedRequests },
    };
  }
}

/** An entry leaves the store: its bytes and events leave the ledger, and what it records later is not charged. */
function release(ledger: Ledger, entry: ConnectionTimeline | RequestTimeline): void {
  ledger.bytes -= entry.heldBytes;
  ledger.events -= entry.eventCount;
  entry.ledger = detached();
}

// Estimates of shared, frozen, flat details (the front's and the policies' constant events, a handful recorded on
// every request): they cannot change. A small identity cache, scanned in order (cheaper than a WeakMap look-up).
const ESTIMATE_SLOTS = 16;
const estimatedDetails: (object | undefined)[] = new Array(ESTIMATE_SLOTS).fill(undefined);
const estimatedBytes: number[] = new Array(ESTIMATE_SLOTS).fill(0);
let nextEstimateSlot = 0;

function estimateDetail(detail: Readonly<Record<string, unknown>>): number {
  for (let i = 0; i < ESTIMATE_SLOTS; i++) if (estimatedDetails[i] === detail) return estimatedBytes[i]!;
  const bytes = estimateValue(detail, 4);
  // Freezing is shallow: only a detail of primitives is sure to keep its size.
  if (Object.isFrozen(detail) && Object.values(detail).every((v) => v === null || typeof v !== 'object')) {
    estimatedDetails[nextEstimateSlot] = detail;
    estimatedBytes[nextEstimateSlot] = bytes;
    nextEstimateSlot = (nextEstimateSlot + 1) % ESTIMATE_SLOTS;
  }
  return bytes;
}

/** Charges one recorded event to the ledger; returns its bytes. */
function charge(ledger: Ledger, detail: Readonly<Record<string, unknown>> | undefined): number {
  const bytes = EVENT_BYTES + (detail ? estimateDetail(detail) : 0);
  ledger.bytes += bytes;
  ledger.events++;
  return bytes;
}

// Sizes in V8's heap on x64 without pointer compression (Node 20): 8 bytes a slot, 24 bytes of object header, strings
// 24 + their length, doubles boxed in 16. Counted as if no string were shared, so an upper bound; calibrated against
// bench/timeline-memory.ts, which measures the real heap with every detail deep-copied.
const ENTRY_BYTES = 850;
const ID_BYTES = 48;
const EVENT_BYTES = 24 + 7 * 8 + 16;

/** An event detail's heap bytes, nested objects and arrays included (a revocation check carries its chain). */
function estimateValue(v: unknown, depth: number): number {
  if (typeof v === 'string') return 8 + 24 + v.length;
  if (typeof v === 'number') return Number.isInteger(v) ? 8 : 24;
  if (v === null || typeof v !== 'object' || depth === 0) return 8;
  if (ArrayBuffer.isView(v)) return 8 + 24 + v.byteLength;
  let bytes = 8 + 24;
  if (Array.isArray(v)) {
    bytes += 24;
    for (const x of v) bytes += estimateValue(x, depth - 1);
  } else {
    for (const k in v) bytes += estimateValue((v as Record<string, unknown>)[k], depth - 1);
  }
  return bytes;
}
