// Body sizes as people write them on a command line: 131073, 64k, 64K, 64KiB, 1m, 1MiB (binary multiples, as curl
// and dd read them), and 60KB / 1MB (decimal, as the SI prefixes say).

const UNITS: Readonly<Record<string, number>> = {
  '': 1,
  b: 1,
  k: 1024,
  kib: 1024,
  kb: 1000,
  m: 1024 ** 2,
  mib: 1024 ** 2,
  mb: 1000 ** 2,
};

export class SizeError extends Error {}

/** Parses a size in bytes; throws SizeError saying what is accepted. */
export function parseSize(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text);
  const unit = m ? UNITS[m[2]!.toLowerCase()] : undefined;
  if (!m || unit === undefined) {
    throw new SizeError(`"${text}" is not a size: expected bytes (131073) or a number with k, KiB, KB, m, MiB or MB (64k = 65536, 60KB = 60000)`);
  }
  const bytes = Number(m[1]) * unit;
  if (!Number.isSafeInteger(bytes)) throw new SizeError(`"${text}" is not a whole number of bytes`);
  return bytes;
}

/** 65536 → "65536 bytes (64 KiB)"; exact bytes first, because edges are about single bytes. */
export function formatSize(bytes: number): string {
  if (bytes >= 1024 ** 2 && bytes % 1024 ** 2 === 0) return `${bytes} bytes (${bytes / 1024 ** 2} MiB)`;
  if (bytes >= 1024 && bytes % 1024 === 0) return `${bytes} bytes (${bytes / 1024} KiB)`;
  return `${bytes} bytes`;
}
