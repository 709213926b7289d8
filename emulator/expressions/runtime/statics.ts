// Static members of the .NET types expressions may name (string.IsNullOrEmpty, DateTime.UtcNow, int.Parse,
// Convert.ToBase64String, ...). Looked up by name at compile time; unknown names fail at load, as C# would.
import type { TypeRef } from '../ast';
import { CsException, formatError } from '../errors';
import { HOST_OBJECT, NO_SUCH_MEMBER, type HostObject } from '../host';
import { toStr, typeNameOf } from './convert';
import { CsDateTime, CsTimeSpan, DATETIME_MAX, DATETIME_MIN, parseDateTime, TIME_MS } from './datetime';
import { ENUMS } from './enums';
import { checkLength, type Env } from './env';
import { elements, isEnumerable, range, repeat } from './linq';
import { isNullOrWhiteSpace, stringCompare, stringEqualsStatic, stringFormat, stringJoin } from './strings';

export interface StaticMethod {
  readonly min: number;
  readonly max: number;
  readonly fn: (env: Env, args: readonly unknown[], typeArgs: readonly TypeRef[]) => unknown;
}
export interface StaticType {
  readonly name: string;
  readonly props: ReadonlyMap<string, (env: Env) => unknown>;
  readonly methods: ReadonlyMap<string, StaticMethod>;
}

const m = (min: number, max: number, fn: StaticMethod['fn']): StaticMethod => ({ min, max, fn });
const MANY = 64;

class CsEncoding implements HostObject {
  readonly [HOST_OBJECT] = true as const;
  readonly typeName = 'Encoding';
  constructor(private readonly enc: 'utf8' | 'ascii' | 'utf16le') {}
  getMember(): unknown {
    return NO_SUCH_MEMBER;
  }
  invoke(name: string, args: readonly unknown[]): unknown {
    const a = args[0];
    if (name === 'GetBytes' && args.length === 1) {
      if (typeof a !== 'string') throw nullOrType('s', a);
      return new Uint8Array(Buffer.from(this.enc === 'ascii' ? a.replace(/[^\x00-\x7f]/g, '?') : a, this.enc));
    }
    if (name === 'GetString' && args.length === 1) {
      if (!(a instanceof Uint8Array)) throw nullOrType('bytes', a);
      return checkLength(Buffer.from(a).toString(this.enc));
    }
    return NO_SUCH_MEMBER;
  }
}

const nullOrType = (param: string, v: unknown): CsException =>
  v === null || v === undefined
    ? new CsException('ArgumentNullException', `Value cannot be null. (Parameter '${param}')`)
    : new CsException('RuntimeBinderException', `Argument '${param}' has the wrong type ${typeNameOf(v)}`);

function parseInteger(v: unknown, bits: 32 | 64): number {
  if (typeof v !== 'string') throw nullOrType('s', v);
  if (!/^\s*[+-]?\d+\s*$/.test(v)) throw formatError(`The input string '${v}' was not in a correct format.`);
  const n = Number(v.trim());
  const limit = bits === 32 ? 2 ** 31 : 2 ** 63;
  if (n >= limit || n < -limit) throw new CsException('OverflowException', `Value was either too large or too small for an Int${bits}.`);
  return n;
}

function parseDouble(v: unknown): number {
  if (typeof v !== 'string') throw nullOrType('s', v);
  const t = v.trim();
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t)) throw formatError(`The input string '${v}' was not in a correct format.`);
  return Number(t);
}

// Convert.ToInt32(double) rounds half to even.
function roundEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

function toInteger(v: unknown, bits: 32 | 64): number {
  if (v === null || v === undefined) return 0;
  if (typeof v === 'number') return roundEven(v);
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'string') return parseInteger(v, bits);
  throw new CsException('InvalidCastException', `Unable to cast object of type '${typeNameOf(v)}' to type 'IConvertible'.`);
}

