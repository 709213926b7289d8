// C# value semantics over JS values: type names, ToString, ==, ordering, arithmetic and casts.
// Values are null, string (also char), number, boolean, arrays (T[] / List<T>), Uint8Array (byte[]) and
// HostObjects (including the runtime library types). Nothing here reads a property of a foreign object.
import type { TypeRef } from '../ast';
import { CsException, formatError, invalidCast, nullReference } from '../errors';
import { isEnumerableHost, isHostObject } from '../host';
import { CsDateTime, CsTimeSpan } from './datetime';
import { CsDictionary } from './dictionary';
import { checkLength } from './env';

export function typeNameOf(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  switch (typeof v) {
    case 'string': return 'String';
    case 'number': return Number.isInteger(v) ? 'Int32' : 'Double';
    case 'boolean': return 'Boolean';
  }
  if (Array.isArray(v)) return 'Object[]';
  if (v instanceof Uint8Array) return 'Byte[]';
  if (isHostObject(v)) return v.typeName;
  return 'Object';
}

/** .NET double.ToString() (shortest round-trip, "E+XX" exponents outside 1e-5 .. 1e15). */
export function formatNumber(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Infinity) return '∞';
  if (n === -Infinity) return '-∞';
  const a = Math.abs(n);
  if (a !== 0 && (a >= 1e15 || a < 1e-4)) {
    const [mant, exp] = n.toExponential().split('e') as [string, string];
    const e = Number(exp);
    return `${mant}E${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
  }
  return String(n);
}

export function toStr(v: unknown): string {
  if (v === null || v === undefined) return '';
  switch (typeof v) {
    case 'string': return v;
    case 'number': return formatNumber(v);
    case 'boolean': return v ? 'True' : 'False';
  }
  if (Array.isArray(v)) return 'System.Object[]';
  if (v instanceof Uint8Array) return 'System.Byte[]';
  if (isHostObject(v)) {
    const s = v.invoke('ToString', []);
    return typeof s === 'string' ? s : v.typeName;
  }
  return 'System.Object';
}

/** Formats a value with a .NET format string (interpolation holes `{x:fmt}`, ToString(fmt), string.Format). */
export function formatValue(v: unknown, format: string | undefined): string {
  if (format === undefined || format === '' || v === null || v === undefined) return toStr(v);
  if (typeof v === 'number') return formatNumberWith(v, format);
  if (isHostObject(v)) {
    const s = v.invoke('ToString', [format]);
    if (typeof s === 'string') return s;
  }
  return toStr(v);
}

function formatNumberWith(n: number, format: string): string {
  const m = /^([DdXxNnFfPpEeGgCc])(\d{0,2})$/.exec(format);
  if (!m) {
    // Custom numeric formats: only zero-padding ("000") and fixed decimals ("0.00") are supported.
    const c = /^(0+)(?:\.(0+))?$/.exec(format);
    if (!c) throw formatError(`Format string '${format}' is not supported.`);
    const s = n.toFixed(c[2]?.length ?? 0);
    const [i, f] = s.replace('-', '').split('.') as [string, string | undefined];
    return (n < 0 ? '-' : '') + i.padStart(c[1]!.length, '0') + (f !== undefined ? '.' + f : '');
  }
  const kind = m[1]!;
  const p = m[2] === '' ? undefined : Number(m[2]);
  const group = (s: string): string => s.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  switch (kind) {
    case 'D': case 'd':
      if (!Number.isInteger(n)) throw formatError('Format specifier was invalid.');
      return (n < 0 ? '-' : '') + String(Math.abs(n)).padStart(p ?? 0, '0');
    case 'X': case 'x': {
      if (!Number.isInteger(n)) throw formatError('Format specifier was invalid.');
      const h = (n < 0 ? (n >>> 0) : n).toString(16).padStart(p ?? 0, '0');
      return kind === 'X' ? h.toUpperCase() : h;
    }
    case 'N': case 'n': {
      const [i, f] = Math.abs(n).toFixed(p ?? 2).split('.') as [string, string | undefined];
      return (n < 0 ? '-' : '') + group(i) + (f ? '.' + f : '');
    }
    case 'F': case 'f': return n.toFixed(p ?? 2);
    case 'P': case 'p': return (n * 100).toFixed(p ?? 2) + ' %';
    case 'E': case 'e': {
      const [mant, exp] = n.toExponential(p ?? 6).split('e') as [string, string];
      const e = Number(exp);
      return `${mant}${kind}${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(3, '0')}`;
    }
    case 'C': case 'c': {
      const [i, f] = Math.abs(n).toFixed(p ?? 2).split('.') as [string, string | undefined];
      return (n < 0 ? '-' : '') + '¤' + group(i) + (f ? '.' + f : '');
    }
    default: return formatNumber(n);
  }
}

/** C# `==` (value semantics for strings, numbers, bools, DateTime, TimeSpan; reference identity otherwise). */
export function csEquals(a: unknown, b: unknown): boolean {
  if (a === null || a === undefined) return b === null || b === undefined;
  if (a === b) return true;
  if (a instanceof CsDateTime) return b instanceof CsDateTime && a.wall === b.wall;
  if (a instanceof CsTimeSpan) return b instanceof CsTimeSpan && a.ms === b.ms;
  return false;
}

/** Three-way comparison for < > <= >=; null when an operand is null (lifted operators yield false). */
export function compare(a: unknown, b: unknown, op: string): number | null {
  if (typeof a === 'number' && typeof b === 'number') return a < b ? -1 : a > b ? 1 : a === b ? 0 : NaN;
  if (a === null || a === undefined || b === null || b === undefined) return null;
  if (a instanceof CsDateTime && b instanceof CsDateTime) return Math.sign(a.wall - b.wall);
  if (a instanceof CsTimeSpan && b instanceof CsTimeSpan) return Math.sign(a.ms - b.ms);
  // chars compare by code; a 1-character string stands for a char.
  if (typeof a === 'string' && typeof b === 'string' && a.length === 1 && b.length === 1) return Math.sign(a.charCodeAt(0) - b.charCodeAt(0));
  throw operatorError(op, a, b);
}

export function operatorError(op: string, a: unknown, b?: unknown): CsException {
  const operands = b === undefined ? `an operand of type '${typeNameOf(a)}'` : `operands of type '${typeNameOf(a)}' and '${typeNameOf(b)}'`;
  return new CsException('RuntimeBinderException', `Operator '${op}' cannot be applied to ${operands}`);
}

export function add(a: unknown, b: unknown): unknown {
  if (typeof a === 'number' && typeof b === 'number') return a + b;
  if (typeof a === 'string' || typeof b === 'string') {
    const s = toStr(a) + toStr(b);
    return s.length > 4096 ? checkLength(s) : s;
  }
  if (a === null || a === undefined || b === null || b === undefined) return null; // lifted arithmetic
  if (a instanceof CsDateTime && b instanceof CsTimeSpan) return CsDateTime.fromWall(a.wall + b.ms, a.kind);
  if (a instanceof CsTimeSpan && b instanceof CsTimeSpan) return new CsTimeSpan(a.ms + b.ms);
  throw operatorError('+', a, b);
}

export function subtract(a: unknown, b: unknown): unknown {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (a === null || a === undefined || b === null || b === undefined) return null;
  if (a instanceof CsDateTime && b instanceof CsDateTime) return new CsTimeSpan(a.wall - b.wall);
  if (a instanceof CsDateTime && b instanceof CsTimeSpan) return CsDateTime.fromWall(a.wall - b.ms, a.kind);
  if (a instanceof CsTimeSpan && b instanceof CsTimeSpan) return new CsTimeSpan(a.ms - b.ms);
  throw operatorError('-', a, b);
}

/** * / %: `integer` says both operands are statically integral (C# integer division). */
export function arith(op: '*' | '/' | '%', a: unknown, b: unknown, integer: boolean): unknown {
  if (typeof a !== 'number' || typeof b !== 'number') {
    if (a === null || a === undefined || b === null || b === undefined) return null;
    throw operatorError(op, a, b);
  }
  if (op === '*') return a * b;
  if (integer && b === 0) throw new CsException('DivideByZeroException', 'Attempted to divide by zero.');
  if (op === '/') return integer ? Math.trunc(a / b) : a / b;
  return a % b;
}

/** A value used as a condition: must be a bool. */
export function truth(v: unknown): boolean {
  if (v === true) return true;
  if (v === false) return false;
  if (v === null || v === undefined) throw nullReference();
  throw invalidCast(typeNameOf(v), 'Boolean');
}

// ---- casts, is, as ---------------------------------------------------------------------------------------------

type TypeClass = 'string' | 'int' | 'double' | 'bool' | 'char' | 'object' | 'enumerable' | 'dictionary' | 'DateTime' | 'TimeSpan' | 'byte[]' | 'other';

const TYPE_CLASS = new Map<string, TypeClass>([
  ['string', 'string'], ['String', 'string'], ['int', 'int'], ['Int32', 'int'], ['long', 'int'], ['Int64', 'int'],
  ['short', 'int'], ['Int16', 'int'], ['byte', 'int'], ['Byte', 'int'], ['uint', 'int'], ['UInt32', 'int'],
  ['ulong', 'int'], ['UInt64', 'int'], ['ushort', 'int'], ['sbyte', 'int'], ['double', 'double'], ['Double', 'double'],
  ['float', 'double'], ['Single', 'double'], ['decimal', 'double'], ['Decimal', 'double'], ['bool', 'bool'],
  ['Boolean', 'bool'], ['char', 'char'], ['Char', 'char'], ['object', 'object'], ['Object', 'object'],
  ['DateTime', 'DateTime'], ['TimeSpan', 'TimeSpan'], ['IEnumerable', 'enumerable'], ['ICollection', 'enumerable'],
  ['IList', 'enumerable'], ['List', 'enumerable'], ['IReadOnlyList', 'enumerable'], ['IReadOnlyCollection', 'enumerable'],
  ['IDictionary', 'dictionary'], ['IReadOnlyDictionary', 'dictionary'], ['Dictionary', 'dictionary'],
]);

const VALUE_TYPES = new Set<TypeClass>(['int', 'double', 'bool', 'char', 'DateTime', 'TimeSpan']);

export const typeBaseName = (t: TypeRef): string => t.name.replace(/^System\.(Collections\.Generic\.|Collections\.)?/, '');

export function classify(t: TypeRef): TypeClass {
  if (t.rank > 0) {
    const el = classify({ ...t, rank: t.rank - 1 });
    return el === 'int' && /^(byte|Byte)$/.test(typeBaseName(t)) && t.rank === 1 ? 'byte[]' : 'enumerable';
  }
  return TYPE_CLASS.get(typeBaseName(t)) ?? 'other';
}

export function isOfType(v: unknown, t: TypeRef, cls: TypeClass = classify(t)): boolean {
  if (v === null || v === undefined) return false;
  switch (cls) {
    case 'string': return typeof v === 'string';
    case 'int': return typeof v === 'number' && Number.isInteger(v);
    case 'double': return typeof v === 'number';
    case 'bool': return typeof v === 'boolean';
    case 'char': return typeof v === 'string' && v.length === 1;
    case 'object': return true;
    case 'DateTime': return v instanceof CsDateTime;
    case 'TimeSpan': return v instanceof CsTimeSpan;
    case 'dictionary': return v instanceof CsDictionary;
    case 'byte[]': return v instanceof Uint8Array;
    case 'enumerable': return Array.isArray(v) || v instanceof Uint8Array || typeof v === 'string' || isEnumerableHost(v);
    case 'other': {
      if (!isHostObject(v)) return false;
      const want = typeBaseName(t);
      return v.typeName === want || v.typeName.replace(/<.*$/, '') === want;
    }
  }
}

/** Default value of a type: 0, false, or null. */
export function defaultOf(t: TypeRef | null): unknown {
  if (!t || t.nullable) return null;
  const cls = classify(t);
  return cls === 'int' || cls === 'double' ? 0 : cls === 'bool' ? false : cls === 'char' ? '\0' : null;
}

/** `(T)v`: identity when v is a T, numeric conversions between numbers and chars, InvalidCastException otherwise. */
export function castTo(v: unknown, t: TypeRef, cls: TypeClass = classify(t)): unknown {
  if (v === null || v === undefined) {
    if (VALUE_TYPES.has(cls) && !t.nullable) throw nullReference();
    return null;
  }
  if (cls === 'int') {
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) throw new CsException('OverflowException', 'Value was either too large or too small for an integer.');
      return Math.trunc(v);
    }
    if (typeof v === 'string' && v.length === 1) return v.charCodeAt(0);
  } else if (cls === 'double') {
    if (typeof v === 'number') return v;
    if (typeof v === 'string' && v.length === 1) return v.charCodeAt(0);
  } else if (cls === 'char' && typeof v === 'number' && Number.isInteger(v)) {
    return String.fromCharCode(v & 0xffff);
  }
  if (isOfType(v, t, cls)) return v;
  throw invalidCast(typeNameOf(v), typeBaseName(t) + '[]'.repeat(t.rank));
}
