// The default target: certgate's own emulator, started in-process, one instance per distinct setup (shared by the
// scenarios with that setup), on loopback with ephemeral ports. The setup becomes an emulator configuration shaped
// like APIM's resource (apim-setup.ts); a configuration the emulator refuses (a CA upload on Consumption, eleven
// identities, …) is the observation 'setup-rejected' with the emulator's own message.

import type { Pki } from '../../ca/index';
import { startEmulator, type EmulatorConfigInput, type RunningEmulator } from '../../emulator/index';
import type { TimelinePoint } from '../result';
import { apimSettingsFor } from './apim-setup';
import { chainPem } from './pki-facts';
import type { ConcreteSetup, PrepareResult, ServerTimelineRef, Target } from './target';

export interface EmulatorTargetOptions {
  /**
   * How long a deadlocked renegotiation is held before the emulator gives its documented answer. The real gateway
   * holds for minutes; tests want it short so a run stays fast (a scenario's setup.emulation.deadlockTimeoutMs wins).
   */
  readonly renegotiationTimeoutMs?: number;
  /** Extra emulation settings for every setup (fault switches, buffer sizes): merged under the scenario's own. */
  readonly emulation?: Readonly<Record<string, unknown>>;
}

/**
 * Longer than the clients' 1 s stall window, so a deadlock is decided by stall detection (as against a real gateway
 * that holds for minutes), yet short enough that the emulator frees the held connection soon after.
 */
export const DEFAULT_TEST_RENEGOTIATION_TIMEOUT_MS = 2500;

// Errors that mean "the configuration was refused" rather than "the harness broke".
const REFUSALS = new Set(['ConfigError', 'PolicyLoadError', 'ResolveError', 'ExpressionSyntaxError', 'TemplateError']);
const isRefusal = (err: unknown): err is Error =>
  err instanceof Error && (REFUSALS.has(err.name) || REFUSALS.has(err.constructor.name));

/** The emulator configuration for one setup (pure: no sockets); also for targets that run the emulator elsewhere (containers). */
export function emulatorConfigFor(setup: ConcreteSetup, pki: Pki, options: EmulatorTargetOptions = {}): EmulatorConfigInput {
  const s = apimSettingsFor(setup, pki);
  const server = pki.get('server');
  const e = setup.emulation ?? {};
  const emulation: Record<string, unknown> = {
    renegotiationTimeoutMs: options.renegotiationTimeoutMs ?? DEFAULT_TEST_RENEGOTIATION_TIMEOUT_MS,
    ...options.emulation,
  };
  if (e.deadlockTimeoutMs !== undefined) emulation.renegotiationTimeoutMs = e.deadlockTimeoutMs;
  if (e.renegotiationBodyThreshold !== undefined) emulation.renegotiationBufferBytes = e.renegotiationBodyThreshold;
  if (e.h2WithoutNegotiate) emulation.h2WithoutNegotiate = e.h2WithoutNegotiate === 'http-1-1-required' ? 'http-1.1-required' : 'null-certificate';
  return {
    sku: s.sku,
    hostnameConfigurations: [
      { hostName: 'localhost', certificate: { pem: chainPem(server), key: server.keyPem }, negotiateClientCertificate: s.negotiateClientCertificate },
    ],
    enableClientCertificate: s.enableClientCertificate,
    customProperties: { ...s.customProperties },
    certificates: Object.fromEntries(
      s.certificates.map((c) => [c.id, c.format === 'cer' ? { cer: c.base64 } : { pfx: c.base64, password: c.password ?? '' }]),
    ),
    caCertificates: s.caCertificates.map((c) => ({ store: c.store, certificate: { cer: c.base64 } })),
    backend: 'echo',
    // One API at the root: the scenario's policy at API scope under APIM's default global policy (forward-request).
    apis: [{ name: 'conformance', path: '', policy: s.policyXml }],
    emulation: emulation as EmulatorConfigInput['emulation'],
    ...(s.applicationGateway
      ? {
          applicationGateway: {
            mode: s.applicationGateway.mode,
            headerName: s.applicationGateway.headerName,
            port: 0,
            // Application Gateway's own "trusted client CA certificate chain": the PKI's roots and the intermediates
            // below them, so a client that sends only its leaf is still verified (strict mode).
            trustedRoots: clientCaChain(pki).map((pem) => ({ pem })),
          },
        }
      : {}),
    listen: { host: '127.0.0.1', port: 0, introspectionPort: 0 },
  };
}

