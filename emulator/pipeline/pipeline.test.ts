import { describe, expect, it } from 'vitest';
import { echoBackend as realEcho } from '../backend/echo';
import { bodyBytes, type Backend, type GatewayRequest, type GatewayResponse } from './contract';
import { createPipeline, type PipelineConfig, type PolicySource } from './pipeline';
import { call, echoBackend, type EchoReport } from './test-support/harness';

const src = (file: string, xml: string): PolicySource => ({ xml, file });
const doc = (sections: Partial<Record<'inbound' | 'backend' | 'outbound' | 'on-error', string>>) =>
  `<policies>${Object.entries(sections).map(([s, body]) => `<${s}>${body}</${s}>`).join('')}</policies>`;

function pipeline(p: { global?: string; api?: string; op?: string; post?: string } = {}, extra: Partial<PipelineConfig> = {}) {
  return createPipeline({
    globalPolicy: p.global ? src('global.xml', p.global) : undefined,
    apis: [
      {
        name: 'echo',
        path: 'echo',
        policy: p.api ? src('api.xml', p.api) : undefined,
        operations: [
          { name: 'get-item', method: 'GET', urlTemplate: '/items/{id}', policy: p.op ? src('op.xml', p.op) : undefined },
          { name: 'post-items', method: 'POST', urlTemplate: '/items', policy: p.post ? src('post.xml', p.post) : undefined },
        ],
      },
    ],
    certificates: new Map(),
    ...extra,
  });
}

const append = (v: string) => `<set-header name="x-order" exists-action="append"><value>${v}</value></set-header>`;

describe('<base/> composition: global → API → operation, per section', () => {
  it('runs each scope where its <base/> stands', async () => {
    const p = pipeline({
      global: doc({ inbound: append('global') }),
      api: doc({ inbound: `${append('api-before')}<base />${append('api-after')}` }),
      op: doc({ inbound: `<base />${append('operation')}` }),
    });
    const r = await call(p, 'GET', '/echo/items/1');
    expect((r.json() as EchoReport).headers['x-order']).toEqual(['api-before', 'global', 'api-after', 'operation']);
  });

  it('a scope without <base/> drops its parents; a missing section or policy inherits', async () => {
    const p = pipeline({
      global: doc({ inbound: append('global') }),
      api: doc({ inbound: `<base />${append('api')}`, outbound: '<set-header name="x-api-out" exists-action="override"><value>yes</value></set-header>' }),
      op: doc({ inbound: append('operation-only') }),
    });
    const r = await call(p, 'GET', '/echo/items/1');
    expect((r.json() as EchoReport).headers['x-order']).toEqual(['operation-only']);
    expect(r.headers['x-api-out']).toBe('yes'); // op has no outbound: the API's applies
    const post = await call(p, 'POST', '/echo/items');
    expect((post.json() as EchoReport).headers['x-order']).toEqual(['global', 'api']);
  });

  it('forwards by default; an operation whose backend section forwards nothing does not call the backend', async () => {
    const backend = echoBackend();
    await call(pipeline(), 'GET', '/echo/items/1', { backend });
    expect(backend.calls).toHaveLength(1);
    const none = echoBackend();
    const r = await call(pipeline({ op: doc({ backend: '' }) }), 'GET', '/echo/items/1', { backend: none });
    expect(none.calls).toHaveLength(0);
    expect(r.status).toBe(200);
    const global = echoBackend();
    await call(pipeline({ global: doc({ backend: '<base />' }), op: doc({ backend: '<base />' }) }), 'GET', '/echo/items/1', { backend: global });
    expect(global.calls).toHaveLength(1);
  });
});

