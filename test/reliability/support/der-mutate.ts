// Structure-aware DER mutation for the parser fuzz tests. Flipping random bytes mostly breaks an outer length and
// never reaches the inner code paths; this parses the input into a TLV tree (descending into OCTET STRING and
// BIT STRING contents that are DER themselves, as extensions and keys are), changes one node, and re-encodes every
// length on the way up, so the mutant is well-formed DER up to the node that changed.
import fc from 'fast-check';

interface TlvNode {
  tag: number;
  /** Primitive content, or undefined when `kids` holds the children. */
  raw?: Buffer;
  kids?: TlvNode[];
  /** Prefix byte kept before encapsulated children (the BIT STRING unused-bits byte). */
  lead?: Buffer;
}

function readLength(buf: Buffer, at: number): { length: number; next: number } | undefined {
  if (at >= buf.length) return undefined;
  const first = buf[at]!;
  if (first < 0x80) return { length: first, next: at + 1 };
  const count = first & 0x7f;
  if (count === 0 || count > 4 || at + 1 + count > buf.length) return undefined;
  let length = 0;
  for (let i = 0; i < count; i++) length = length * 256 + buf[at + 1 + i]!;
  return { length, next: at + 1 + count };
}

/** Parses a run of TLVs filling `buf` exactly; undefined when it is not DER. */
function parseRun(buf: Buffer, depth: number): TlvNode[] | undefined {
  const out: TlvNode[] = [];
  for (let at = 0; at < buf.length; ) {
    const tag = buf[at]!;
    if ((tag & 0x1f) === 0x1f) return undefined;
    const len = readLength(buf, at + 1);
    if (!len || len.next + len.length > buf.length) return undefined;
    const content = buf.subarray(len.next, len.next + len.length);
    out.push(parseNode(tag, content, depth));
    at = len.next + len.length;
  }
  return out;
}

function parseNode(tag: number, content: Buffer, depth: number): TlvNode {
  if (depth > 40) return { tag, raw: content };
  if (tag & 0x20) {
    const kids = parseRun(content, depth + 1);
    return kids ? { tag, kids } : { tag, raw: content };
  }
  // Encapsulated DER: extnValue (OCTET STRING), subjectPublicKey (BIT STRING with a 0 unused-bits byte).
  if (tag === 0x04 && content.length > 1 && content[0] === 0x30) {
    const kids = parseRun(content, depth + 1);
    if (kids) return { tag, kids };
  }
  if (tag === 0x03 && content.length > 2 && content[0] === 0 && content[1] === 0x30) {
    const kids = parseRun(content.subarray(1), depth + 1);
    if (kids) return { tag, kids, lead: content.subarray(0, 1) };
  }
  return { tag, raw: content };
}

