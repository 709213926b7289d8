import { createServer, connect, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { DEFAULT_TIMELINE_LIMIT, MAX_EVENTS_PER_ENTRY, TimelineStore } from './timeline';

/** A real loopback TCP pair: the server side's byte counters are what the front points a connection entry at. */
async function socketPair(): Promise<{ server: Socket; client: Socket; close(): Promise<void> }> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const accepted = new Promise<Socket>((r) => srv.once('connection', r));
  const client = connect((srv.address() as { port: number }).port, '127.0.0.1');
  const server = await accepted;
  return { server, client, close: () => new Promise((r) => { client.destroy(); server.destroy(); srv.close(() => r()); }) };
}

describe('ConnectionTimeline byte counters', () => {
  it('reads a live socket while open, and keeps the final counts (not the socket) once closed', async () => {
    const pair = await socketPair();
    try {
      const store = new TimelineStore();
      const t = store.openConnection('localhost', '127.0.0.1', 1);
      t.counters = () => pair.server;
      const got = new Promise((r) => pair.server.once('data', r));
      pair.client.write('hello');
      await got;
      t.record('data');
      expect(t.events.at(-1)!.bytesRead).toBe(5);

      t.open = false;
      // The entry no longer hands out the socket: a held entry must not keep a dead socket and its buffers alive.
      expect(t.counters()).not.toBe(pair.server);
      pair.server.write('late bytes after close');
      await new Promise((r) => pair.client.once('data', r));
      t.record('closed');
      expect(t.events.at(-1)).toMatchObject({ bytesRead: 5, bytesWritten: 0 });
      expect(store.connection(t.id)).toMatchObject({ open: false, bytesRead: 5, bytesWritten: 0 });
    } finally {
      await pair.close();
    }
  });
});

describe('TimelineStore bounds', () => {
  it('drops the oldest entries past its cap and the connection stops listing the dropped request ids', () => {
    const store = new TimelineStore(5);
    const conn = store.openConnection('localhost');
    const ids = Array.from({ length: 12 }, (_, i) => store.openRequest(conn, 'GET', `/r${i}`, 'HTTP/1.1').id);
    const kept = ids.slice(-5);
    expect(store.connection(conn.id)!.requests).toEqual(kept);
    expect(ids.filter((id) => store.request(id) !== undefined)).toEqual(kept);
    expect(store.stats()).toMatchObject({ requests: 5, connections: 1, limit: 5, evicted: { requests: 7, connections: 0 } });

    for (let i = 0; i < 7; i++) store.openConnection('localhost');
    expect(store.stats()).toMatchObject({ connections: 5, evicted: { connections: 3 } });
    expect(store.connection(conn.id)).toBeUndefined();
  });

  it('one keep-alive connection carrying far more requests than the cap keeps a bounded id list', () => {
    const store = new TimelineStore(100);
    const conn = store.openConnection('localhost');
    const ids = Array.from({ length: 20_000 }, (_, i) => store.openRequest(conn, 'GET', `/r${i}`, 'HTTP/1.1').id);
    expect(store.connection(conn.id)!.requests).toEqual(ids.slice(-100));
    // Forgotten ids are cut off in bulk once they are half the list (and at least 64).
    expect(conn.requests.length).toBeLessThanOrEqual(2 * 100 + 64);
  });

  it('keeps the first MAX_EVENTS_PER_ENTRY events of an entry and counts the rest', () => {
    const store = new TimelineStore();
    const conn = store.openConnection('localhost');
    const r = store.openRequest(conn, 'POST', '/x', 'HTTP/1.1');
    for (let i = 0; i < MAX_EVENTS_PER_ENTRY + 25; i++) { conn.record('tick', { i }); r.record('tick', { i }); }
    for (const snap of [store.connection(conn.id)!, store.request(r.id)!]) {
      expect(snap.events).toHaveLength(MAX_EVENTS_PER_ENTRY);
      expect(snap.events[0]!.detail).toEqual({ i: 0 });
      expect(snap.eventsDropped).toBe(25);
    }
  });

  it('estimates held bytes from what the entries hold: a 100,000-character detail adds at least its length', () => {
    const store = new TimelineStore();
    const conn = store.openConnection('localhost');
    const small = store.openRequest(conn, 'GET', '/a', 'HTTP/1.1');
    small.record('x', { note: 'short' });
    const before = store.stats();
    const big = store.openRequest(conn, 'GET', '/b', 'HTTP/1.1');
    big.record('x', { note: 'y'.repeat(100_000), nested: { list: ['z'.repeat(50_000)] } });
    const after = store.stats();
    expect(after.events).toBe(before.events + 1);
    expect(after.approxBytes - before.approxBytes).toBeGreaterThanOrEqual(150_000);
    expect(after.approxBytes - before.approxBytes).toBeLessThan(200_000);
  });

  it('stays under its byte bound: 16 KiB request targets evict the oldest entries before the count cap is reached', () => {
    const maxBytes = 1_000_000;
    const store = new TimelineStore(DEFAULT_TIMELINE_LIMIT, maxBytes);
    const conn = store.openConnection('localhost');
    const target = `/${'a'.repeat(16 * 1024)}`;
    for (let i = 0; i < 500; i++) store.openRequest(conn, 'GET', target, 'HTTP/1.1').record('response', { status: 414 });
    const s = store.stats();
    // 500 × 16 KiB of targets alone is 8 MB: most must have gone, and what is held fits the bound.
    expect(s.approxBytes).toBeLessThanOrEqual(maxBytes);
    expect(s.requests).toBeLessThan(1_000_000 / (16 * 1024));
    expect(s.requests + s.evicted.requests).toBe(500);
    expect(store.connection(conn.id)!.requests).toHaveLength(s.requests);
  });

  it('stops charging an evicted entry that keeps recording, so the held total returns to what the held entries cost', () => {
    const store = new TimelineStore(1);
    const first = store.openConnection('localhost');
    const empty = store.stats().approxBytes;
    store.openConnection('localhost'); // evicts `first`
    const one = store.stats().approxBytes;
    expect(one).toBe(empty);
    first.record('closed', { note: 'x'.repeat(10_000) });
    expect(store.stats()).toMatchObject({ approxBytes: one, events: 0, connections: 1 });
  });
});
