// System.String: instance members (looked up once, at compile time, by name) and the static String methods.
// Ordinal comparison is the default for Equals/==/Contains/Replace; StartsWith/EndsWith/IndexOf(string) default to
// the current culture in .NET, which for the ASCII text of headers and certificate fields behaves as ordinal.
import { argumentError, CsException } from '../errors';
import { CsEnumValue, ignoresCase, isComparison } from './enums';
import { checkLength } from './env';
import { formatValue, toStr, typeNameOf } from './convert';

export type StringMethod = (s: string, args: readonly unknown[]) => unknown;

const argNull = (name: string): CsException =>
  new CsException('ArgumentNullException', `Value cannot be null. (Parameter '${name}')`);
const outOfRange = (name: string): CsException =>
  new CsException('ArgumentOutOfRangeException', `Specified argument was out of the range of valid values. (Parameter '${name}')`);
const badArgs = (method: string, args: readonly unknown[]): CsException =>
  new CsException(
    'RuntimeBinderException',
    `The best overloaded method match for 'String.${method}' has some invalid arguments (${args.map(typeNameOf).join(', ')})`,
  );

const fold = (s: string): string => s.toUpperCase();

function needle(v: unknown, name = 'value'): string {
  if (v === null || v === undefined) throw argNull(name);
  if (typeof v !== 'string') throw badArgs(name, [v]);
  return v;
}

/** Splits optional trailing StringComparison off an argument list. */
function withComparison(args: readonly unknown[]): [readonly unknown[], boolean] {
  const last = args[args.length - 1];
  return isComparison(last) ? [args.slice(0, -1), ignoresCase(last)] : [args, false];
}

function int(v: unknown, name: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v)) throw badArgs(name, [v]);
  return v;
}

const isWs = (c: string): boolean => /\s/.test(c);

function trimChars(args: readonly unknown[]): ((c: string) => boolean) {
  const chars = args.length === 1 && Array.isArray(args[0]) ? (args[0] as unknown[]) : args;
  if (chars.length === 0) return isWs;
  const set = new Set(chars.map((c) => needle(c, 'trimChars')));
  return (c) => set.has(c);
}

function trimStart(s: string, pred: (c: string) => boolean): string {
  let i = 0;
  while (i < s.length && pred(s[i]!)) i++;
  return s.slice(i);
}
function trimEnd(s: string, pred: (c: string) => boolean): string {
  let i = s.length;
  while (i > 0 && pred(s[i - 1]!)) i--;
  return s.slice(0, i);
}

function indexOf(s: string, args: readonly unknown[], last: boolean): number {
  const [rest, ic] = withComparison(args);
  const v = needle(rest[0]);
  const hay = ic ? fold(s) : s;
  const n = ic ? fold(v) : v;
  if (rest.length >= 2) {
    const start = int(rest[1], 'startIndex');
    if (start < 0 || start > s.length) throw outOfRange('startIndex');
    return last ? hay.lastIndexOf(n, start) : hay.indexOf(n, start);
  }
  return last ? hay.lastIndexOf(n) : hay.indexOf(n);
}

function split(s: string, args: readonly unknown[]): string[] {
  let options = 0;
  let count = Number.MAX_SAFE_INTEGER;
  const seps: string[] = [];
  for (const a of args) {
    if (a instanceof CsEnumValue && a.typeName === 'StringSplitOptions') options = a.value;
    else if (typeof a === 'number') count = a;
    else if (typeof a === 'string') seps.push(a);
    else if (Array.isArray(a)) for (const x of a) seps.push(needle(x, 'separator'));
    else if (a !== null && a !== undefined) throw badArgs('Split', args);
  }
  const useWs = seps.every((x) => x === '');
  if (count < 0) throw outOfRange('count');
  const parts: string[] = [];
  let start = 0;
  let i = 0;
  while (i < s.length && parts.length < count - 1) {
    let len = 0;
    if (useWs) len = isWs(s[i]!) ? 1 : 0;
    else for (const sep of seps) if (sep !== '' && s.startsWith(sep, i)) { len = sep.length; break; }
    if (len > 0) {
      parts.push(s.slice(start, i));
      i += len;
      start = i;
    } else i++;
  }
  parts.push(s.slice(start));
  let out = parts;
  if (options & 2) out = out.map((p) => p.trim());
  if (options & 1) out = out.filter((p) => p !== '');
  return count === 0 ? [] : out;
}