function bool(v: unknown): boolean {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string') {
    const t = v.trim().toLowerCase();
    if (t === 'true' || t === 'false') return t === 'true';
    throw formatError(`String '${v}' was not recognized as a valid Boolean.`);
  }
  if (typeof v === 'number') return v !== 0;
  if (v === null || v === undefined) return false;
  throw new CsException('InvalidCastException', `Unable to cast object of type '${typeNameOf(v)}' to type 'IConvertible'.`);
}

function num(v: unknown, what: string): number {
  if (typeof v !== 'number') throw nullOrType(what, v);
  return v;
}

function joinArgs(args: readonly unknown[], env: Env): readonly unknown[] {
  const rest = args.slice(1);
  return rest.length === 1 && isEnumerable(rest[0]) && typeof rest[0] !== 'string' ? elements(env, rest[0]) : rest;
}

const STRING: StaticType = {
  name: 'String',
  props: new Map([['Empty', () => '']]),
  methods: new Map([
    ['IsNullOrEmpty', m(1, 1, (_e, [v]) => v === null || v === undefined || v === '')],
    ['IsNullOrWhiteSpace', m(1, 1, (_e, [v]) => isNullOrWhiteSpace(v))],
    ['Join', m(2, MANY, (env, args) => stringJoin(args[0], joinArgs(args, env)))],
    ['Concat', m(1, MANY, (env, args) => stringJoin('', args.length === 1 && isEnumerable(args[0]) && typeof args[0] !== 'string' ? elements(env, args[0]) : args))],
    ['Equals', m(2, 3, (_e, [a, b, c]) => stringEqualsStatic(a, b, c))],
    ['Compare', m(2, 3, (_e, [a, b, ...rest]) => stringCompare(a, b, rest))],
    ['CompareOrdinal', m(2, 2, (_e, [a, b]) => stringCompare(a, b, []))],
    ['Format', m(1, MANY, (_e, args) => stringFormat(args[0], args.length === 2 && Array.isArray(args[1]) ? args[1] : args.slice(1)))],
  ]),
};

const integer = (bits: 32 | 64): StaticType => ({
  name: bits === 32 ? 'Int32' : 'Int64',
  props: new Map([
    ['MaxValue', () => (bits === 32 ? 2 ** 31 - 1 : Number.MAX_SAFE_INTEGER)],
    ['MinValue', () => (bits === 32 ? -(2 ** 31) : Number.MIN_SAFE_INTEGER)],
  ]),
  methods: new Map([['Parse', m(1, 1, (_e, [v]) => parseInteger(v, bits))]]),
});

const DOUBLE: StaticType = {
  name: 'Double',
  props: new Map<string, () => unknown>([['NaN', () => NaN], ['MaxValue', () => Number.MAX_VALUE], ['PositiveInfinity', () => Infinity], ['NegativeInfinity', () => -Infinity]]),
  methods: new Map([['Parse', m(1, 1, (_e, [v]) => parseDouble(v))], ['IsNaN', m(1, 1, (_e, [v]) => Number.isNaN(num(v, 'd')))]]),
};

const BOOL: StaticType = {
  name: 'Boolean',
  props: new Map([['TrueString', () => 'True'], ['FalseString', () => 'False']]),
  methods: new Map([['Parse', m(1, 1, (_e, [v]) => {
    if (typeof v !== 'string') throw nullOrType('value', v);
    return bool(v);
  })]]),
};

const DATETIME: StaticType = {
  name: 'DateTime',
  props: new Map([
    ['Now', (env: Env) => new CsDateTime(new Date(env.now()), 'Local')],
    ['UtcNow', (env: Env) => new CsDateTime(new Date(env.now()), 'Utc')],
    ['Today', (env: Env) => {
      const n = new CsDateTime(new Date(env.now()), 'Local');
      return n.getMember('Date');
    }],
    ['MinValue', () => DATETIME_MIN()],
    ['MaxValue', () => DATETIME_MAX()],
  ]),
  methods: new Map([
    ['Parse', m(1, 1, (_e, [v]) => {
      if (typeof v !== 'string') throw nullOrType('s', v);
      return parseDateTime(v);
    })],
    ['Compare', m(2, 2, (_e, [a, b]) => {
      if (!(a instanceof CsDateTime) || !(b instanceof CsDateTime)) throw nullOrType('t1', a instanceof CsDateTime ? b : a);
      return Math.sign(a.wall - b.wall);
    })],
  ]),
};

