// A minimal DER writer and reader.
//
// Why by hand: certificates, CRLs and OCSP answers are built on hot paths (≥ 2,000 leaves/s, thousands of OCSP
// answers/s). The schema libraries (@peculiar/asn1-schema, asn1js, node-forge's asn1) cost milliseconds per
// structure; DER for a fixed, known structure is a few concatenations. The reader walks TLVs lazily with bounds
// checks so a 10,000-entry CRL parses in milliseconds and malformed input raises DerError instead of crashing.

export class DerError extends Error {
  constructor(message: string, readonly offset: number) {
    super(`${message} (at byte ${offset})`);
    this.name = 'DerError';
  }
}

export const Tag = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  ENUMERATED: 0x0a,
  UTF8_STRING: 0x0c,
  PRINTABLE_STRING: 0x13,
  T61_STRING: 0x14,
  IA5_STRING: 0x16,
  UTC_TIME: 0x17,
  GENERALIZED_TIME: 0x18,
  UNIVERSAL_STRING: 0x1c,
  BMP_STRING: 0x1e,
  SEQUENCE: 0x30,
  SET: 0x31,
} as const;

// ---------------------------------------------------------------------------------------------------------------
// Writer

function lengthBytes(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length]);
  const bytes: number[] = [];
  for (let n = length; n > 0; n = Math.floor(n / 256)) bytes.unshift(n & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

/** One TLV. `content` may be a list of already-encoded children, concatenated in order. */
export function tlv(tag: number, content: Buffer | readonly Buffer[]): Buffer {
  const body = Buffer.isBuffer(content) ? content : Buffer.concat(content as Buffer[]);
  return Buffer.concat([Buffer.from([tag]), lengthBytes(body.length), body]);
}

export const seq = (...items: Buffer[]): Buffer => tlv(Tag.SEQUENCE, items);

/** SET OF in DER order: elements sorted by their encodings (X.690 §11.6). */
export const setOf = (...items: Buffer[]): Buffer => tlv(Tag.SET, [...items].sort(Buffer.compare));

/** An INTEGER. Buffers are taken as unsigned big-endian magnitudes (serial numbers). */
export function int(value: bigint | number | Buffer): Buffer {
  if (Buffer.isBuffer(value)) {
    let start = 0;
    while (start < value.length - 1 && value[start] === 0) start++;
    const magnitude = value.subarray(start);
    const body = magnitude.length === 0 ? Buffer.from([0]) : magnitude[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), magnitude]) : magnitude;
    return tlv(Tag.INTEGER, body);
  }
  let v = BigInt(value);
  if (v < 0n) throw new RangeError('negative INTEGER is not needed by certgate');
  const bytes: number[] = [];
  do {
    bytes.unshift(Number(v & 0xffn));
    v >>= 8n;
  } while (v > 0n);
  if (bytes[0]! & 0x80) bytes.unshift(0);
  return tlv(Tag.INTEGER, Buffer.from(bytes));
}

export const enumerated = (value: number): Buffer => {
  const encoded = int(value);
  encoded[0] = Tag.ENUMERATED;
  return encoded;
};

const oidCache = new Map<string, Buffer>();
export function oid(dotted: string): Buffer {
  const cached = oidCache.get(dotted);
  if (cached) return cached;
  const arcs = dotted.split('.').map((a) => BigInt(a));
  if (arcs.length < 2) throw new RangeError(`bad OID ${dotted}`);
  const bytes: number[] = [];
  const pushArc = (arc: bigint) => {
    const chunk: number[] = [Number(arc & 0x7fn)];
    for (arc >>= 7n; arc > 0n; arc >>= 7n) chunk.unshift(Number(arc & 0x7fn) | 0x80);
    bytes.push(...chunk);
  };
  pushArc(arcs[0]! * 40n + arcs[1]!);
  for (const arc of arcs.slice(2)) pushArc(arc);
  const encoded = tlv(Tag.OID, Buffer.from(bytes));
  oidCache.set(dotted, encoded);
  return encoded;
}

