// Policy pipeline cost per request, without sockets: match() + execute() against an in-process echo backend.
// Rows: a bare backend call (the floor), pass-through, validate-client-certificate, and the docs' thumbprint policy;
// then the front's timeline bookkeeping for one keep-alive request (what request-handler.ts records on
// /validate/echo: open + 7 events, the store at its 10,000-entry limit), over 32 connections and over one, because
// on the keep-alive path it costs as much as the whole pipeline.
// Run: node --import tsx bench/pipeline-bench.ts   (figures are noisy on a shared machine: compare the ratios)

import { createPipeline } from '../emulator/pipeline/pipeline';
import { policyLibrary } from '../emulator/pipeline/library/policy-library';
import type { Backend, GatewayRequest, Pipeline } from '../emulator/pipeline/contract';
import { createPipelinePki } from '../emulator/pipeline/test-support/openssl-pki';
import { TimelineStore } from '../emulator/front/timeline';

/** One request's timeline as the front and the pipeline record it on the keep-alive bench route. */
function timelineRun(connections: number): () => Promise<void> {
  const store = new TimelineStore();
  const counters = { bytesRead: 1000, bytesWritten: 2000 };
  const conns = Array.from({ length: connections }, (_, i) => {
    const c = store.openConnection('localhost', '127.0.0.1', 40_000 + i);
    c.counters = () => counters;
    return c;
  });
  for (let i = 0; i < 12_000; i++) store.openRequest(conns[i % connections]!, 'GET', '/validate/echo', 'HTTP/1.1', 'TLSv1.2'); // fill to the limit
  let n = 0;
  return async () => {
    const r = store.openRequest(conns[n++ % connections]!, 'GET', '/validate/echo', 'HTTP/1.1', 'TLSv1.2');
    r.record('route', { api: 'validate', operation: 'any', readsClientCertificate: true });
    r.record('plan', { obtain: 'none', bodyRule: 'stream', certificate: 'connection', why: 'certificate from the first handshake' });
    r.record('body-read', { bytes: 0, overflow: false });
    r.record('pipeline-start', { certificate: true });
    r.recordEvent({ kind: 'policy', detail: { policy: 'validate-client-certificate', result: 'passed' } });
    r.recordEvent({ kind: 'backend', detail: { status: 200 } });
    r.record('response', { status: 200, bytes: 596, close: false });
  };
}

const ITERATIONS = Number(process.env.ITERATIONS ?? 50_000);

const echo: Backend = async (req) => ({ status: 200, reason: 'OK', headers: { 'content-type': 'application/json' }, body: Buffer.from(`{"method":"${req.method}"}`) });

async function measure(label: string, run: () => Promise<unknown>): Promise<{ label: string; perSecond: number }> {
  for (let i = 0; i < 2_000; i++) await run(); // warm up
  const start = process.hrtime.bigint();
  for (let i = 0; i < ITERATIONS; i++) await run();
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  return { label, perSecond: ITERATIONS / seconds };
}

const pki = await createPipelinePki();
try {
  const cert = pki.fresh('valid');
  await cert.prepare(); // as the front does before execute: revocation fetched once, then cached on the instance
  const request = (certificate = cert): GatewayRequest => ({
    id: 'bench',
    method: 'GET',
    url: new URL('https://gateway.test/api/'),
    headers: { host: ['gateway.test'], 'user-agent': ['bench'] },
    ipAddress: '127.0.0.1',
    body: Buffer.alloc(0),
    protocol: 'HTTP/1.1',
    certificate,
  });
  const make = (xml: string): Pipeline =>
    createPipeline({ apis: [{ name: 'api', path: 'api', operations: [{ name: 'get', method: 'GET', urlTemplate: '/', policy: { xml, file: 'bench.xml' } }] }], certificates: new Map([['root', pki.root]]) });
  const through = (p: Pipeline) => async () => {
    const m = p.match('GET', '/api/')!;
    const r = await p.execute(m, request(), echo, () => {});
    if (r.status !== 200) throw new Error(`unexpected ${r.status}`);
  };
  const rows = [
    await measure('backend call only (floor)', async () => echo({ method: 'GET', url: new URL('https://gateway.test/api/'), headers: {}, body: Buffer.alloc(0), clientCertificate: cert })),
    await measure('pass-through', through(make(policyLibrary('pass-through')))),
    await measure('validate-client-certificate (all checks, identity)', through(make(policyLibrary('validate-client-certificate', { identity: { thumbprint: cert.thumbprint } })))),
    await measure("docs' thumbprint policy (Verify() + ==)", through(make(policyLibrary('thumbprint', { thumbprint: cert.thumbprint })))),
  ];
  const base = rows[1]!.perSecond;
  console.log(`iterations per row: ${ITERATIONS} (measured under load: compare ratios, not absolutes)`);
  console.log('| case | requests/s | µs/request | vs pass-through |');
  console.log('|---|---:|---:|---:|');
  for (const r of rows) console.log(`| ${r.label} | ${Math.round(r.perSecond).toLocaleString('en')} | ${(1e6 / r.perSecond).toFixed(2)} | ${(r.perSecond / base).toFixed(2)}× |`);
  const timeline = [
    await measure('front timeline per request, 32 keep-alive connections', timelineRun(32)),
    await measure('front timeline per request, 1 keep-alive connection', timelineRun(1)),
  ];
  for (const r of timeline) console.log(`| ${r.label} | ${Math.round(r.perSecond).toLocaleString('en')} | ${(1e6 / r.perSecond).toFixed(2)} | ${(r.perSecond / base).toFixed(2)}× |`);
} finally {
  await pki.close();
}
