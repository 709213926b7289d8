// What the emulator's timeline store costs in heap: the events of one real validate-client-certificate request
// (taken from a running emulator, revocation answered from its cache as under load; details deep-copied through JSON, strings unshared, so an upper bound) recorded into a fresh TimelineStore for N requests over C connections, heapUsed
// measured after a forced GC before and after; then filled past its cap to show it levels off. Also compares the
// store's own estimate (TimelineStore.stats().approxBytes) with the measurement.
//
//   node --expose-gc --import tsx bench/timeline-memory.ts [--requests 10000] [--per-connection 100]
import { request } from 'node:https';
import { startLab, labConfig } from '../test/reliability/support/lab';
import { startEmulator } from '../emulator/index';
import { TimelineStore, type RecordedEvent } from '../emulator/front/timeline';
import { forceGc } from '../test/reliability/support/memory-probe';

const arg = (name: string, fallback: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
};
const MiB = 2 ** 20;

async function sampleRequestEvents(): Promise<{ path: string; events: readonly RecordedEvent[]; connectionEvents: readonly RecordedEvent[] }> {
  const lab = await startLab();
  const emu = await startEmulator(labConfig(lab));
  try {
    const c = lab.client('client-valid-ec');
    const path = '/validate/round1/c123/r45';
    // The third request: revocation answered from the cache, as for nearly every request under load.
    const get = () => new Promise<string>((resolve, reject) => {
      const req = request(`${emu.url}${path}`, { ...c, servername: 'localhost', agent: false }, (res) => {
        res.resume();
        res.on('end', () => resolve(String(res.headers['x-certgate-request-id'])));
      });
      req.on('error', reject);
      req.end();
    });
    await get();
    await get();
    const id = await get();
    await new Promise((r) => setTimeout(r, 200));
    const snap = emu.timeline(id)!;
    return { path, events: snap.events, connectionEvents: emu.connections().find((x) => x.id === snap.connectionId)!.events };
  } finally {
    await emu.close();
    await lab.close();
  }
}

/** Records the sample's events (fresh detail objects each time, as the front does) into the store. */
function fill(store: TimelineStore, requests: number, perConnection: number, sample: Awaited<ReturnType<typeof sampleRequestEvents>>): void {
  for (let i = 0; i < requests; i += perConnection) {
    const conn = store.openConnection('localhost', '127.0.0.1', 40000 + (i % 20000));
    for (const e of sample.connectionEvents) conn.record(e.kind, e.detail ? JSON.parse(JSON.stringify(e.detail)) as Record<string, unknown> : undefined);
    for (let k = 0; k < perConnection && i + k < requests; k++) {
      const r = store.openRequest(conn, 'GET', sample.path.replace('45', String(k)), 'HTTP/1.1', 'TLSv1.3');
      for (const e of sample.events) r.record(e.kind, e.detail ? JSON.parse(JSON.stringify(e.detail)) as Record<string, unknown> : undefined);
      r.status = 200;
    }
    conn.open = false;
  }
}

async function main(): Promise<void> {
  if (!(await forceGc())) throw new Error('run with --expose-gc: node --expose-gc --import tsx bench/timeline-memory.ts');
  const requests = Number(arg('requests', '10000'));
  const perConnection = Number(arg('per-connection', '100'));
  const sample = await sampleRequestEvents();
  const heap = async () => { await forceGc(); return process.memoryUsage().heapUsed; };

  const rows: string[][] = [['store', 'requests held', 'connections held', 'events', 'heap MiB', 'measured B/request', 'estimate B/request']];
  const store = new TimelineStore(requests);
  const empty = await heap();
  fill(store, requests, perConnection, sample);
  const full = await heap();
  const s1 = store.stats();
  const per = (full - empty) / requests;
  rows.push([`filled to cap ${requests}`, `${s1.requests}`, `${s1.connections}`, `${s1.events}`, ((full - empty) / MiB).toFixed(1), per.toFixed(0), (s1.approxBytes / requests).toFixed(0)]);
  fill(store, requests * 2, perConnection, sample);
  const past = await heap();
  const s2 = store.stats();
  rows.push([`then 2× cap more`, `${s2.requests}`, `${s2.connections}`, `${s2.events}`, ((past - empty) / MiB).toFixed(1), ((past - empty) / s2.requests).toFixed(0), (s2.approxBytes / s2.requests).toFixed(0)]);

  console.log(`\ncertgate timeline store — heap per entry (sample: ${sample.events.length} events per request, ${sample.connectionEvents.length} per connection, ${perConnection} requests per connection)\n`);
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  for (const r of rows) console.log('  ' + r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  '));
  console.log(`\n  events of one request: ${sample.events.map((e) => e.kind).join(', ')}`);
  console.log(`  past the cap: heap ×${(past / full).toFixed(3)} of the full store (levels off: entries held ${s2.requests} = cap, evicted ${s2.evicted.requests})`);
}

void main();
