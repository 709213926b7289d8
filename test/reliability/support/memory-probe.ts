// The emulator-side half of the load bench and of the reliability memory test (a child process started with
// --expose-gc): answers IPC messages from the parent with descriptors, memory after a forced GC, the timeline
// entries the emulator holds and live object counts, writes heap snapshots on demand, and stops the emulator.
//   'usage' → Usage after GC · 'usage-no-gc' → Usage as is · 'fds' → { fds } (cheap, for samplers) ·
//   'usage-gc-only' → Usage after GC without the timeline walk · 'open' → connections the emulator still has open ·
//   'live' → LiveObjects · 'snapshot:<path>' → writes a .heapsnapshot, answers the path · 'stop' → closes, exits 0
import type { ChildProcess } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { TLSSocket } from 'node:tls';
import * as v8 from 'node:v8';
import type { RunningEmulator } from '../../../emulator/index';
import { ConnectionTimeline, DEFAULT_TIMELINE_LIMIT, RequestTimeline } from '../../../emulator/front/timeline';

export interface TimelineHeld {
  readonly connections: number;
  /** Request entries reachable from the held connections (the store keeps at most `limit` of each). */
  readonly requests: number;
  readonly limit: number;
  /** Failure events on the held connection entries, by kind and code (handshake-failed:ECONNRESET …). */
  readonly failures: Readonly<Record<string, number>>;
}

export interface Usage {
  readonly fds: number;
  readonly rss: number;
  readonly heapUsed: number;
  readonly external: number;
  readonly arrayBuffers: number;
  readonly connectionsOpen: number;
  readonly timeline: TimelineHeld;
}

/** Objects alive after a full GC (v8.queryObjects collects first): closed sockets must not be among them. */
export interface LiveObjects {
  readonly tlsSockets: number;
  readonly connectionTimelines: number;
  readonly requestTimelines: number;
}

// Node 20.13+ (experimental there, stable API in 22): counts the live objects whose prototype chain holds the
// constructor's prototype.
const queryObjects = (v8 as unknown as { queryObjects?: (ctor: unknown, o: { format: 'count' }) => number }).queryObjects;

export function liveObjects(): LiveObjects {
  if (!queryObjects) throw new Error(`v8.queryObjects is not available in Node ${process.version} (needs 20.13 or later)`);
  return {
    tlsSockets: queryObjects(TLSSocket, { format: 'count' }),
    connectionTimelines: queryObjects(ConnectionTimeline, { format: 'count' }),
    requestTimelines: queryObjects(RequestTimeline, { format: 'count' }),
  };
}

const gc = (globalThis as { gc?: () => void }).gc;
const tick = () => new Promise((r) => setImmediate(r));

/** Two full GCs with a turn of the event loop between: native handles freed by the first run their finalizers. */
export async function forceGc(): Promise<boolean> {
  if (!gc) return false;
  gc();
  await tick();
  gc();
  await tick();
  return true;
}

const FAILURE_KINDS = new Set(['handshake-failed', 'socket-error', 'http-error', 'connection-closed']);

function timelineHeld(emu: RunningEmulator, limit: number): TimelineHeld {
  const connections = emu.connections();
  let requests = 0;
  const failures: Record<string, number> = {};
  for (const c of connections) {
    for (const id of c.requests) if (emu.timeline(id)) requests++;
    for (const e of c.events) {
      if (!FAILURE_KINDS.has(e.kind)) continue;
      const key = `${e.kind}:${String(e.detail?.code ?? e.detail?.reason ?? '')}`;
      failures[key] = (failures[key] ?? 0) + 1;
    }
  }
  return { connections: connections.length, requests, limit, failures };
}

/** `withTimeline` false: no walk over the held request entries (connections are still listed, for the open count). */
export function usageOf(emu: RunningEmulator, limit = DEFAULT_TIMELINE_LIMIT, withTimeline = true): Usage {
  const timeline = withTimeline ? timelineHeld(emu, limit) : { connections: -1, requests: -1, limit, failures: {} };
  const connectionsOpen = emu.connections().filter((x) => x.open).length;
  const m = process.memoryUsage();
  return { fds: readdirSync('/proc/self/fd').length, rss: m.rss, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers, connectionsOpen, timeline };
}

/** A question from the parent: a bare command, or { id, msg } to have the answer tagged { id, answer }. */
type Question = string | { id: number; msg: string };

export function startMemoryProbe(emu: RunningEmulator, stop: () => Promise<void>): void {
  process.on('message', async (question: Question) => {
    const msg = typeof question === 'string' ? question : question.msg;
    const reply = (answer: unknown) => process.send!(typeof question === 'string' ? answer : { id: question.id, answer });
    await answer(emu, msg, reply, stop);
  });
}

/** Asks a probe child and waits for the answer to THIS question (a sampler may have others in flight). */
let nextId = 0;
export function askProbe<T>(child: ChildProcess, msg: string): Promise<T> {
  const id = ++nextId;
  return new Promise((resolve) => {
    const on = (m: unknown) => {
      if (typeof m === 'object' && m !== null && (m as { id?: unknown }).id === id) {
        child.off('message', on);
        resolve((m as { answer: T }).answer);
      }
    };
    child.on('message', on);
    child.send({ id, msg });
  });
}

async function answer(emu: RunningEmulator, msg: string, reply: (answer: unknown) => void, stop: () => Promise<void>): Promise<void> {
  if (msg === 'usage') {
    // Count the timeline first (it allocates snapshots), then collect, then read memory.
    const timeline = timelineHeld(emu, DEFAULT_TIMELINE_LIMIT);
    await forceGc();
    reply({ ...usageOf(emu, DEFAULT_TIMELINE_LIMIT, false), timeline } satisfies Usage);
  } else if (msg === 'usage-gc-only') {
    await forceGc();
    reply(usageOf(emu, DEFAULT_TIMELINE_LIMIT, false));
  } else if (msg === 'usage-no-gc') reply(usageOf(emu));
  else if (msg === 'fds') reply({ fds: readdirSync('/proc/self/fd').length });
  else if (msg === 'open') reply(usageOf(emu, DEFAULT_TIMELINE_LIMIT, false).connectionsOpen);
  else if (msg === 'live') reply(liveObjects());
  else if (msg.startsWith('snapshot:')) {
    await forceGc();
    reply(v8.writeHeapSnapshot(msg.slice('snapshot:'.length)));
  } else if (msg === 'stop') {
    await stop();
    process.exit(0);
  }
}
