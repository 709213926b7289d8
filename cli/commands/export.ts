// `certgate export apim`: what to deploy to a real APIM instance so that `certgate run --target url` can check it.

import { resolve } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { defaultSpec, issuePki } from '../../ca/index';
import { exportApim } from '../../scenarios/export-apim';
import { TIERS, type Tier } from '../../scenarios/schema';
import { defaultCacheDir } from './ca';

const collect = (v: string, prev: string[] = []) => [...prev, ...v.split(',').map((s) => s.trim()).filter(Boolean)];
const oneOf = <T extends string>(values: readonly T[]) => (v: string): T => {
  if (!values.includes(v as T)) throw new InvalidArgumentError(`expected one of ${values.join(', ')}`);
  return v as T;
};
const hostPort = (v: string) => {
  const m = /^(.+):(\d{1,5})$/.exec(v);
  if (!m || Number(m[2]) > 65535) throw new InvalidArgumentError('expected host:port');
  return { host: m[1]!.replace(/^\[|\]$/g, ''), port: Number(m[2]) };
};

interface ExportFlags {
  out: string;
  tier: Tier;
  select?: string[];
  responder: { host: string; port: number };
  force?: boolean;
}

export function registerExportCommands(program: Command): void {
  const exp = program.command('export').description('export the catalogue\'s setups for deployment to a real gateway');
  exp
    .command('apim')
    .description('policies, certificates (PFX/CER and base64), Bicep and the --target url mapping template for one APIM tier')
    .requiredOption('--out <dir>', 'output directory')
    .option('--tier <tier>', `APIM tier (${TIERS.join(', ')})`, oneOf(TIERS), 'developer')
    .option('--select <globs>', 'only the setups of these scenario id globs', collect)
    .option('--responder <host:port>', 'CRL/OCSP address embedded in the certificates: the instance must reach it', hostPort, { host: '127.0.0.1', port: 8780 })
    .option('--force', 'overwrite an existing PKI in the output directory')
    .action(async (f: ExportFlags) => {
      const pki = await issuePki(defaultSpec(), { responder: f.responder, cacheDir: defaultCacheDir() });
      const r = await exportApim({ outDir: resolve(f.out), tier: f.tier, pki, select: f.select, force: f.force });
      process.stdout.write(
        `exported ${r.setups} setups (${r.scenarios} scenarios; ${r.skipped} do not apply to ${f.tier}) for ${r.instances} instance(s) to ${resolve(f.out)}\n` +
          `next: deploy instances/*.bicep, fill in ${r.mappingFile}, serve CRL/OCSP at ${f.responder.host}:${f.responder.port}, then\n` +
          `  certgate run --target url --url-map ${r.mappingFile} --pki ${resolve(f.out, 'pki')}\n`,
      );
    });
}
