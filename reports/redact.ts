// A last-line guard: every report writer passes its text through here before it touches the disk, and private key
// material anywhere in it (a PEM private key, or a DER private key in base64 without its PEM armour) stops the write.
// It refuses rather than scrubs: a key in a result means a bug upstream, and a silently redacted report hides it.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

export type PrivateKeyKind = 'pem-marker' | 'pkcs8-der' | 'pkcs1-der' | 'sec1-der' | 'encrypted-pkcs8-der';

export interface PrivateKeyFinding {
  readonly kind: PrivateKeyKind;
  /** 1-based line and column of the match in the scanned text (never the matched text itself). */
  readonly line: number;
  readonly column: number;
}

export class PrivateKeyInReportError extends Error {
  constructor(
    readonly where: string,
    readonly findings: readonly PrivateKeyFinding[],
  ) {
    const first = findings[0]!;
    super(
      `refusing to write ${where}: it contains private key material (${findings.length} finding(s); first: ` +
        `${first.kind} at line ${first.line}, column ${first.column}). Private keys must never appear in a report.`,
    );
    this.name = 'PrivateKeyInReportError';
  }
}

// "-----BEGIN PRIVATE KEY-----", "RSA PRIVATE KEY", "EC PRIVATE KEY", "ENCRYPTED PRIVATE KEY", "OPENSSH PRIVATE KEY"…
const PEM_MARKER = /-{3,}\s*BEGIN [A-Z0-9 ]*PRIVATE KEY\s*-{3,}/g;
// Long enough to hold the first DER bytes of a key; base64url too, since JSON Web contexts use it.
const BASE64_RUN = /[A-Za-z0-9+/_-]{24,}/g;

export function findPrivateKeyMaterial(text: string): PrivateKeyFinding[] {
  const hits: { kind: PrivateKeyKind; offset: number }[] = [];
  for (const m of text.matchAll(PEM_MARKER)) hits.push({ kind: 'pem-marker', offset: m.index });
  for (const m of text.matchAll(BASE64_RUN)) {
    const kind = classifyDerPrefix(decodePrefix(m[0]));
    if (kind) hits.push({ kind, offset: m.index });
  }
  hits.sort((a, b) => a.offset - b.offset);
  return hits.map((h) => ({ kind: h.kind, ...lineColumn(text, h.offset) }));
}

export function assertNoPrivateKeyMaterial(text: string, where: string): void {
  const findings = findPrivateKeyMaterial(text);
  if (findings.length > 0) throw new PrivateKeyInReportError(where, findings);
}

/**
 * Checks the whole input (e.g. a RunReport) rather than one rendering of it: a format that happens not to print a
 * field today must still refuse a run that carries a key, because the key's presence is the bug.
 */
export function assertNoPrivateKeyInValue(value: unknown, where: string): void {
  assertNoPrivateKeyMaterial(JSON.stringify(value, null, 1) ?? '', where);
}

/** Writes a report file after the guard; creates the directory. Every writer in reports/ goes through this. */
export async function writeGuardedReport(path: string, text: string): Promise<void> {
  assertNoPrivateKeyMaterial(text, path);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, text, 'utf8');
}

function decodePrefix(run: string): Uint8Array {
  // 32 base64 characters = 24 bytes, enough for every structure below.
  const head = run.slice(0, 32).replace(/-/g, '+').replace(/_/g, '/');
  return Buffer.from(head.slice(0, head.length - (head.length % 4)), 'base64');
}

/** Recognises the opening bytes of the DER private key structures (not certificates, CRLs or OCSP). */
export function classifyDerPrefix(der: Uint8Array): PrivateKeyKind | undefined {
  if (der[0] !== 0x30) return undefined;
  const body = skipLength(der, 1);
  if (body === undefined) return undefined;
  const at = (i: number) => der[body + i];
  // version INTEGER 0 or 1 right after the outer SEQUENCE: only private key structures start like this.
  if (at(0) === 0x02 && at(1) === 0x01 && (at(2) === 0x00 || at(2) === 0x01)) {
    const next = at(3);
    if (next === 0x30 && at(5) === 0x06) return 'pkcs8-der'; // PrivateKeyInfo / OneAsymmetricKey: AlgorithmIdentifier
    if (next === 0x30) {
      const alg = skipLength(der, body + 4);
      if (alg !== undefined && der[alg] === 0x06) return 'pkcs8-der';
    }
    if (at(2) === 0x00 && next === 0x02) return 'pkcs1-der'; // RSAPrivateKey: modulus INTEGER
    if (at(2) === 0x01 && next === 0x04) return 'sec1-der'; // ECPrivateKey: privateKey OCTET STRING
  }
  // EncryptedPrivateKeyInfo: SEQUENCE { SEQUENCE { OID pkcs5PBES2 / pbeWith… 1.2.840.113549.1.5.x or .1.12.1.x } }
  if (at(0) === 0x30) {
    const inner = skipLength(der, body + 1);
    if (inner !== undefined && der[inner] === 0x06) {
      const oid = Buffer.from(der.subarray(inner + 2, inner + 2 + der[inner + 1]!)).toString('hex');
      if (oid.startsWith('2a864886f70d0105') || oid.startsWith('2a864886f70d010c01')) return 'encrypted-pkcs8-der';
    }
  }
  return undefined;
}

/** Index of the first content byte after the tag at `tagIndex - 1` whose length starts at `tagIndex`. */
function skipLength(der: Uint8Array, lengthIndex: number): number | undefined {
  const first = der[lengthIndex];
  if (first === undefined) return undefined;
  if (first < 0x80) return lengthIndex + 1;
  const n = first & 0x7f;
  if (n === 0 || n > 4) return undefined;
  return lengthIndex + 1 + n;
}

function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) {
    line += 1;
    lineStart = i + 1;
  }
  return { line, column: offset - lineStart + 1 };
}