describe('routing', () => {
  const p = createPipeline({
    apis: [
      { name: 'a', path: 'api', operations: [
        { name: 'by-id', method: 'GET', urlTemplate: '/orders/{id}' },
        { name: 'latest', method: 'GET', urlTemplate: '/orders/latest' },
        { name: 'lines', method: 'GET', urlTemplate: '/orders/{id}/lines/{line}' },
        { name: 'any', method: '*', urlTemplate: '/files/{*path}' },
      ] },
      { name: 'b', path: 'api/v2', operations: [{ name: 'v2', method: 'GET', urlTemplate: '/orders/{id}' }] },
    ],
    certificates: new Map(),
  });

  it('matches the API prefix and the operation template, with parameters', () => {
    expect(p.match('GET', '/api/orders/42')).toMatchObject({ apiName: 'a', operationName: 'by-id', params: { id: '42' } });
    expect(p.match('get', '/api/orders/a%20b?x=1')).toMatchObject({ operationName: 'by-id', params: { id: 'a b' } });
    expect(p.match('GET', '/api/orders/7/lines/3')).toMatchObject({ operationName: 'lines', params: { id: '7', line: '3' } });
    expect(p.match('DELETE', '/api/files/a/b.txt')).toMatchObject({ operationName: 'any', params: { path: 'a/b.txt' } });
  });

  it('prefers literal segments and the longest API prefix', () => {
    expect(p.match('GET', '/api/orders/latest')?.operationName).toBe('latest');
    expect(p.match('GET', '/api/v2/orders/1')?.apiName).toBe('b');
  });

  it('remembered matches are only a cache: the same answers before, while and after thousands of distinct paths pass', () => {
    const probes: [string, string][] = [['GET', '/api/orders/42'], ['get', '/api/orders/latest'], ['POST', '/api/orders/1'], ['PUT', '/api/files/x']];
    const before = probes.map(([m, path]) => JSON.stringify(p.match(m, path)));
    for (let i = 0; i < 3000; i++) {
      const path = `/api/orders/${i}`;
      expect(p.match(i % 2 ? 'GET' : 'HEAD', path)).toEqual(i % 2 ? { apiName: 'a', operationName: 'by-id', needs: expect.anything(), params: { id: String(i) } } : null);
      if (i % 500 === 0) expect(probes.map(([m, q]) => JSON.stringify(p.match(m, q)))).toEqual(before);
    }
    expect(probes.map(([m, q]) => JSON.stringify(p.match(m, q)))).toEqual(before);
  });

  it('returns null when nothing matches (the front answers 404)', () => {
    expect(p.match('GET', '/nope/orders/1')).toBeNull();
    expect(p.match('POST', '/api/orders/1')).toBeNull();
    expect(p.match('GET', '/api/orders')).toBeNull();
    expect(p.match('GET', '/apix/orders/1')).toBeNull();
  });

  it('exposes matched parameters and route names to expressions', async () => {
    const q = pipeline({ op: doc({ inbound: '<return-response><set-body>@(context.Request.MatchedParameters["id"] + "|" + context.Api.Name + "|" + context.Operation.Name + "|" + context.Operation.UrlTemplate + "|" + context.Request.Url.Path)</set-body></return-response>' }) });
    expect((await call(q, 'GET', '/echo/items/9')).text).toBe('9|echo|get-item|/items/{id}|/echo/items/9');
  });
});

