// Clients for the reliability tests: one mTLS HTTPS request, and a well-behaved client that keeps requesting
// while an attack runs and counts every answer that is not the expected 200.
import { request, Agent } from 'node:https';

export interface TlsClientAuth {
  readonly cert?: string;
  readonly key?: string;
  readonly ca: string;
}

export interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
  readonly ms: number;
}

export function httpsGet(url: string, auth: TlsClientAuth, opts: { agent?: Agent; timeoutMs?: number; method?: string; headers?: Record<string, string> } = {}): Promise<Answer> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(url, {
      method: opts.method ?? 'GET', cert: auth.cert, key: auth.key, ca: auth.ca, servername: 'localhost', agent: opts.agent ?? false,
      headers: opts.headers, timeout: opts.timeoutMs ?? 10_000,
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8'), ms: performance.now() - started }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${opts.timeoutMs ?? 10_000} ms`)));
    req.on('error', reject);
    req.end();
  });
}

export interface GoodClient {
  /** Stops the loop and returns what it saw. */
  stop(): Promise<{ ok: number; failures: string[]; maxMs: number }>;
}

/**
 * A well-behaved mTLS client: sequential requests, alternating a keep-alive connection and a fresh connection
 * (so both new handshakes and established connections are exercised during the attack). Every answer must be 200.
 */
export function startGoodClient(url: string, auth: TlsClientAuth, opts: { path?: string; timeoutMs?: number } = {}): GoodClient {
  const agent = new Agent({ keepAlive: true, maxSockets: 1, cert: auth.cert, key: auth.key, ca: auth.ca, servername: 'localhost' });
  let running = true;
  let ok = 0;
  let maxMs = 0;
  const failures: string[] = [];
  const loop = (async () => {
    for (let i = 0; running; i++) {
      try {
        const a = await httpsGet(`${url}${opts.path ?? '/validate/good'}`, auth, { agent: i % 2 ? agent : undefined, timeoutMs: opts.timeoutMs ?? 10_000 });
        maxMs = Math.max(maxMs, a.ms);
        if (a.status === 200) ok++;
        else failures.push(`status ${a.status}: ${a.body.slice(0, 200)}`);
      } catch (err) {
        failures.push(`error: ${(err as Error).message}`);
      }
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      agent.destroy();
      return { ok, failures, maxMs };
    },
  };
}
