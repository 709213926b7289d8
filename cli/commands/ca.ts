// `certgate ca init` and `certgate ca serve` — the PKI lab's commands.

import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { defaultSpec } from '../../ca/default-spec';
import { loadPki } from '../../ca/load';
import { loadSpecFile } from '../../ca/spec';
import { initPki } from '../../ca/write';
import { startRevocationServer } from '../../ca/revocation-server';

/** Keys are cached per user, so every output directory of the same spec seed reuses them. */
export function defaultCacheDir(): string {
  const base = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'certgate', 'keys');
}

function port(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 0 || n > 65535) throw new InvalidArgumentError('expected a port number 0–65535');
  return n;
}

function instant(value: string): Date {
  const d = new Date(value);
  if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(d.getTime())) throw new InvalidArgumentError('expected an ISO 8601 date or instant, e.g. 2026-01-01T00:00:00Z');
  return d;
}

interface InitFlags {
  out: string;
  spec?: string;
  now?: Date;
  force?: boolean;
  responderHost?: string;
  responderPort?: number;
  cacheDir?: string;
  cache: boolean;
}

export function registerCaCommands(program: Command): void {
  const ca = program.command('ca').description('the PKI lab: issue certificates of every shape, serve CRLs and OCSP');

  ca.command('init')
    .description('issue a PKI (the built-in spec, or --spec) and write certificates, keys, PFX files, CRLs and manifest.json')
    .option('--out <dir>', 'output directory', 'certgate-pki')
    .option('--spec <file>', 'PKI spec (YAML or JSON); default: the built-in spec')
    .option('--now <iso>', 'clock for validity periods (default: start of the current UTC day)', instant)
    .option('--force', 'overwrite existing files')
    .option('--responder-host <host>', 'host embedded in CRL/OCSP URLs (default from the spec: 127.0.0.1)')
    .option('--responder-port <port>', 'port embedded in CRL/OCSP URLs (default from the spec: 8780)', port)
    .option('--cache-dir <dir>', `key cache directory (default ${defaultCacheDir()})`)
    .option('--no-cache', 'generate every key afresh and cache nothing')
    .action(async (flags: InitFlags) => {
      const started = performance.now();
      const spec = flags.spec ? await loadSpecFile(flags.spec, flags.now) : defaultSpec();
      let responder: { host: string; port: number } | undefined;
      if (flags.responderHost !== undefined || flags.responderPort !== undefined) {
        const fromSpec = flags.spec ? (spec as { responder: { host: string; port: number } }).responder : defaultSpec().responder!;
        responder = { host: flags.responderHost ?? fromSpec.host, port: flags.responderPort ?? fromSpec.port };
      }
      const out = resolve(flags.out);
      const result = await initPki(spec, out, {
        now: flags.now,
        responder,
        force: flags.force,
        cacheDir: flags.cache ? (flags.cacheDir ?? defaultCacheDir()) : undefined,
      });
      const ms = (performance.now() - started).toFixed(0);
      if (result.upToDate) {
        process.stdout.write(`${out} is up to date (spec hash ${result.specHash.slice(0, 12)}); nothing written (${ms} ms)\n`);
        return;
      }
      const pki = result.pki!;
      process.stdout.write(
        `wrote ${result.files.length} files for ${pki.certificates.size} certificates to ${out} in ${ms} ms ` +
          `(keys: ${result.stats.keysGenerated} generated, ${result.stats.keysFromCache} from cache)\n`,
      );
      for (const c of pki.certificates.values()) {
        process.stdout.write(`  ${c.name.padEnd(28)} ${c.expected.padEnd(23)} ${c.thumbprint}  ${c.subject.dotnet}\n`);
      }
      process.stdout.write(`responder: ${pki.responder.host}:${pki.responder.port} — run \`certgate ca serve --dir ${flags.out}\`\n`);
    });

  ca.command('serve')
    .description('serve the CRLs and OCSP of a PKI that `ca init` wrote, at the address embedded in its certificates')
    .requiredOption('--dir <dir>', 'directory written by `certgate ca init`')
    .option('--host <host>', 'listen address (default: the responder host in the manifest)')
    .option('--port <port>', 'listen port (default: the responder port in the manifest)', port)
    .action(async (flags: { dir: string; host?: string; port?: number }) => {
      const pki = await loadPki(resolve(flags.dir));
      const host = flags.host ?? pki.responder.host;
      const listenPort = flags.port ?? pki.responder.port;
      const server = await startRevocationServer({ authorities: pki.authorities, host, port: listenPort });
      if (server.port !== pki.responder.port || host !== pki.responder.host) {
        process.stderr.write(`note: certificates point at ${pki.responder.host}:${pki.responder.port}, serving on ${host}:${server.port}\n`);
      }
      process.stdout.write(`serving CRLs and OCSP for ${pki.authorities.map((a) => a.name).join(', ')} at ${server.url} (Ctrl-C to stop)\n`);
      await new Promise<void>((done) => {
        const stop = () => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          void server.close().then(done);
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
    });
}
