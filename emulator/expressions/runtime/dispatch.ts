// Member reads, method calls and indexers on run-time values. Host objects are reached only through
// getMember/invoke; strings, arrays, numbers and bools through fixed tables. A name that is not in a table is a
// RuntimeBinderException naming the type and the member — never a JS property read.
import { CsException, noSuchMember, nullReference } from '../errors';
import { isEnumerableHost, isHostObject, NO_SUCH_MEMBER, type HostObject } from '../host';
import { formatValue, toStr, typeNameOf } from './convert';
import { CsDictionary } from './dictionary';
import { isLambda, type Env } from './env';
import { LINQ_METHODS, type LinqMethod } from './linq';
import { STRING_METHODS, stringArityOk, type StringMethod } from './strings';

export const EMPTY_ARGS: readonly unknown[] = Object.freeze([]);

/** A property read (the slow path; compiled member closures inline the host-object case). */
export function getMember(v: unknown, name: string): unknown {
  if (v === null || v === undefined) throw nullReference();
  if (typeof v === 'string') {
    if (name === 'Length') return v.length;
    throw noSuchMember('String', name);
  }
  if (Array.isArray(v) || v instanceof Uint8Array) {
    if (name === 'Length' || name === 'Count' || name === 'LongLength') return v.length;
    throw noSuchMember(typeNameOf(v), name);
  }
  if (isHostObject(v)) {
    const r = v.getMember(name);
    if (r === NO_SUCH_MEMBER) throw noSuchMember(v.typeName, name);
    return r === undefined ? null : r;
  }
  throw noSuchMember(typeNameOf(v), name);
}

/** Methods every value has (System.Object). */
function objectMethod(v: unknown, name: string, args: readonly unknown[]): unknown {
  switch (name) {
    case 'ToString':
      if (args.length === 0) return toStr(v);
      if (args.length === 1 && typeof args[0] === 'string') return formatValue(v, args[0]);
      break;
    case 'Equals':
      // Value equality for primitives, reference equality for host objects (their own Equals ran first).
      if (args.length === 1) return v === args[0];
      break;
    case 'CompareTo':
      if (args.length === 1 && typeof v === 'number' && typeof args[0] === 'number') return Math.sign(v - args[0]);
      break;
    case 'GetType':
      if (args.length === 0) return typeNameOf(v);
      break;
  }
  return NO_SUCH_MEMBER;
}

/** Host invoke, wrapping lambda arguments into plain functions for hosts that take callbacks. */
function hostInvoke(env: Env, h: HostObject, name: string, args: readonly unknown[]): unknown {
  let a = args;
  for (let i = 0; i < args.length; i++) {
    const x = args[i];
    if (isLambda(x)) {
      if (a === args) a = args.slice();
      (a as unknown[])[i] = (p: unknown, q?: unknown) => x.call(env, p, q);
    }
  }
  return h.invoke(name, a);
}

/**
 * A method call; `str` and `linq` are this name's entries in the string and LINQ tables, looked up once when the
 * call was compiled.
 */
export function invokeMethod(
  env: Env,
  v: unknown,
  name: string,
  args: readonly unknown[],
  str: StringMethod | undefined,
  linq: LinqMethod | undefined,
  hostTried = false,
): unknown {
  if (v === null || v === undefined) throw nullReference();
  let r: unknown = NO_SUCH_MEMBER;
  if (isHostObject(v)) {
    if (!hostTried) r = hostInvoke(env, v, name, args);
    if (r === NO_SUCH_MEMBER && linq && isEnumerableHost(v)) r = linq(env, v, args);
  } else if (typeof v === 'string') {
    if (str && stringArityOk(name, args.length)) r = str(v, args);
    else if (linq && name !== 'Contains') r = linq(env, v, args);
  } else if (Array.isArray(v) || v instanceof Uint8Array) {
    if (linq) r = linq(env, v, args);
  }
  if (r === NO_SUCH_MEMBER) r = objectMethod(v, name, args);
  if (r === NO_SUCH_MEMBER) throw noSuchMember(typeNameOf(v), name);
  return r === undefined ? null : r;
}

export const lookupString = (name: string): StringMethod | undefined => STRING_METHODS.get(name);
export const lookupLinq = (name: string): LinqMethod | undefined => LINQ_METHODS.get(name);

function intIndex(i: unknown, length: number): number {
  if (typeof i !== 'number' || !Number.isInteger(i)) {
    throw new CsException('RuntimeBinderException', `Cannot implicitly convert type '${typeNameOf(i)}' to 'int'`);
  }
  if (i < 0 || i >= length) throw new CsException('IndexOutOfRangeException', 'Index was outside the bounds of the array.');
  return i;
}

/** `v[args]`. */
export function indexValue(v: unknown, args: readonly unknown[]): unknown {
  if (v === null || v === undefined) throw nullReference();
  if (args.length === 1) {
    if (typeof v === 'string') return v[intIndex(args[0], v.length)];
    if (Array.isArray(v)) {
      const x = v[intIndex(args[0], v.length)];
      return x === undefined ? null : x;
    }
    if (v instanceof Uint8Array) return v[intIndex(args[0], v.length)];
  }
  if (v instanceof CsDictionary || isHostObject(v)) {
    const r = (v as HostObject).invoke('get_Item', args);
    if (r !== NO_SUCH_MEMBER) return r === undefined ? null : r;
  }
  throw new CsException('RuntimeBinderException', `Cannot apply indexing with [] to an expression of type '${typeNameOf(v)}'`);
}
