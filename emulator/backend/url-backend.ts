// A real backend behind the gateway: the request goes to `base` + the path after the API's prefix + the query,
// like APIM's service URL. Hop-by-hop headers are not forwarded.
import { request } from 'undici';
import type { Backend } from '../pipeline/contract';

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer', 'host', 'content-length', 'expect']);

export function urlBackend(base: string, apiPath: string): Backend {
  const baseUrl = new URL(base);
  const prefix = apiPath ? `/${apiPath}` : '';
  return async (req) => {
    const rest = req.url.pathname.startsWith(prefix) ? req.url.pathname.slice(prefix.length) : req.url.pathname;
    const target = new URL(baseUrl.pathname.replace(/\/$/, '') + rest + req.url.search, baseUrl);
    const headers: Record<string, string[]> = {};
    for (const [k, v] of Object.entries(req.headers)) if (!HOP_BY_HOP.has(k)) headers[k] = [...v];
    const res = await request(target, { method: req.method as 'GET', headers, body: req.body.length > 0 ? req.body : undefined });
    const body = Buffer.from(await res.body.arrayBuffer());
    const out: Record<string, string | string[]> = {};
    for (const [k, v] of Object.entries(res.headers)) if (v !== undefined && !HOP_BY_HOP.has(k)) out[k] = v;
    return { status: res.statusCode, headers: out, body };
  };
}