function lengthBytes(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

function encode(node: TlvNode): Buffer {
  const content = node.kids ? Buffer.concat([node.lead ?? Buffer.alloc(0), ...node.kids.map(encode)]) : node.raw!;
  return Buffer.concat([Buffer.from([node.tag]), lengthBytes(content.length), content]);
}

function allNodes(root: TlvNode): TlvNode[] {
  const out: TlvNode[] = [];
  const walk = (n: TlvNode): void => {
    out.push(n);
    n.kids?.forEach(walk);
  };
  walk(root);
  return out;
}

const clone = (n: TlvNode): TlvNode => ({ tag: n.tag, raw: n.raw, lead: n.lead, kids: n.kids?.map(clone) });

export type DerMutation =
  | { kind: 'empty'; node: number } // content removed (an empty SEQUENCE where fields are expected, empty INTEGER…)
  | { kind: 'retag'; node: number; tag: number }
  | { kind: 'dropChild'; node: number; child: number }
  | { kind: 'duplicateChild'; node: number; child: number }
  | { kind: 'swapChildren'; node: number; child: number }
  | { kind: 'replaceContent'; node: number; bytes: Uint8Array } // primitive content becomes random bytes
  | { kind: 'insertChild'; node: number; child: number; bytes: Uint8Array } // a random TLV among the children
  | { kind: 'grow'; node: number; by: number } // content padded with zero bytes (oversized INTEGER, long OID…)
  | { kind: 'flipByte'; at: number; xor: number } // raw: breaks lengths too
  | { kind: 'truncate'; at: number };

export const derMutationArb: fc.Arbitrary<DerMutation> = fc.oneof(
  fc.record({ kind: fc.constant('empty' as const), node: fc.nat() }),
  fc.record({ kind: fc.constant('retag' as const), node: fc.nat(), tag: fc.constantFrom(0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x0c, 0x13, 0x17, 0x18, 0x1e, 0x1c, 0x30, 0x31, 0x80, 0x82, 0x86, 0xa0, 0xa1, 0xa2, 0xa3, 0xff) }),
  fc.record({ kind: fc.constant('dropChild' as const), node: fc.nat(), child: fc.nat() }),
  fc.record({ kind: fc.constant('duplicateChild' as const), node: fc.nat(), child: fc.nat() }),
  fc.record({ kind: fc.constant('swapChildren' as const), node: fc.nat(), child: fc.nat() }),
  fc.record({ kind: fc.constant('replaceContent' as const), node: fc.nat(), bytes: fc.uint8Array({ maxLength: 24 }) }),
  fc.record({ kind: fc.constant('insertChild' as const), node: fc.nat(), child: fc.nat(), bytes: fc.uint8Array({ maxLength: 12 }) }),
  fc.record({ kind: fc.constant('grow' as const), node: fc.nat(), by: fc.integer({ min: 1, max: 300 }) }),
  fc.record({ kind: fc.constant('flipByte' as const), at: fc.nat(), xor: fc.integer({ min: 1, max: 255 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
);

/** Applies mutations in order. Input that is not DER at all only gets the raw (byte-level) mutations. */
export function mutateDer(base: Buffer, mutations: readonly DerMutation[]): Buffer {
  let buf: Buffer = Buffer.from(base);
  for (const m of mutations) {
    if (m.kind === 'flipByte') {
      if (buf.length === 0) continue;
      buf = Buffer.from(buf);
      buf[m.at % buf.length] ^= m.xor;
      continue;
    }
    if (m.kind === 'truncate') {
      buf = buf.subarray(0, buf.length === 0 ? 0 : m.at % buf.length);
      continue;
    }
    const run = parseRun(buf, 0);
    if (!run || run.length !== 1) continue;
    const root = clone(run[0]!);
    const nodes = allNodes(root);
    const node = nodes[m.node % nodes.length]!;
    const kids = node.kids;
    switch (m.kind) {
      case 'empty':
        node.kids = undefined;
        node.lead = undefined;
        node.raw = Buffer.alloc(0);
        break;
      case 'retag':
        node.tag = m.tag;
        break;
      case 'dropChild':
        if (kids?.length) kids.splice(m.child % kids.length, 1);
        break;
      case 'duplicateChild':
        if (kids?.length) kids.splice(m.child % kids.length, 0, clone(kids[m.child % kids.length]!));
        break;
      case 'swapChildren':
        if (kids && kids.length > 1) {
          const a = m.child % kids.length;
          const b = (a + 1) % kids.length;
          [kids[a], kids[b]] = [kids[b]!, kids[a]!];
        }
        break;
      case 'replaceContent':
        node.kids = undefined;
        node.lead = undefined;
        node.raw = Buffer.from(m.bytes);
        break;
      case 'insertChild':
        if (kids) kids.splice(m.child % (kids.length + 1), 0, { tag: m.bytes[0] ?? 0x05, raw: Buffer.from(m.bytes.subarray(1)) });
        break;
      case 'grow':
        if (node.raw) node.raw = Buffer.concat([Buffer.alloc(m.by, m.by % 2 ? 0xff : 0), node.raw]);
        break;
    }
    buf = encode(root);
  }
  return buf;
}

/** Mutants of one of `bases`: 1–4 mutations each. */
export function mutatedDerArb(bases: readonly Buffer[]): fc.Arbitrary<Buffer> {
  return fc
    .tuple(fc.nat({ max: bases.length - 1 }), fc.array(derMutationArb, { minLength: 1, maxLength: 4 }))
    .map(([i, ms]) => mutateDer(bases[i]!, ms));
}