export const utf8 = (s: string): Buffer => tlv(Tag.UTF8_STRING, Buffer.from(s, 'utf8'));
export const printable = (s: string): Buffer => tlv(Tag.PRINTABLE_STRING, Buffer.from(s, 'latin1'));
export const ia5 = (s: string): Buffer => tlv(Tag.IA5_STRING, Buffer.from(s, 'latin1'));
export const octetString = (b: Buffer): Buffer => tlv(Tag.OCTET_STRING, b);
export const bool = (b: boolean): Buffer => Buffer.from([Tag.BOOLEAN, 1, b ? 0xff : 0]);
export const nullValue = (): Buffer => Buffer.from([Tag.NULL, 0]);
export const bitString = (b: Buffer, unusedBits = 0): Buffer => tlv(Tag.BIT_STRING, [Buffer.from([unusedBits]), b]);

/** [n] EXPLICIT: a constructed context tag wrapping complete encodings. */
export const explicit = (n: number, ...inner: Buffer[]): Buffer => tlv(0xa0 | n, inner);
/** [n] IMPLICIT primitive: the content of a primitive type under a context tag. */
export const implicitPrimitive = (n: number, content: Buffer): Buffer => tlv(0x80 | n, content);
/** [n] IMPLICIT constructed (for implicitly tagged SEQUENCEs). */
export const implicitConstructed = (n: number, ...inner: Buffer[]): Buffer => tlv(0xa0 | n, inner);

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

export function utcTime(d: Date): Buffer {
  const s = `${pad(d.getUTCFullYear() % 100)}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}${pad(d.getUTCSeconds())}Z`;
  return tlv(Tag.UTC_TIME, Buffer.from(s, 'latin1'));
}

export function generalizedTime(d: Date): Buffer {
  const s = `${pad(d.getUTCFullYear(), 4)}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}${pad(d.getUTCSeconds())}Z`;
  return tlv(Tag.GENERALIZED_TIME, Buffer.from(s, 'latin1'));
}

/** RFC 5280 §4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050. */
export const x509Time = (d: Date): Buffer => (d.getUTCFullYear() >= 1950 && d.getUTCFullYear() < 2050 ? utcTime(d) : generalizedTime(d));

// ---------------------------------------------------------------------------------------------------------------
// Reader

export interface DerNode {
  readonly buf: Buffer;
  readonly tag: number;
  /** Offset of the tag byte. */
  readonly start: number;
  /** Offset of the first content byte. */
  readonly contentStart: number;
  /** Offset one past the last content byte. */
  readonly end: number;
}

/** Reads the TLV at `offset`, checking that it fits inside `limit`. Only single-byte tags (all X.509 needs). */
export function readNode(buf: Buffer, offset = 0, limit = buf.length): DerNode {
  if (offset + 2 > limit) throw new DerError('truncated TLV header', offset);
  const tag = buf[offset]!;
  if ((tag & 0x1f) === 0x1f) throw new DerError('multi-byte tags are not supported', offset);
  let length = buf[offset + 1]!;
  let contentStart = offset + 2;
  if (length & 0x80) {
    const count = length & 0x7f;
    if (count === 0) throw new DerError('indefinite length is not DER', offset);
    if (count > 4) throw new DerError('length too large', offset);
    if (contentStart + count > limit) throw new DerError('truncated length', offset);
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + buf[contentStart + i]!;
    contentStart += count;
  }
  const end = contentStart + length;
  if (end > limit) throw new DerError(`content runs past its container (${end} > ${limit})`, offset);
  return { buf, tag, start: offset, contentStart, end };
}

export function expectTag(node: DerNode, tag: number, what: string): DerNode {
  if (node.tag !== tag) {
    throw new DerError(`expected ${what} (tag 0x${tag.toString(16)}), found tag 0x${node.tag.toString(16)}`, node.start);
  }
  return node;
}

/** The children of a constructed node. */
export function children(node: DerNode): DerNode[] {
  const out: DerNode[] = [];
  for (let at = node.contentStart; at < node.end; ) {
    const child = readNode(node.buf, at, node.end);
    out.push(child);
    at = child.end;
  }
  return out;
}

export const contentOf = (node: DerNode): Buffer => node.buf.subarray(node.contentStart, node.end);
export const encodingOf = (node: DerNode): Buffer => node.buf.subarray(node.start, node.end);

/** Parses exactly one TLV occupying the whole buffer. */
export function parseDer(buf: Buffer): DerNode {
  const node = readNode(buf, 0, buf.length);
  if (node.end !== buf.length) throw new DerError(`${buf.length - node.end} trailing bytes after the outer TLV`, node.end);
  return node;
}