const span = (unit: number) => m(1, 1, (_e, [v]) => new CsTimeSpan(num(v, 'value') * unit));
const TIMESPAN: StaticType = {
  name: 'TimeSpan',
  props: new Map([['Zero', () => new CsTimeSpan(0)]]),
  methods: new Map([
    ['FromDays', span(TIME_MS.day)],
    ['FromHours', span(TIME_MS.hour)],
    ['FromMinutes', span(TIME_MS.minute)],
    ['FromSeconds', span(TIME_MS.second)],
    ['FromMilliseconds', span(1)],
  ]),
};

const CONVERT: StaticType = {
  name: 'Convert',
  props: new Map(),
  methods: new Map([
    ['ToBase64String', m(1, 1, (_e, [v]) => {
      if (!(v instanceof Uint8Array)) throw nullOrType('inArray', v);
      return checkLength(Buffer.from(v).toString('base64'));
    })],
    ['FromBase64String', m(1, 1, (_e, [v]) => {
      if (typeof v !== 'string') throw nullOrType('s', v);
      const t = v.replace(/[\s]/g, '');
      if (t.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(t)) {
        throw formatError('The input is not a valid Base-64 string as it contains a non-base 64 character, more than two padding characters, or an illegal character among the padding characters.');
      }
      return new Uint8Array(Buffer.from(t, 'base64'));
    })],
    ['ToInt32', m(1, 1, (_e, [v]) => toInteger(v, 32))],
    ['ToInt64', m(1, 1, (_e, [v]) => toInteger(v, 64))],
    ['ToDouble', m(1, 1, (_e, [v]) => (typeof v === 'string' ? parseDouble(v) : typeof v === 'number' ? v : v == null ? 0 : bool(v) ? 1 : 0))],
    ['ToBoolean', m(1, 1, (_e, [v]) => bool(v))],
    ['ToString', m(1, 1, (_e, [v]) => toStr(v))],
  ]),
};

const ENCODING: StaticType = {
  name: 'Encoding',
  props: new Map([
    ['UTF8', () => UTF8],
    ['ASCII', () => ASCII],
    ['Unicode', () => UNICODE],
  ]),
  methods: new Map(),
};
const UTF8 = new CsEncoding('utf8');
const ASCII = new CsEncoding('ascii');
const UNICODE = new CsEncoding('utf16le');

const math1 = (f: (x: number) => number) => m(1, 1, (_e, [v]) => f(num(v, 'value')));
const MATH: StaticType = {
  name: 'Math',
  props: new Map([['PI', () => Math.PI], ['E', () => Math.E]]),
  methods: new Map([
    ['Max', m(2, 2, (_e, [a, b]) => Math.max(num(a, 'val1'), num(b, 'val2')))],
    ['Min', m(2, 2, (_e, [a, b]) => Math.min(num(a, 'val1'), num(b, 'val2')))],
    ['Abs', math1(Math.abs)],
    ['Floor', math1(Math.floor)],
    ['Ceiling', math1(Math.ceil)],
    ['Round', math1(roundEven)],
    ['Sqrt', math1(Math.sqrt)],
    ['Pow', m(2, 2, (_e, [a, b]) => Math.pow(num(a, 'x'), num(b, 'y')))],
  ]),
};