describe('policies', () => {
  it('set-header in inbound edits the request; override, skip, append, delete', async () => {
    const p = pipeline({ op: doc({ inbound: [
      '<set-header name="X-Over" exists-action="override"><value>new</value></set-header>',
      '<set-header name="X-Skip" exists-action="skip"><value>new</value></set-header>',
      '<set-header name="X-App" exists-action="append"><value>b</value><value>c</value></set-header>',
      '<set-header name="X-Del" exists-action="delete" />',
      '<set-header name="X-New" exists-action="skip"><value>@(context.Request.Method)</value></set-header>',
    ].join('') }) });
    const r = await call(p, 'GET', '/echo/items/1', { headers: { 'x-over': 'old', 'x-skip': 'old', 'x-app': 'a', 'x-del': 'gone' } });
    const seen = (r.json() as EchoReport).headers;
    expect(seen['x-over']).toEqual(['new']);
    expect(seen['x-skip']).toEqual(['old']);
    expect(seen['x-app']).toEqual(['a', 'b', 'c']);
    expect(seen['x-del']).toBeUndefined();
    expect(seen['x-new']).toEqual(['GET']);
  });

  it('set-header, set-status and set-body in outbound edit the backend response', async () => {
    const p = pipeline({ op: doc({ outbound: '<set-status code="202" reason="Taken" /><set-header name="X-Backend" exists-action="delete" /><set-body>@(context.Response.StatusCode + ":" + context.Response.Body.As<string>().Length)</set-body>' }) });
    const r = await call(p, 'GET', '/echo/items/1');
    expect(r.status).toBe(202);
    expect(r.reason).toBe('Taken');
    expect(r.headers['X-Backend']).toBeUndefined();
    expect(r.text).toMatch(/^202:\d+$/);
  });

  it('set-body in inbound replaces the body the backend receives', async () => {
    const p = pipeline({ post: doc({ inbound: '<set-body>@(context.Request.Body.As<string>().ToUpper())</set-body>' }) });
    const r = await call(p, 'POST', '/echo/items', { body: 'hello' });
    expect((r.json() as EchoReport).body).toBe('HELLO');
  });

  it('set-variable then expressions read context.Variables', async () => {
    const p = pipeline({ op: doc({ inbound: '<set-variable name="who" value="@(context.Request.Headers.GetValueOrDefault(&quot;x-who&quot;, &quot;nobody&quot;))" /><set-variable name="lit" value="plain" /><return-response><set-body>@((string)context.Variables["who"] + "/" + context.Variables.GetValueOrDefault("lit", "?"))</set-body></return-response>' }) });
    expect((await call(p, 'GET', '/echo/items/1', { headers: { 'X-Who': 'ann' } })).text).toBe('ann/plain');
    expect((await call(p, 'GET', '/echo/items/1')).text).toBe('nobody/plain');
  });

  it('Headers.GetValueOrDefault joins repeated values with "," and ignores name case', async () => {
    const p = pipeline({ op: doc({ inbound: '<return-response><set-body>@(context.Request.Headers.GetValueOrDefault("X-MULTI", "none"))</set-body></return-response>' }) });
    expect((await call(p, 'GET', '/echo/items/1', { headers: { 'x-multi': ['a', 'b'] } })).text).toBe('a,b');
  });

  it('choose runs the first true when, else otherwise', async () => {
    const p = pipeline({ op: doc({ inbound: `<choose>
        <when condition="@(context.Request.Headers.ContainsKey("x-a"))"><return-response><set-status code="201" /></return-response></when>
        <when condition="@(context.Request.Headers.ContainsKey("x-b"))"><return-response><set-status code="202" /></return-response></when>
        <otherwise><return-response><set-status code="203" /></return-response></otherwise>
      </choose>` }) });
    expect((await call(p, 'GET', '/echo/items/1', { headers: { 'x-a': '1', 'x-b': '1' } })).status).toBe(201);
    expect((await call(p, 'GET', '/echo/items/1', { headers: { 'x-b': '1' } })).status).toBe(202);
    expect((await call(p, 'GET', '/echo/items/1')).status).toBe(203);
  });

  it('return-response stops the pipeline: no backend, no outbound', async () => {
    const backend = echoBackend();
    const p = pipeline({ op: doc({ inbound: '<return-response><set-status code="418" reason="Teapot" /><set-header name="X-R" exists-action="override"><value>1</value></set-header><set-body>short and stout</set-body></return-response>', outbound: '<set-status code="500" />' }) });
    const r = await call(p, 'GET', '/echo/items/1', { backend });
    expect([r.status, r.reason, r.headers['X-R'], r.text]).toEqual([418, 'Teapot', '1', 'short and stout']);
    expect(backend.calls).toHaveLength(0);
  });

  it('mock-response answers the status and content type without the backend', async () => {
    const backend = echoBackend();
    const r = await call(pipeline({ op: doc({ inbound: '<mock-response status-code="204" content-type="application/json" />' }) }), 'GET', '/echo/items/1', { backend });
    expect(r.status).toBe(204);
    expect(r.headers['Content-Type']).toBe('application/json');
    expect(backend.calls).toHaveLength(0);
  });

  it('check-header: missing, not allowed, case rules, allowed', async () => {
    const policy = (ignoreCase: boolean) => doc({ inbound: `<check-header name="X-Key" failed-check-httpcode="401" failed-check-error-message="Not authorized" ignore-case="${ignoreCase}"><value>Secret</value><value>other</value></check-header>` });
    const strict = pipeline({ op: policy(false) });
    const missing = await call(strict, 'GET', '/echo/items/1');
    expect(missing.status).toBe(401);
    expect(missing.json()).toEqual({ statusCode: 401, message: 'Not authorized' });
    expect((await call(strict, 'GET', '/echo/items/1', { headers: { 'x-key': 'secret' } })).status).toBe(401);
    expect((await call(strict, 'GET', '/echo/items/1', { headers: { 'x-key': 'Secret' } })).status).toBe(200);
    expect((await call(pipeline({ op: policy(true) }), 'GET', '/echo/items/1', { headers: { 'x-key': 'SECRET' } })).status).toBe(200);
  });

  it('forward-request: a backend that fails or times out is a 500 with the activity id', async () => {
    const failing: Backend = async () => {
      throw new Error('connection refused');
    };
    const r = await call(pipeline(), 'GET', '/echo/items/1', { backend: failing, id: 'act-1' });
    expect(r.status).toBe(500);
    expect(r.json()).toEqual({ statusCode: 500, message: 'Internal server error', activityId: 'act-1' });
    const never: Backend = () => new Promise(() => {});
    const slow = await call(pipeline({ op: doc({ backend: '<forward-request timeout="0" />', 'on-error': '<return-response><set-body>@(context.LastError.Source + "/" + context.LastError.Reason)</set-body></return-response>' }) }), 'GET', '/echo/items/1', { backend: never });
    expect(slow.text).toBe('forward-request/Timeout');
  });
});