export function readInteger(node: DerNode): bigint {
  if (node.tag !== Tag.INTEGER && node.tag !== Tag.ENUMERATED && (node.tag & 0xc0) !== 0x80) {
    throw new DerError(`expected INTEGER, found tag 0x${node.tag.toString(16)}`, node.start);
  }
  const c = contentOf(node);
  if (c.length === 0) throw new DerError('empty INTEGER', node.start);
  let v = 0n;
  for (const b of c) v = (v << 8n) | BigInt(b);
  if (c[0]! & 0x80) v -= 1n << BigInt(c.length * 8);
  return v;
}

/** The INTEGER's content octets as written (what .NET's SerialNumber prints, in hex). */
export const readIntegerBytes = (node: DerNode): Buffer => contentOf(expectTag(node, Tag.INTEGER, 'INTEGER'));

const oidReadCache = new Map<string, string>();
export function readOid(node: DerNode): string {
  const c = contentOf(expectTag(node, Tag.OID, 'OBJECT IDENTIFIER'));
  const key = c.toString('latin1');
  const cached = oidReadCache.get(key);
  if (cached) return cached;
  if (c.length === 0) throw new DerError('empty OID', node.start);
  const arcs: bigint[] = [];
  let acc = 0n;
  for (let i = 0; i < c.length; i++) {
    acc = (acc << 7n) | BigInt(c[i]! & 0x7f);
    if (!(c[i]! & 0x80)) {
      arcs.push(acc);
      acc = 0n;
    } else if (i === c.length - 1) {
      throw new DerError('OID ends inside an arc', node.start);
    }
  }
  const first = arcs[0]!;
  const head = first < 40n ? [0n, first] : first < 80n ? [1n, first - 40n] : [2n, first - 80n];
  const dotted = [...head, ...arcs.slice(1)].join('.');
  if (oidReadCache.size < 4096) oidReadCache.set(key, dotted);
  return dotted;
}

export function readTime(node: DerNode): Date {
  const s = contentOf(node).toString('latin1');
  let m: RegExpMatchArray | null;
  if (node.tag === Tag.UTC_TIME && (m = s.match(/^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/))) {
    const yy = Number(m[1]);
    return new Date(Date.UTC(yy < 50 ? 2000 + yy : 1900 + yy, Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])));
  }
  if (node.tag === Tag.GENERALIZED_TIME && (m = s.match(/^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(?:\.\d+)?Z$/))) {
    return new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])));
  }
  throw new DerError(`bad time "${s}"`, node.start);
}

/** Decodes any of the X.500 string types to a JS string. */
export function readString(node: DerNode): string {
  const c = contentOf(node);
  switch (node.tag) {
    case Tag.UTF8_STRING:
      return c.toString('utf8');
    case Tag.BMP_STRING: {
      const swapped = Buffer.from(c);
      swapped.swap16();
      return swapped.toString('utf16le');
    }
    case Tag.UNIVERSAL_STRING: {
      let s = '';
      for (let i = 0; i + 3 < c.length; i += 4) s += String.fromCodePoint(c.readUInt32BE(i));
      return s;
    }
    case Tag.PRINTABLE_STRING:
    case Tag.IA5_STRING:
    case Tag.T61_STRING:
    case 0x1a: // VisibleString
    case 0x12: // NumericString
      return c.toString('latin1');
    default:
      throw new DerError(`tag 0x${node.tag.toString(16)} is not a string type`, node.start);
  }
}

/** BIT STRING content without the unused-bits byte. */
export function readBitString(node: DerNode): Buffer {
  const c = contentOf(expectTag(node, Tag.BIT_STRING, 'BIT STRING'));
  if (c.length === 0) throw new DerError('empty BIT STRING', node.start);
  return c.subarray(1);
}

export function pemToDer(pem: string, label?: string): Buffer[] {
  const re = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;
  const out: Buffer[] = [];
  for (const m of pem.matchAll(re)) {
    if (label && m[1] !== label) continue;
    out.push(Buffer.from(m[2]!.replace(/\s+/g, ''), 'base64'));
  }
  return out;
}

export function derToPem(der: Buffer, label: string): string {
  const b64 = der.toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '');
  return `-----BEGIN ${label}-----\n${b64}\n-----END ${label}-----\n`;
}
