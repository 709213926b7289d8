// `certgate run`: the conformance catalogue against a target, judged by a profile, rendered as reports — the CI gate.
// Exit codes: 0 conformant; 1 a scenario failed, passed unexpectedly, or regressed against --baseline; 2 usage or
// infrastructure (bad flag, unreadable file, a target that cannot start, scenarios the harness could not run).
import { resolve } from 'node:path';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { loadPki, type Pki } from '../../ca/index';
import { startRevocationServer } from '../../ca/revocation-server';
import { diffRuns, parseFormats, readRunReport, REPORT_FORMATS, writeReports, type ReportFormat } from '../../reports/index';
import { loadCatalogue } from '../../scenarios/catalogue';
import { loadExpectedFailures } from '../../scenarios/expected-failures';
import type { RunReport } from '../../scenarios/result';
import { resolveProfiles, runConformance } from '../../scenarios/runner';
import { PROFILE_IDS, type ProfileId } from '../../scenarios/schema';
import { FAMILIES_WORD, FAMILY_PROFILES, parseProfileList, parseShard, resultCount, selectScenarios, type Shard } from '../../scenarios/selection';
import { EmulatorTarget } from '../../scenarios/targets/emulator-target';
import type { Target } from '../../scenarios/targets/target';
import type { GatewayDriver } from '../../scenarios/gateways/driver';
import { UrlTarget } from '../../scenarios/targets/url-target';
import { Progress, progressMode, type ProgressStream } from '../progress';

export const GATEWAY_TARGETS = ['nginx', 'apache', 'haproxy'] as const;
const TARGET_HELP = 'emulator | url | nginx | apache | haproxy | container:<driver>';

export interface RunFlags {
  readonly target: string;
  readonly urlMap?: string;
  /** One profile or several (`--profile families` or a comma list); default: defaultProfiles(target). */
  readonly profile?: readonly ProfileId[];
  readonly select?: readonly string[];
  readonly tag?: readonly string[];
  readonly shard?: Shard;
  readonly seed: number;
  readonly expectedFailures?: string;
  readonly baseline?: string;
  readonly report: readonly ReportFormat[];
  readonly out: string;
  readonly concurrency?: number;
  readonly stallWindow?: number;
  readonly pki?: string;
  /** With --target nginx|apache|haproxy: the gateway binary to run instead of the one on PATH. */
  readonly gatewayBin?: string;
}

export interface RunIo {
  /** Progress and summary (a terminal gets the progress bar). */
  readonly stdout: ProgressStream;
  readonly err: (text: string) => void;
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** A failure that is the user's or the machine's, not the gateway's: exit 2 with this message. */
export class RunSetupError extends Error {}

// ---- flag parsers: each throws InvalidArgumentError, which commander turns into "error: option '…' argument …" ----

export function parseTarget(value: string): string {
  if (value === 'emulator' || value === 'url' || (GATEWAY_TARGETS as readonly string[]).includes(value)) return value;
  if (/^container:[a-z0-9][a-z0-9-]*$/.test(value)) return value;
  throw new InvalidArgumentError(`expected one of ${TARGET_HELP}`);
}

function positiveInt(name: string) {
  return (value: string): number => {
    if (!/^\d+$/.test(value) || Number(value) < 1) throw new InvalidArgumentError(`${name}: expected a whole number ≥ 1`);
    return Number(value);
  };
}

function seedValue(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) > 0xffffffff) throw new InvalidArgumentError('expected a whole number 0–4294967295');
  return Number(value);
}

function shardValue(value: string): Shard {
  try {
    return parseShard(value);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message.replace(/^--shard "[^"]*": /, ''));
  }
}