function pad(s: string, args: readonly unknown[], left: boolean): string {
  const width = int(args[0], 'totalWidth');
  if (width < 0) throw outOfRange('totalWidth');
  const ch = args.length > 1 ? needle(args[1], 'paddingChar') : ' ';
  return checkLength(left ? s.padStart(width, ch) : s.padEnd(width, ch));
}

export const STRING_METHODS: ReadonlyMap<string, StringMethod> = new Map<string, StringMethod>([
  ['Equals', (s, args) => {
    const [rest, ic] = withComparison(args);
    const o = rest[0];
    if (typeof o !== 'string') return false;
    return ic ? fold(s) === fold(o) : s === o;
  }],
  ['CompareTo', (s, args) => {
    const o = args[0];
    if (o === null || o === undefined) return 1;
    const b = needle(o);
    return s < b ? -1 : s > b ? 1 : 0;
  }],
  ['Contains', (s, args) => {
    const [rest, ic] = withComparison(args);
    const v = needle(rest[0]);
    return ic ? fold(s).includes(fold(v)) : s.includes(v);
  }],
  ['StartsWith', (s, args) => {
    const [rest, ic] = withComparison(args);
    const v = needle(rest[0]);
    return ic ? fold(s).startsWith(fold(v)) : s.startsWith(v);
  }],
  ['EndsWith', (s, args) => {
    const [rest, ic] = withComparison(args);
    const v = needle(rest[0]);
    return ic ? fold(s).endsWith(fold(v)) : s.endsWith(v);
  }],
  ['IndexOf', (s, args) => indexOf(s, args, false)],
  ['LastIndexOf', (s, args) => indexOf(s, args, true)],
  ['ToUpper', (s) => s.toUpperCase()],
  ['ToLower', (s) => s.toLowerCase()],
  ['ToUpperInvariant', (s) => s.toUpperCase()],
  ['ToLowerInvariant', (s) => s.toLowerCase()],
  ['Trim', (s, args) => (args.length === 0 ? trimEnd(trimStart(s, isWs), isWs) : trimEnd(trimStart(s, trimChars(args)), trimChars(args)))],
  ['TrimStart', (s, args) => trimStart(s, trimChars(args))],
  ['TrimEnd', (s, args) => trimEnd(s, trimChars(args))],
  ['Split', (s, args) => split(s, args)],
  ['Replace', (s, args) => {
    const [rest, ic] = withComparison(args);
    const from = needle(rest[0], 'oldValue');
    if (from === '') throw argumentError("String cannot be of zero length. (Parameter 'oldValue')");
    const to = rest[1] === null || rest[1] === undefined ? '' : needle(rest[1], 'newValue');
    if (!ic) return checkLength(s.split(from).join(to));
    let out = '';
    let i = 0;
    const hay = fold(s);
    const n = fold(from);
    for (let j = hay.indexOf(n); j >= 0; j = hay.indexOf(n, i)) {
      out += s.slice(i, j) + to;
      i = j + from.length;
      checkLength(out);
    }
    return checkLength(out + s.slice(i));
  }],
  ['Substring', (s, args) => {
    const start = int(args[0], 'startIndex');
    if (start < 0 || start > s.length) throw outOfRange('startIndex');
    if (args.length < 2) return s.slice(start);
    const len = int(args[1], 'length');
    if (len < 0 || start + len > s.length) throw outOfRange('length');
    return s.slice(start, start + len);
  }],
  ['Remove', (s, args) => {
    const start = int(args[0], 'startIndex');
    if (start < 0 || start > s.length) throw outOfRange('startIndex');
    if (args.length < 2) return s.slice(0, start);
    const len = int(args[1], 'count');
    if (len < 0 || start + len > s.length) throw outOfRange('count');
    return s.slice(0, start) + s.slice(start + len);
  }],
  ['Insert', (s, args) => {
    const at = int(args[0], 'startIndex');
    if (at < 0 || at > s.length) throw outOfRange('startIndex');
    return checkLength(s.slice(0, at) + needle(args[1]) + s.slice(at));
  }],
  ['PadLeft', (s, args) => pad(s, args, true)],
  ['PadRight', (s, args) => pad(s, args, false)],
  ['ToCharArray', (s) => s.split('')],
  ['ToString', (s) => s],
  ['GetType', () => 'System.String'],
]);

