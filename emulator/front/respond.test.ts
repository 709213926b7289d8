// writeResponse over real loopback sockets, HTTP/1.1 and HTTP/2: a text body (the echo's JSON) goes out as UTF-8
// with a Content-Length that counts bytes, not characters — the same bytes a Buffer body of that text gives.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, get, type Server, type ServerResponse } from 'node:http';
import { connect, createServer as createH2Server, type Http2Server, type Http2ServerResponse } from 'node:http2';
import type { AddressInfo } from 'node:net';
import type { GatewayResponse } from '../pipeline/contract';
import { REQUEST_ID_HEADER, writeResponse } from './respond';

// Multi-byte characters (2-, 3- and 4-byte UTF-8): a length in characters would cut the body short.
const TEXT = '{"note":"é€😀 plain ascii"}';
const bodies: Record<string, GatewayResponse['body']> = { '/text': TEXT, '/bytes': Buffer.from(TEXT, 'utf8') };
const answerOf = (path: string): GatewayResponse => ({ status: 200, headers: { 'content-type': 'application/json; charset=utf-8' }, body: bodies[path]! });

let h1: Server;
let h2: Http2Server;
beforeAll(async () => {
  h1 = createServer((req, res: ServerResponse) => writeResponse(res, 'r-1', answerOf(req.url!), { http2: false }));
  h2 = createH2Server((req, res: Http2ServerResponse) => writeResponse(res, 'r-2', answerOf(req.url), { http2: true }));
  await new Promise<void>((r) => h1.listen(0, '127.0.0.1', () => r()));
  await new Promise<void>((r) => h2.listen(0, '127.0.0.1', () => r()));
});
afterAll(async () => {
  await new Promise((r) => h1.close(r));
  await new Promise((r) => h2.close(r));
});

function fetchH1(path: string): Promise<{ headers: Record<string, unknown>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port: (h1.address() as AddressInfo).port, path, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ headers: res.headers, body: Buffer.concat(chunks) }));
    }).on('error', reject);
  });
}

function fetchH2(path: string): Promise<{ headers: Record<string, unknown>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const session = connect(`http://127.0.0.1:${(h2.address() as AddressInfo).port}`);
    session.on('error', reject);
    const stream = session.request({ ':path': path });
    let headers: Record<string, unknown> = {};
    const chunks: Buffer[] = [];
    stream.on('response', (h) => { headers = h; });
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => { session.close(); resolve({ headers, body: Buffer.concat(chunks) }); });
    stream.on('error', reject);
  });
}

describe('writeResponse: text bodies', () => {
  for (const [name, fetch] of [['HTTP/1.1', fetchH1], ['HTTP/2', fetchH2]] as const) {
    it(`${name}: a text body arrives as its UTF-8 bytes, Content-Length in bytes, identical to the Buffer body`, async () => {
      const text = await fetch('/text');
      const bytes = await fetch('/bytes');
      const expected = Buffer.from(TEXT, 'utf8');
      expect(expected.length).toBeGreaterThan(TEXT.length); // the fixture really has multi-byte characters
      expect(text.body.equals(expected)).toBe(true);
      expect(text.headers['content-length']).toBe(String(expected.length));
      expect(bytes.headers['content-length']).toBe(text.headers['content-length']);
      expect(bytes.body.equals(text.body)).toBe(true);
      expect(text.headers[REQUEST_ID_HEADER]).toBe(name === 'HTTP/2' ? 'r-2' : 'r-1');
    });
  }
});