function profilesValue(value: string): ProfileId[] {
  try {
    return parseProfileList(value);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
}

function formatsValue(value: string): ReportFormat[] {
  try {
    return parseFormats(value);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
}

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

// ---- targets ----

/** The target named by --target, or a RunSetupError saying why it is not available here. */
export async function resolveTarget(flags: Pick<RunFlags, 'target' | 'urlMap' | 'gatewayBin'>): Promise<Target> {
  const t = flags.target;
  if (t === 'emulator') return new EmulatorTarget();
  if (t === 'url') {
    if (!flags.urlMap) throw new RunSetupError('--target url needs --url-map FILE (which setup is deployed at which URL; see docs/github-actions.md)');
    try {
      return UrlTarget.fromFile(flags.urlMap);
    } catch (err) {
      throw new RunSetupError((err as Error).message);
    }
  }
  if ((GATEWAY_TARGETS as readonly string[]).includes(t)) return gatewayTarget(t as GatewayTargetName, flags.gatewayBin);
  return containerTarget(t.slice('container:'.length));
}

type GatewayTargetName = (typeof GATEWAY_TARGETS)[number];
const isGatewayName = (n: string): n is GatewayTargetName => (GATEWAY_TARGETS as readonly string[]).includes(n);

const DRIVERS: Record<GatewayTargetName, () => Promise<GatewayDriver>> = {
  nginx: () => import('../../scenarios/gateways/nginx').then((m) => m.nginxDriver),
  apache: () => import('../../scenarios/gateways/apache').then((m) => m.apacheDriver),
  haproxy: () => import('../../scenarios/gateways/haproxy').then((m) => m.haproxyDriver),
};

/** A real gateway on this machine: the binary on PATH, or --gateway-bin. */
async function gatewayTarget(name: GatewayTargetName, binary?: string): Promise<Target> {
  const driver = await DRIVERS[name]();
  const detection = await driver.detect(binary);
  if ('unavailable' in detection) throw new RunSetupError(`target ${name} is not available: ${detection.unavailable}`);
  const { GatewayTarget } = await import('../../scenarios/targets/gateway-target');
  return new GatewayTarget(driver, { binary: detection.binary });
}

/** A gateway driver's configuration run inside a container of the local gateway image (scenarios/gateways/gateway-process.ts). */
async function containerTarget(name: string): Promise<Target> {
  if (!isGatewayName(name)) throw new RunSetupError(`target container:${name} is not available: no gateway driver "${name}" (known: ${GATEWAY_TARGETS.join(', ')})`);
  const { dockerAvailability } = await import('../../scenarios/targets/docker-availability');
  const docker = await dockerAvailability();
  if (!docker.available) throw new RunSetupError(`target container:${name} is not available: ${docker.reason}`);
  const { GatewayTarget } = await import('../../scenarios/targets/gateway-target');
  return new GatewayTarget(await DRIVERS[name](), { container: true });
}

/**
 * The profiles a run uses without --profile: the emulator can be configured as every tier, so it is judged under one
 * profile per family (the whole catalogue); any other target under its own profile (url map, nginx, apache-httpd,
 * haproxy), else apim-developer.
 */
export function defaultProfiles(target: Target): readonly ProfileId[] {
  if (target instanceof EmulatorTarget) return FAMILY_PROFILES;
  return [target.profileDefault ?? 'apim-developer'];
}

// ---- interruption: gateways started for a run must not outlive it ----

const activeTargets = new Set<Target>();
let signalsInstalled = false;

/** On SIGINT/SIGTERM, stop every gateway the running `certgate run` started, then exit 128+signal. */
function stopTargetsOnSignals(): void {
  if (signalsInstalled) return;
  signalsInstalled = true;
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals, code: number) => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`certgate run: ${signal}, stopping ${activeTargets.size ? 'the gateways' : 'now'}\n`);
    const closing = Promise.all([...activeTargets].map((t) => t.close().catch(() => undefined)));
    // Bounded: a gateway that does not stop is killed by gateway-process's exit hook when we exit.
    void Promise.race([closing, new Promise((r) => setTimeout(r, 5000).unref())]).then(() => process.exit(code));
  };
  // `on`, not `once`: the listener stays while we stop, so gateway-process's own signal hook (which re-raises the
  // signal when it is the only listener) leaves the exit to us.
  process.on('SIGINT', () => onSignal('SIGINT', 130));
  process.on('SIGTERM', () => onSignal('SIGTERM', 143));
}