/** Methods callable on a string with these argument counts; wrong counts are binder errors. */
const ARITY: Record<string, [number, number]> = {
  Equals: [1, 2], CompareTo: [1, 1], Contains: [1, 2], StartsWith: [1, 2], EndsWith: [1, 2], IndexOf: [1, 3],
  LastIndexOf: [1, 3], ToUpper: [0, 0], ToLower: [0, 0], ToUpperInvariant: [0, 0], ToLowerInvariant: [0, 0],
  Trim: [0, 64], TrimStart: [0, 64], TrimEnd: [0, 64], Split: [0, 64], Replace: [2, 3], Substring: [1, 2],
  Remove: [1, 2], Insert: [2, 2], PadLeft: [1, 2], PadRight: [1, 2], ToCharArray: [0, 0], ToString: [0, 0], GetType: [0, 0],
};

export function stringArityOk(name: string, n: number): boolean {
  const a = Object.hasOwn(ARITY, name) ? ARITY[name] : undefined;
  return a !== undefined && n >= a[0] && n <= a[1];
}

// ---- static String ---------------------------------------------------------------------------------------------

export function stringJoin(sep: unknown, items: readonly unknown[]): string {
  const s = toStr(sep);
  let out = '';
  for (let i = 0; i < items.length; i++) {
    if (i > 0) out += s;
    out += toStr(items[i]);
    if (out.length > 4096) checkLength(out);
  }
  return out;
}

export function stringFormat(format: unknown, args: readonly unknown[]): string {
  const f = needle(format, 'format');
  let out = '';
  for (let i = 0; i < f.length; i++) {
    const c = f[i]!;
    if (c === '{' && f[i + 1] === '{') { out += '{'; i++; continue; }
    if (c === '}' && f[i + 1] === '}') { out += '}'; i++; continue; }
    if (c === '{') {
      const close = f.indexOf('}', i);
      const m = close < 0 ? null : /^(\d+)(?:,(-?\d+))?(?::(.*))?$/.exec(f.slice(i + 1, close));
      if (!m) throw new CsException('FormatException', 'Input string was not in a correct format.');
      const idx = Number(m[1]);
      if (idx >= args.length) throw new CsException('FormatException', 'Index (zero based) must be greater than or equal to zero and less than the size of the argument list.');
      let piece = formatValue(args[idx], m[3]);
      if (m[2]) {
        const w = Number(m[2]);
        piece = w < 0 ? piece.padEnd(-w) : piece.padStart(w);
      }
      out += piece;
      checkLength(out);
      i = close;
      continue;
    }
    if (c === '}') throw new CsException('FormatException', 'Input string was not in a correct format.');
    out += c;
  }
  return out;
}

export function stringCompare(a: unknown, b: unknown, rest: readonly unknown[]): number {
  if (a === null || a === undefined) return b === null || b === undefined ? 0 : -1;
  if (b === null || b === undefined) return 1;
  const ic = rest[0] === true || ignoresCase(rest[0]);
  const x = ic ? fold(needle(a)) : needle(a);
  const y = ic ? fold(needle(b)) : needle(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

export function stringEqualsStatic(a: unknown, b: unknown, cmp: unknown): boolean {
  if (a === null || a === undefined) return b === null || b === undefined;
  if (typeof a !== 'string' || typeof b !== 'string') return false;
  return ignoresCase(cmp) ? fold(a) === fold(b) : a === b;
}

export const isNullOrWhiteSpace = (v: unknown): boolean => v === null || v === undefined || (typeof v === 'string' && v.trim() === '');