const ENUMERABLE: StaticType = {
  name: 'Enumerable',
  props: new Map(),
  methods: new Map([
    ['Range', m(2, 2, (env, [a, b]) => range(env, a, b))],
    ['Repeat', m(2, 2, (env, [a, b]) => repeat(env, a, b))],
    ['Empty', m(0, 0, () => [])],
  ]),
};

const URI: StaticType = {
  name: 'Uri',
  props: new Map(),
  methods: new Map([
    ['EscapeDataString', m(1, 1, (_e, [v]) => {
      if (typeof v !== 'string') throw nullOrType('stringToEscape', v);
      return checkLength(encodeURIComponent(v).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase()));
    })],
    ['UnescapeDataString', m(1, 1, (_e, [v]) => {
      if (typeof v !== 'string') throw nullOrType('stringToUnescape', v);
      try {
        return decodeURIComponent(v);
      } catch {
        return v; // .NET leaves invalid escapes as they are
      }
    })],
  ]),
};

/** WebUtility.UrlDecode: '+' is a space, %XX are UTF-8 bytes, invalid escapes stay as written (as .NET does). */
function urlDecode(s: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x2b) bytes.push(0x20);
    else if (c === 0x25 && /^[0-9A-Fa-f]{2}$/.test(s.slice(i + 1, i + 3))) {
      bytes.push(parseInt(s.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      const cp = s.codePointAt(i)!;
      if (cp > 0xffff) i++;
      bytes.push(...Buffer.from(String.fromCodePoint(cp), 'utf8'));
    }
  }
  return checkLength(Buffer.from(bytes).toString('utf8'));
}

const WEB_UTILITY: StaticType = {
  name: 'WebUtility',
  props: new Map(),
  methods: new Map([
    ['UrlDecode', m(1, 1, (_e, [v]) => (v === null || v === undefined ? null : typeof v === 'string' ? urlDecode(v) : (() => { throw nullOrType('encodedValue', v); })()))],
    ['UrlEncode', m(1, 1, (_e, [v]) => {
      if (v === null || v === undefined) return null;
      if (typeof v !== 'string') throw nullOrType('value', v);
      // .NET keeps A-Z a-z 0-9 - _ . ! * ( ), turns spaces into '+', and %-encodes the rest (upper-case hex).
      return checkLength(encodeURIComponent(v).replace(/[~']/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase()).replace(/%20/g, '+'));
    })],
  ]),
};

function enumStatic(name: string): StaticType {
  const values = ENUMS.get(name)!;
  return { name, props: new Map([...values].map(([k, v]) => [k, () => v])), methods: new Map() };
}

const TYPES: [string[], StaticType][] = [
  [['string', 'String'], STRING],
  [['int', 'Int32'], integer(32)],
  [['long', 'Int64'], integer(64)],
  [['double', 'Double', 'float', 'Single', 'decimal', 'Decimal'], DOUBLE],
  [['bool', 'Boolean'], BOOL],
  [['DateTime'], DATETIME],
  [['TimeSpan'], TIMESPAN],
  [['Convert'], CONVERT],
  [['Encoding', 'Text.Encoding'], ENCODING],
  [['Math'], MATH],
  [['Enumerable', 'Linq.Enumerable'], ENUMERABLE],
  [['Uri'], URI],
  [['WebUtility', 'Net.WebUtility'], WEB_UTILITY],
  ...[...ENUMS.keys()].map((k): [string[], StaticType] => [[k], enumStatic(k)]),
];

const BY_NAME = new Map<string, StaticType>();
for (const [names, t] of TYPES) for (const n of names) BY_NAME.set(n, t);

/** A static type by the (dotted) name written in the expression, with an optional "System." prefix. */
export function staticType(name: string): StaticType | undefined {
  return BY_NAME.get(name.startsWith('System.') ? name.slice(7) : name);
}

/** True when `name` is a prefix of a known static type name ("System", "System.Text"). */
export function isNamespacePrefix(name: string): boolean {
  return name === 'System' || name === 'System.Text' || name === 'System.Linq' || name === 'System.Net';
}