// ---- the command ----

function exitCodeOf(report: RunReport, regressions: readonly string[]): 0 | 1 | 2 {
  const t = report.totals;
  if (t.fail > 0 || t['unexpected-pass'] > 0 || regressions.length > 0) return 1;
  if (t.error > 0) return 2; // the harness could not run some scenarios: nothing was proven about them
  return 0;
}

export async function runRun(flags: RunFlags, io: RunIo): Promise<number> {
  let target: Target | undefined;
  let closeResponder: (() => Promise<void>) | undefined;
  try {
    const expectedFailures = flags.expectedFailures ? loadExpectedFailures(flags.expectedFailures) : undefined;
    const baseline = flags.baseline ? await readRunReport(flags.baseline) : undefined;
    const catalogue = loadCatalogue();
    const selected = selectScenarios(catalogue, { select: flags.select, tags: flags.tag, shard: flags.shard });
    if (selected.length === 0) {
      const what = [...(flags.select ?? []).map((s) => `--select ${s}`), ...(flags.tag ?? []).map((t) => `--tag ${t}`)].join(' ');
      throw new RunSetupError(`no scenario matches ${what || 'the selection'} (${catalogue.length} scenarios in the catalogue)`);
    }
    // A gateway configured with certificates of an existing PKI (`certgate export apim`) must be tested with that PKI.
    let pki: Pki | undefined;
    if (flags.pki) {
      pki = await loadPki(resolve(flags.pki));
      const at = pki.responder;
      const server = await startRevocationServer({ authorities: pki.authorities, host: at.host, port: at.port }).catch((err: Error) => {
        io.err(`warning: not serving CRL/OCSP at ${at.host}:${at.port} (${err.message}); revocation checks rely on whoever does\n`);
        return undefined;
      });
      closeResponder = server ? () => server.close() : undefined;
    }
    target = await resolveTarget(flags);
    activeTargets.add(target);
    const profiles = resolveProfiles(flags.profile?.length ? flags.profile : defaultProfiles(target));
    const multi = profiles.length > 1;

    const total = resultCount(selected, profiles);
    const progress = new Progress({ total, stream: io.stdout, mode: progressMode(io.stdout, io.env ?? process.env) });
    const report = await runConformance({
      target,
      profile: profiles,
      scenarios: catalogue,
      select: flags.select,
      tags: flags.tag,
      shard: flags.shard,
      seed: flags.seed,
      expectedFailures,
      concurrency: flags.concurrency,
      stallWindowMs: flags.stallWindow,
      pki,
      // Under several profiles one id appears more than once: the progress lines name the profile too.
      onResult: (r) => progress.result(multi ? { ...r, id: `${r.id} [${r.profile}]` } : r),
    });
    activeTargets.delete(target);
    target = undefined; // runConformance closed it

    const outDir = resolve(flags.out);
    const paths = await writeReports(report, { formats: flags.report, outDir, baseline });
    const extra = paths.map((p) => `wrote ${p}`);
    if (multi) extra.unshift(`${selected.length} scenarios judged under ${profiles.length} profiles (${profiles.map((p) => p.id).join(', ')}): ${report.results.length} results`);
    const regressions = baseline ? diffRuns(baseline, report).regressions : [];
    if (baseline) extra.push(regressions.length ? `${regressions.length} regression(s) against ${flags.baseline}: ${regressions.join(', ')}` : `no regression against ${flags.baseline}`);
    const unused = expectedFailures?.unused(report.results) ?? [];
    for (const u of unused) {
      const what = u.profile ? `${u.pattern}@${u.profile}" matches no selected scenario under ${u.profile}` : `${u.pattern}" matches no selected scenario`;
      io.err(`warning: ${flags.expectedFailures}:${u.line}: "${what}\n`);
    }
    progress.finish(extra);
    return exitCodeOf(report, regressions);
  } catch (err) {
    if (target) activeTargets.delete(target);
    await target?.close().catch(() => undefined);
    io.err(`certgate run: ${err instanceof Error ? err.message : String(err)}\n`);
    return 2;
  } finally {
    await closeResponder?.().catch(() => undefined);
  }
}