function clientCaChain(pki: Pki): string[] {
  return [...pki.certificates.values()].filter((c) => c.isCa && c.role !== 'client' && isUnderTrustedRoot(pki, c)).map((c) => c.certPem);
}

function isUnderTrustedRoot(pki: Pki, c: { chain: readonly Buffer[] }): boolean {
  const top = c.chain[c.chain.length - 1];
  return pki.trustedRoots.some((r) => top !== undefined && r.certDer.equals(top));
}

interface IntrospectedEvents {
  readonly events?: readonly { at: number; kind: string; detail?: Record<string, unknown> }[];
}
interface IntrospectedConnection extends IntrospectedEvents {
  readonly id: string;
  readonly remotePort?: number;
  readonly requests?: readonly string[];
}

async function getJson<T>(url: string): Promise<T | undefined> {
  const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
  return res.ok ? ((await res.json()) as T) : undefined;
}

const pointsOf = (snap: IntrospectedEvents | undefined, prefix = ''): TimelinePoint[] =>
  (snap?.events ?? []).map((ev) => ({ at: ev.at, kind: `${prefix}${ev.kind}`, ...(ev.detail ? { detail: ev.detail } : {}) }));

/** From the emulator's introspection endpoint: the request's events, or the connection's and its requests'. */
async function fetchServerTimeline(introspectionUrl: string, ref: ServerTimelineRef): Promise<readonly TimelinePoint[] | undefined> {
  try {
    if (ref.requestId) return pointsOf(await getJson<IntrospectedEvents>(`${introspectionUrl}/requests/${encodeURIComponent(ref.requestId)}`));
    if (ref.clientPort === undefined) return undefined;
    const all = (await getJson<IntrospectedConnection[]>(`${introspectionUrl}/connections`)) ?? [];
    const conn = all.filter((c) => c.remotePort === ref.clientPort).at(-1);
    if (!conn) return undefined;
    // Connection events keep their kind; request events are marked (their offsets count from the request's start).
    const requests = await Promise.all((conn.requests ?? []).map((id) => getJson<IntrospectedEvents>(`${introspectionUrl}/requests/${encodeURIComponent(id)}`)));
    return [...pointsOf(conn), ...requests.flatMap((r) => pointsOf(r, 'request:'))];
  } catch {
    return undefined; // the timeline is a diagnostic: its absence never changes a verdict
  }
}

export class EmulatorTarget implements Target {
  readonly name = 'emulator';
  /** The emulator's own default is a Developer instance. */
  readonly profileDefault = 'apim-developer' as const;
  private readonly running = new Map<string, Promise<RunningEmulator | undefined>>();
  /** How many emulators were started (one per distinct setup): the runner's setup reuse, observable. */
  started = 0;

  constructor(private readonly options: EmulatorTargetOptions = {}) {}

  async prepare(setupKey: string, setup: ConcreteSetup, pki: Pki): Promise<PrepareResult> {
    let config: EmulatorConfigInput;
    try {
      config = emulatorConfigFor(setup, pki, this.options);
    } catch (err) {
      return { skip: `the setup cannot be rendered for the emulator: ${(err as Error).message}` };
    }
    let startErr: unknown;
    // The emulator is handed the run's PKI (its responder already answers), so it issues nothing of its own.
    const starting = startEmulator(config, { pki }).catch((err: unknown) => {
      startErr = err;
      return undefined;
    });
    this.running.set(setupKey, starting);
    this.started++;
    const emu = await starting;
    if (!emu) {
      this.running.delete(setupKey);
      if (isRefusal(startErr)) return { rejected: startErr.message };
      throw startErr;
    }
    const introspection = emu.introspectionUrl;
    return {
      baseUrl: emu.applicationGatewayUrl ?? emu.url,
      serverTimeline: (ref) => fetchServerTimeline(introspection, ref),
    };
  }

  async release(setupKey: string): Promise<void> {
    const emu = await this.running.get(setupKey);
    this.running.delete(setupKey);
    await emu?.close();
  }

  async close(): Promise<void> {
    const all = [...this.running.keys()];
    await Promise.all(all.map((k) => this.release(k)));
  }
}
