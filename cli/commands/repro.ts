// `certgate repro deadlock` and `certgate repro sweep`: the large-body renegotiation deadlock on demand, and the body
// size where a gateway starts to stall. Exit codes: 0 shown as claimed (deadlock reproduced and both mitigations
// worked / an edge found in the range), 1 not, 2 usage or infrastructure errors.
import { resolve } from 'node:path';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { writeReports } from '../../reports/index';
import { reproduceDeadlock } from '../../scenarios/repro/deadlock';
import { startReproEmulators, urlEndpoint, type ReproGateways } from '../../scenarios/repro/endpoints';
import { parseSize, formatSize } from '../../scenarios/repro/size';
import { endpointProber, formatProbe, sweepBodySize } from '../../scenarios/repro/sweep';
import { TIERS, type Tier } from '../../scenarios/schema';

interface Io {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}
const stdio: Io = { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) };

function size(value: string): number {
  try {
    return parseSize(value);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
}

function millis(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new InvalidArgumentError('expected milliseconds, a whole number ≥ 1');
  return Number(value);
}

const REPRO_TARGETS = ['emulator', 'url', 'nginx', 'apache', 'haproxy'] as const;
type GatewayName = 'nginx' | 'apache' | 'haproxy';

interface GatewayFlags {
  readonly target: (typeof REPRO_TARGETS)[number];
  /** With a gateway target: the binary to run instead of the one on PATH. */
  readonly gatewayBin?: string;
  readonly url?: string;
  readonly negotiateUrl?: string;
  readonly cert?: string;
  readonly key?: string;
  readonly ca?: string;
  readonly tier: Tier;
  readonly stallWindow: number;
  readonly gatewayTimeout?: number;
}

export interface DeadlockFlags extends GatewayFlags {
  readonly size: number;
  readonly protocol: 'h1' | 'h2';
  readonly out: string;
}

export interface SweepFlags extends GatewayFlags {
  readonly min: number;
  readonly max: number;
  readonly method: string;
  readonly buffer?: number;
}

class UsageError extends Error {}

async function openGateways(f: GatewayFlags, protocol: 'h1' | 'h2', bufferBytes?: number): Promise<{ gateways: ReproGateways; label: string }> {
  if (f.target === 'url') {
    if (!f.url) throw new UsageError('--target url needs --url https://… (an endpoint with negotiate off whose policy reads the certificate)');
    if (!f.cert || !f.key) throw new UsageError('--target url needs --cert and --key (PEM files of the client certificate to send)');
    const files = { cert: f.cert, key: f.key, ca: f.ca };
    const negotiateOff = urlEndpoint(f.url, files);
    const negotiateOn = f.negotiateUrl ? urlEndpoint(f.negotiateUrl, files) : undefined;
    return { gateways: { negotiateOff, negotiateOn, close: async () => undefined }, label: `url:${f.url}` };
  }
  if (f.target !== 'emulator') return openRealGateways(f.target, f.gatewayBin, bufferBytes);
  // The emulator holds a stalled renegotiation longer than the client's stall window, so the client sees the stall.
  const gatewayTimeoutMs = f.gatewayTimeout ?? Math.max(3000, f.stallWindow * 3);
  const gateways = await startReproEmulators({ tier: f.tier, protocol, gatewayTimeoutMs, bufferBytes });
  return { gateways, label: 'emulator' };
}

/** A real gateway installed here (Apache httpd is the one that can ask for the certificate per request). */
async function openRealGateways(name: GatewayName, binary: string | undefined, bufferBytes?: number): Promise<{ gateways: ReproGateways; label: string }> {
  const drivers = {
    nginx: () => import('../../scenarios/gateways/nginx').then((m) => m.nginxDriver),
    apache: () => import('../../scenarios/gateways/apache').then((m) => m.apacheDriver),
    haproxy: () => import('../../scenarios/gateways/haproxy').then((m) => m.haproxyDriver),
  };
  const driver = await drivers[name]();
  const detection = await driver.detect(binary);
  if ('unavailable' in detection) throw new UsageError(`target ${name} is not available: ${detection.unavailable}`);
  const { startReproGateways } = await import('../../scenarios/repro/gateway-endpoints');
  const gateways = await startReproGateways(driver, { ...(bufferBytes !== undefined ? { bufferBytes } : {}), start: { binary: detection.binary } });
  return { gateways, label: `${name} ${detection.version}` };
}

export async function runReproDeadlock(f: DeadlockFlags, io: Io = stdio): Promise<number> {
  let gateways: ReproGateways | undefined;
  try {
    const opened = await openGateways(f, f.protocol);
    gateways = opened.gateways;
    io.out(`Reproducing the large-body renegotiation deadlock against ${gateways.negotiateOff.label} (HTTP/${f.protocol === 'h2' ? '2' : '1.1'}, stall window ${f.stallWindow} ms)\n\n`);
    const result = await reproduceDeadlock({
      gateways,
      protocol: f.protocol,
      bodyBytes: f.size,
      stallWindowMs: f.stallWindow,
      targetLabel: opened.label,
      profileLabel: f.target === 'emulator' ? `apim-${f.tier}` : f.target === 'url' ? 'url' : f.target === 'apache' ? 'apache-httpd' : f.target,
      onAttempt: (_a, text) => io.out(`${text}\n`),
    });
    const [html] = await writeReports(result.report, { formats: ['html'], outDir: resolve(f.out) });
    const yes = (b: boolean) => (b ? 'yes' : 'no');
    io.out(
      `deadlock reproduced: ${yes(result.reproduced)}; negotiate on avoids it: ${yes(result.negotiateOnAvoids)}; ` +
        `Expect: 100-continue avoids it: ${yes(result.expect100Avoids)}\n`,
    );
    if (f.protocol === 'h2' && !result.reproduced) io.out('note: HTTP/2 forbids renegotiation (RFC 9113 §9.2.1), so this deadlock cannot happen over h2\n');
    io.out(`wrote ${html}\n`);
    return result.ok ? 0 : 1;
  } catch (err) {
    io.err(`certgate repro deadlock: ${err instanceof Error ? err.message : String(err)}\n`);
    return 2;
  } finally {
    await gateways?.close();
  }
}

export async function runReproSweep(f: SweepFlags, io: Io = stdio): Promise<number> {
  let gateways: ReproGateways | undefined;
  try {
    if (f.min >= f.max) throw new UsageError(`--min ${f.min} must be below --max ${f.max}`);
    const opened = await openGateways(f, 'h1', f.buffer);
    gateways = opened.gateways;
    io.out(`Sweeping ${f.method} body sizes ${formatSize(f.min)} … ${formatSize(f.max)} against ${gateways.negotiateOff.label} (stall window ${f.stallWindow} ms)\n`);
    const result = await sweepBodySize({
      min: f.min,
      max: f.max,
      probeSize: endpointProber(gateways.negotiateOff, { method: f.method, stallWindowMs: f.stallWindow }),
      onProbe: (p) => io.out(`  ${formatProbe(p)}\n`),
    });
    io.out(`${result.summary}\n`);
    if (result.edge) io.out(`first ${result.edge.kind === '413' ? 'refused' : result.edge.kind === 'stall' ? 'stalling' : 'failing'} size: ${result.edge.firstBad}\n`);
    return result.edge ? 0 : 1;
  } catch (err) {
    io.err(`certgate repro sweep: ${err instanceof Error ? err.message : String(err)}\n`);
    return 2;
  } finally {
    await gateways?.close();
  }
}

function gatewayOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--target <target>', 'the built-in emulator, a gateway at --url, or a local nginx / apache / haproxy').choices(REPRO_TARGETS).default('emulator'))
    .option('--gateway-bin <path>', 'with --target nginx|apache|haproxy: the gateway binary (default: found on PATH)')
    .option('--url <url>', 'with --target url: an endpoint with negotiate off whose policy reads the client certificate')
    .option('--cert <file>', 'with --target url: client certificate (PEM)')
    .option('--key <file>', 'with --target url: its private key (PEM)')
    .option('--ca <file>', 'with --target url: CA bundle that verifies the gateway (default: system roots)')
    .addOption(new Option('--tier <tier>', 'emulator tier').choices(TIERS).default('developer'))
    .option('--stall-window <ms>', 'no progress for this long, and no response, is a stall', millis, 1000)
    .option('--gateway-timeout <ms>', 'emulator: how long it holds a stalled renegotiation (default 3 × the stall window, at least 3000)', millis);
}

