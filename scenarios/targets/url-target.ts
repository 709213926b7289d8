// A gateway that is already running somewhere (a real APIM instance configured from `certgate export apim`, a
// container, anything): the user states its profile and which setups are deployed where, in a small mapping file.
// Scenarios whose setup is not in the file are skipped with that reason. certgate starts nothing here.
//
//   profile: apim-developer                  # what the gateway is documented to be
//   serverCa: system                         # or a PEM file path (relative to this file); default: system roots
//   setups:
//     developer-1a2b3c4d5e6f: https://contoso.azure-api.net/certgate/developer-1a2b3c4d5e6f
//     developer-0f9e8d7c6b5a: { url: https://…, serverCa: ./gateway-ca.pem }

import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import type { Pki } from '../../ca/index';
import { PROFILE_IDS, type ProfileId } from '../schema';
import type { ConcreteSetup, PrepareResult, Target } from './target';

const HttpsUrl = z.url({ protocol: /^https$/ }).describe('an https:// base URL');
const Trust = z.union([z.literal('system'), z.literal('pki'), z.string().min(1)]);
const Entry = z.union([HttpsUrl, z.strictObject({ url: HttpsUrl, serverCa: Trust.optional() })]);

export const UrlMappingSchema = z.strictObject({
  profile: z.enum(PROFILE_IDS as unknown as [ProfileId, ...ProfileId[]]),
  serverCa: Trust.default('system'),
  setups: z.record(z.string().min(1), Entry.nullable()).default({}),
});

export interface UrlMapping {
  readonly profile: ProfileId;
  readonly setups: ReadonlyMap<string, { readonly url: string; readonly serverCa: readonly string[] | 'system' | 'pki' }>;
}

export class UrlMappingError extends Error {}

/** Parses a mapping file's text; every problem names the file and line. `baseDir` resolves CA file paths. */
export function parseUrlMapping(text: string, file: string, baseDir = dirname(resolve(file))): UrlMapping {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc });
  if (doc.errors.length)
    throw new UrlMappingError(doc.errors.map((e) => `${file}:${e.linePos?.[0]?.line ?? 1}: YAML: ${e.message.split('\n')[0]}`).join('\n'));
  const parsed = UrlMappingSchema.safeParse(doc.toJS() ?? {});
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => {
      let node: unknown;
      for (let n = i.path.length; n >= 0 && !node; n--) node = doc.getIn(i.path.slice(0, n) as unknown[], true);
      const offset = (node as { range?: number[] } | undefined)?.range?.[0];
      const line = offset === undefined ? 1 : lc.linePos(offset).line;
      return `${file}:${line}: ${i.path.join('.') || '(root)'}: ${i.message}`;
    });
    throw new UrlMappingError(lines.join('\n'));
  }
  const readCa = (t: string, where: string): readonly string[] | 'system' | 'pki' => {
    if (t === 'system' || t === 'pki') return t;
    const path = resolve(baseDir, t);
    try {
      return [readFileSync(path, 'utf8')];
    } catch (err) {
      throw new UrlMappingError(`${file}: ${where}: cannot read CA file ${path}: ${(err as Error).message}`);
    }
  };
  const globalCa = readCa(parsed.data.serverCa, 'serverCa');
  const setups = new Map<string, { url: string; serverCa: readonly string[] | 'system' | 'pki' }>();
  for (const [key, entry] of Object.entries(parsed.data.setups)) {
    if (entry === null) continue; // a template line the user has not filled in yet
    if (typeof entry === 'string') setups.set(key, { url: entry, serverCa: globalCa });
    else setups.set(key, { url: entry.url, serverCa: entry.serverCa ? readCa(entry.serverCa, `setups.${key}.serverCa`) : globalCa });
  }
  return { profile: parsed.data.profile, setups };
}

export function loadUrlMapping(file: string): UrlMapping {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new UrlMappingError(`${file}: cannot read the mapping file: ${(err as Error).message}`);
  }
  return parseUrlMapping(text, file);
}

export class UrlTarget implements Target {
  readonly name: string;
  readonly profileDefault: ProfileId;

  constructor(private readonly mapping: UrlMapping, label = 'url') {
    this.name = label;
    this.profileDefault = mapping.profile;
  }

  static fromFile(file: string): UrlTarget {
    return new UrlTarget(loadUrlMapping(file), `url:${file}`);
  }

  async prepare(setupKey: string, _setup: ConcreteSetup, _pki: Pki): Promise<PrepareResult> {
    const entry = this.mapping.setups.get(setupKey);
    if (!entry) return { skip: `setup ${setupKey} is not deployed on this target (no entry in the mapping file)` };
    return { baseUrl: entry.url.replace(/\/+$/, ''), ...(entry.serverCa === 'pki' ? {} : { serverCa: entry.serverCa }) };
  }

  async close(): Promise<void> {}
}