describe('errors, on-error and context.LastError', () => {
  const failing = '<set-header name="X-T" exists-action="override" id="thumb"><value>@(context.Request.Certificate.Thumbprint)</value></set-header>';

  it('an expression that throws with no on-error: 500 with the activity id', async () => {
    const r = await call(pipeline({ op: doc({ inbound: failing }) }), 'GET', '/echo/items/1', { id: 'abc-123' });
    expect(r.status).toBe(500);
    expect(r.json()).toEqual({ statusCode: 500, message: 'Internal server error', activityId: 'abc-123' });
    expect(r.events.some((e) => e.kind === 'policy-error' && e.detail?.reason === 'ExpressionValueEvaluationFailure')).toBe(true);
  });

  it('on-error sees LastError (Source, Reason, Message, Section, Path, Scope, PolicyId) and its response wins', async () => {
    const onError = '<return-response><set-status code="599" reason="Custom" /><set-body>@{ var e = context.LastError; return e.Source + "|" + e.Reason + "|" + e.Section + "|" + e.Path + "|" + e.Scope + "|" + e.PolicyId + "|" + (e.Message.Length > 0); }</set-body></return-response>';
    const p = pipeline({ op: doc({ inbound: `<choose><when condition="@(true)">${failing}</when></choose>` }), api: doc({ 'on-error': onError }) });
    const r = await call(p, 'GET', '/echo/items/1');
    expect(r.status).toBe(599);
    expect(r.text).toBe('set-header|ExpressionValueEvaluationFailure|inbound|choose[1]\\when[1]\\set-header[1]|operation|thumb|True');
  });

  it('on-error that only edits keeps the error response', async () => {
    const p = pipeline({ op: doc({ inbound: failing, 'on-error': '<set-header name="X-Handled" exists-action="override"><value>@(context.LastError.Reason)</value></set-header>' }) });
    const r = await call(p, 'GET', '/echo/items/1');
    expect(r.status).toBe(500);
    expect(r.headers['X-Handled']).toBe('ExpressionValueEvaluationFailure');
    expect(r.json().message).toBe('Internal server error');
  });

  it('an error in outbound goes to on-error too; an error inside on-error is a plain 500', async () => {
    const out = pipeline({ op: doc({ outbound: '<set-status code="@(int.Parse(&quot;x&quot;))" />', 'on-error': '<return-response><set-body>@(context.LastError.Section + "/" + context.LastError.Source)</set-body></return-response>' }) });
    expect((await call(out, 'GET', '/echo/items/1')).text).toBe('outbound/set-status');
    const twice = pipeline({ op: doc({ inbound: failing, 'on-error': failing }) });
    const r = await call(twice, 'GET', '/echo/items/1', { id: 'x' });
    expect([r.status, r.json().activityId]).toEqual([500, 'x']);
  });
});