export function registerRunCommand(program: Command): void {
  program
    .command('run')
    .description('Run the conformance catalogue against a gateway and write reports; exit 0 conformant, 1 failures or regressions, 2 usage or infrastructure errors')
    .addOption(new Option('--target <target>', `what to test: ${TARGET_HELP}`).default('emulator').argParser(parseTarget))
    .option('--gateway-bin <path>', 'with --target nginx|apache|haproxy: the gateway binary (default: found on PATH)')
    .option('--url-map <file>', 'with --target url: YAML mapping of setup keys to deployed URLs, and the profile the gateway follows')
    .addOption(
      new Option(
        '--profile <profiles>',
        `what the gateway is documented to do: a profile, a comma-separated list, or "${FAMILIES_WORD}" (= ${FAMILY_PROFILES.join(',')}, ` +
          'one per APIM gateway family); each scenario is judged once under every listed profile whose tier it covers ' +
          `(default: ${FAMILIES_WORD} on the emulator; the target's own elsewhere — the url map's, nginx, apache-httpd, haproxy)`,
      ).argParser(profilesValue),
    )
    .option('--select <glob>', 'scenario id glob, e.g. "tier.classic.*" (repeatable; default: every scenario)', collect)
    .option('--tag <tag>', 'keep scenarios with this tag (repeatable)', collect)
    .option('--shard <i/n>', 'run the i-th of n disjoint parts of the selection, e.g. 1/4', shardValue)
    .option('--seed <n>', 'orders the gateways of the run; the same seed gives the same order', seedValue, 1)
    .option('--expected-failures <file>', 'YAML: scenario id or glob → reason; listed scenarios may fail, and must not pass')
    .option('--baseline <file>', 'a previous JSON report: scenarios that newly fail are regressions (exit 1)')
    .option('--report <formats>', `comma-separated: ${REPORT_FORMATS.join(', ')}`, formatsValue, [...REPORT_FORMATS])
    .option('--out <dir>', 'where the reports go', 'certgate-out')
    .option('--concurrency <n>', 'requests in flight at once (default 4)', positiveInt('--concurrency'))
    .option('--pki <dir>', 'the PKI the gateway was configured with (`certgate ca init` / `export apim`); default: a fresh one for this run')
    .option('--stall-window <ms>', 'no progress for this long, and no response, is a stall (default 1000)', positiveInt('--stall-window'))
    .addHelpText(
      'after',
      `
Examples:
  certgate run --out certgate-out                      the whole catalogue on the built-in emulator, every family
  certgate run --profile apim-premium,apim-premiumv2   the emulator judged as two specific tiers
  certgate run --select 'body.classic.*' --report md   one topic, Markdown summary only
  certgate run --target url --url-map gateway.yaml --report junit,html --out out
  certgate run --target apache --report md             the catalogue against the local Apache httpd (its profile)
  certgate run --target nginx --gateway-bin /opt/nginx/sbin/nginx
  certgate run --shard 2/4 --seed 7                    the second quarter, in a stable order
  certgate run --expected-failures known.yaml --baseline last/certgate-report.json

Profiles: ${PROFILE_IDS.join(', ')}; ${FAMILIES_WORD} = ${FAMILY_PROFILES.join(', ')}.
A scenario none of the listed profiles covers is reported once, skipped, with the reason; under several
profiles results are named "id [profile]" and counted once per profile in the summary line.

Output: a progress bar on a terminal; with CI=true or when stdout is not a terminal, one line per scenario.
The last line is always "N passed, N failed, N skipped" (passed counts expected failures; failed counts
failures, unexpected passes and harness errors).
Exit codes: 0 conformant; 1 a scenario failed, passed although listed in --expected-failures, or regressed
against --baseline; 2 usage or infrastructure error.`,
    )
    .action(async (opts: RunFlags) => {
      stopTargetsOnSignals();
      process.exitCode = await runRun(opts, { stdout: process.stdout, err: (t) => process.stderr.write(t) });
    });
}

