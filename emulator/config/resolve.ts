// Turns the configuration's references into material: certificate sources into DER/PEM (and TLS options for
// server certificates), policy strings into PolicySource (inline XML or a file). Errors name the config path.
import { readFileSync } from 'node:fs';
import { extname, isAbsolute, resolve } from 'node:path';
import { createSecureContext } from 'node:tls';
import type { Pki } from '../../ca/index';
import { derToPem, pemToDer } from '../../ca/der';
import type { PolicySource } from '../pipeline/pipeline';
import type { CertificateSource } from './schema';

export interface ResolvedCertificate {
  /** The leaf (first certificate). */
  readonly der: Buffer;
  /** Every certificate of the source, leaf first. */
  readonly chain: readonly Buffer[];
  /** What a TLS server needs when this is a server certificate (key present). */
  readonly tls?: { readonly cert: string; readonly key: string } | { readonly pfx: Buffer; readonly passphrase: string };
  /** Files to watch for changes (file sources). */
  readonly files: readonly string[];
}

export interface ResolveContext {
  readonly baseDir: string;
  /** Present when the config uses the emulator's PKI. */
  readonly pki?: Pki;
}

export class ResolveError extends Error {
  constructor(readonly path: string, message: string) {
    super(`${path}: ${message}`);
    this.name = 'ResolveError';
  }
}

const abs = (ctx: ResolveContext, p: string): string => (isAbsolute(p) ? p : resolve(ctx.baseDir, p));

function read(path: string, file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    throw new ResolveError(path, `cannot read ${file}: ${(err as Error).message}`);
  }
}

function fromPfx(path: string, pfx: Buffer, passphrase: string, files: string[]): ResolvedCertificate {
  let der: Buffer | null | undefined;
  try {
    // Node parses PKCS#12 only inside a secure context; it also checks the password (MAC) for us.
    der = (createSecureContext({ pfx, passphrase }).context as { getCertificate(): Buffer | null }).getCertificate();
  } catch (err) {
    throw new ResolveError(path, `PFX could not be opened (${(err as Error).message}); check the password`);
  }
  if (!der) throw new ResolveError(path, 'PFX holds no certificate');
  return { der, chain: [der], tls: { pfx, passphrase }, files };
}

function fromPem(path: string, text: string, key: string | undefined, files: string[]): ResolvedCertificate {
  const chain = pemToDer(text, 'CERTIFICATE');
  if (chain.length === 0) throw new ResolveError(path, 'no "-----BEGIN CERTIFICATE-----" block found');
  const embeddedKey = text.match(/-----BEGIN (?:[A-Z]+ )?PRIVATE KEY-----[\s\S]+?-----END (?:[A-Z]+ )?PRIVATE KEY-----/)?.[0];
  const keyPem = key ?? embeddedKey;
  const certPem = chain.map((d) => derToPem(d, 'CERTIFICATE')).join('');
  return { der: chain[0]!, chain, tls: keyPem ? { cert: certPem, key: keyPem } : undefined, files };
}

export function resolveCertificate(src: CertificateSource, path: string, ctx: ResolveContext): ResolvedCertificate {
  if ('pki' in src) {
    if (!ctx.pki) throw new ResolveError(path, 'refers to the PKI but none is loaded');
    let c;
    try {
      c = ctx.pki.get(src.pki);
    } catch (err) {
      throw new ResolveError(path, (err as Error).message);
    }
    const chainPem = c.chain.slice(0, -1).map((d) => derToPem(d, 'CERTIFICATE')).join('') || c.certPem;
    return { der: c.certDer, chain: [...c.chain], tls: { cert: chainPem, key: c.keyPem }, files: [] };
  }
  if ('pem' in src) return fromPem(path, src.pem, src.key, []);
  if ('cer' in src) {
    const der = Buffer.from(src.cer.replace(/\s+/g, ''), 'base64');
    if (src.cer.includes('-----BEGIN')) throw new ResolveError(path, 'cer must be base64 DER without PEM markers (use "pem" for PEM text)');
    return { der, chain: [der], files: [] };
  }
  if ('pfx' in src) return fromPfx(path, Buffer.from(src.pfx, 'base64'), src.password, []);
  const file = abs(ctx, src.file);
  const files = [file];
  const bytes = read(path, file);
  const ext = extname(file).toLowerCase();
  if (ext === '.pfx' || ext === '.p12') return fromPfx(path, bytes, src.password ?? '', files);
  const text = bytes.toString('latin1');
  if (text.includes('-----BEGIN')) {
    let key: string | undefined;
    if (src.keyFile) {
      const keyFile = abs(ctx, src.keyFile);
      files.push(keyFile);
      key = read(path, keyFile).toString('utf8');
    }
    return fromPem(path, bytes.toString('utf8'), key, files);
  }
  return { der: bytes, chain: [bytes], files }; // a .cer in DER
}

export function resolvePolicy(policy: string | undefined, path: string, ctx: ResolveContext): PolicySource | undefined {
  if (policy === undefined) return undefined;
  if (policy.trimStart().startsWith('<')) return { xml: policy, file: `inline:${path}` };
  const file = abs(ctx, policy);
  return { xml: read(path, file).toString('utf8'), file };
}