describe('needs.readsClientCertificate', () => {
  it('is true only where the composed chain reads the certificate', () => {
    const reads = (p: ReturnType<typeof pipeline>, method = 'GET', path = '/echo/items/1') => p.match(method, path)!.needs.readsClientCertificate;
    expect(reads(pipeline())).toBe(false);
    expect(reads(pipeline({ op: doc({ inbound: '<set-variable name="m" value="@(context.Request.Method)" />' }) }))).toBe(false);
    expect(reads(pipeline({ op: doc({ inbound: '<validate-client-certificate validate-revocation="false" />' }) }))).toBe(true);
    expect(reads(pipeline({ op: doc({ outbound: '<set-header name="x" exists-action="override"><value>@(context.Request.Certificate?.Subject ?? "")</value></set-header>' }) }))).toBe(true);
    const viaGlobal = pipeline({ global: doc({ inbound: '<choose><when condition="@(context.Request.Certificate == null)"><return-response><set-status code="403" /></return-response></when></choose>' }) });
    expect(reads(viaGlobal)).toBe(true);
    // An operation that drops <base/> drops the global check, and with it the need.
    const dropped = pipeline({ global: doc({ inbound: '<validate-client-certificate />' }), post: doc({ inbound: '' }) });
    expect(reads(dropped, 'POST', '/echo/items')).toBe(false);
    expect(reads(dropped)).toBe(true);
  });
});

describe('loading happens once', () => {
  it('execute never re-reads or re-parses a policy source', async () => {
    let reads = 0;
    const xml = doc({ inbound: '<set-header name="x" exists-action="override"><value>@(context.Request.Method)</value></set-header>' });
    const counted = { file: 'counted.xml', get xml() { reads++; return xml; } };
    const p = createPipeline({ apis: [{ name: 'echo', path: 'echo', operations: [{ name: 'op', method: 'GET', urlTemplate: '/x', policy: counted }] }], certificates: new Map() });
    const afterLoad = reads;
    for (let i = 0; i < 50; i++) expect((await call(p, 'GET', '/echo/x')).status).toBe(200);
    expect(afterLoad).toBeGreaterThan(0);
    expect(reads).toBe(afterLoad);
  });
});

describe('execute: synchronous when nothing waits (contract.ts)', () => {
  const request = (path: string): GatewayRequest => ({
    id: 'sync-1', method: 'GET', url: new URL(`https://gateway.test${path}`), headers: {}, ipAddress: '127.0.0.1',
    body: Buffer.alloc(0), protocol: 'HTTP/1.1', certificate: null,
  });

  it('answers with the response itself for a backend that answers at once, and a promise of the same for one that waits', async () => {
    const p = pipeline();
    const match = p.match('GET', '/echo/items/7')!;
    const sync = p.execute(match, request('/echo/items/7'), realEcho, () => {});
    expect(sync).not.toBeInstanceOf(Promise);
    const waiting = p.execute(match, request('/echo/items/7'), async (req) => realEcho(req), () => {});
    expect(waiting).toBeInstanceOf(Promise);
    const [a, b] = [sync as GatewayResponse, await waiting];
    expect(bodyBytes(a.body).equals(bodyBytes(b.body))).toBe(true);
    expect(JSON.parse(bodyBytes(a.body).toString('utf8')).path).toBe('/echo/items/7');
  });

  it('a failure on the synchronous path still reaches on-error (as a promise) and never throws out of execute', async () => {
    const p = pipeline({ op: doc({ inbound: '<set-header name="x" exists-action="override"><value>@(context.Request.Certificate.Thumbprint)</value></set-header>' }) });
    const result = p.execute(p.match('GET', '/echo/items/1')!, request('/echo/items/1'), realEcho, () => {});
    expect((await result).status).toBe(500);
  });

  it('policies read a backend\'s text body as the same text (context.Response.Body.As<string>())', async () => {
    const p = pipeline({ op: doc({ outbound: '<set-body>@("seen:" + context.Response.Body.As<string>())</set-body>' }) });
    const r = await call(p, 'GET', '/echo/items/3?q=%C3%A9', { backend: realEcho, headers: { 'x-note': 'ünïcode' } });
    expect(r.text.startsWith('seen:')).toBe(true);
    const echoed = JSON.parse(r.text.slice('seen:'.length));
    expect(echoed.query).toEqual({ q: ['é'] });
    expect(echoed.headers['x-note']).toEqual(['ünïcode']);
  });
});