export function registerReproCommands(program: Command): void {
  const repro = program.command('repro').description('Reproduce the large-body renegotiation deadlock and find where a gateway starts to stall');

  gatewayOptions(
    repro
      .command('deadlock')
      .description('POST a large body with negotiate off (stalls), then with negotiate on and with Expect: 100-continue (both avoid it); exit 0 when all three behave so')
      .option('--size <size>', 'body size: bytes, or 64k / 64KiB / 1m (binary) / 60KB (decimal)', size, 65536)
      .addOption(new Option('--protocol <protocol>', 'HTTP version').choices(['h1', 'h2']).default('h1'))
      .option('--negotiate-url <url>', 'with --target url: the same API on a hostname with negotiate on')
      .option('--out <dir>', 'where the HTML report of the three requests goes', 'certgate-repro'),
  )
    .addHelpText(
      'after',
      `
Examples:
  certgate repro deadlock                         64 KiB POST against the built-in emulator (Developer tier)
  certgate repro deadlock --size 1m --tier premium
  certgate repro deadlock --target url --url https://gw.example.net/echo --negotiate-url https://mtls.example.net/echo \\
      --cert client.pem --key client.key
The gateway's policy must read context.Request.Certificate and report its thumbprint to the backend (the
forward-certificate policy of scenarios/policy-library.yaml), so the mitigations can show the certificate arrived.`,
    )
    .action(async (flags: DeadlockFlags) => {
      process.exitCode = await runReproDeadlock(flags);
    });

  gatewayOptions(
    repro
      .command('sweep')
      .description('Binary search for the smallest body size that stalls (or is refused with 413); exit 0 when the edge lies in the range')
      .option('--min <size>', 'smallest size tried', size, 1024)
      .option('--max <size>', 'largest size tried', size, 1024 * 1024)
      .addOption(new Option('--method <method>', 'request method').choices(['POST', 'PUT', 'PATCH']).default('POST'))
      .option('--buffer <size>', "emulator: its renegotiation buffer (default 61440); apache: SSLRenegBufferSize (default 131072)", size),
  )
    .addHelpText(
      'after',
      `
Examples:
  certgate repro sweep                            the emulator's edge: 61440 answered, 61441 stalls
  certgate repro sweep --buffer 20000 --min 16k --max 32k
  certgate repro sweep --target apache            Apache httpd's SSLRenegBufferSize: 131072 answered, 131073 → 413
  certgate repro sweep --target url --url https://gw.example.net/echo --cert client.pem --key client.key`,
    )
    .action(async (flags: SweepFlags) => {
      process.exitCode = await runReproSweep(flags);
    });
}
