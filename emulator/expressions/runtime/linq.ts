// System.Linq over arrays, strings, byte[] and enumerable host objects. Eager (results are arrays): expressions
// run to completion synchronously, so laziness would only add cost. Every element visited costs a step.
import { CsException, invalidOperation } from '../errors';
import { isEnumerableHost } from '../host';
import { compare, csEquals, truth, typeNameOf } from './convert';
import { ignoresCase, isComparison } from './enums';
import { isLambda, step, type Env, type Lambda } from './env';

export type LinqMethod = (env: Env, source: unknown, args: readonly unknown[]) => unknown;

export function isEnumerable(v: unknown): boolean {
  return Array.isArray(v) || typeof v === 'string' || v instanceof Uint8Array || isEnumerableHost(v);
}

/** The elements of an enumerable value (arrays are returned as they are). */
export function elements(env: Env, v: unknown): readonly unknown[] {
  if (Array.isArray(v)) return v;
  if (typeof v === 'string') return v.split('');
  if (v instanceof Uint8Array) return Array.from(v);
  if (isEnumerableHost(v)) {
    const items = v.enumerate();
    if (Array.isArray(items)) {
      // Hosts that hand out a (frozen) array: charge for it and use it as it is.
      env.steps -= items.length;
      if (env.steps < 0) step(env);
      return items;
    }
    const out: unknown[] = [];
    for (const x of items) {
      step(env);
      out.push(x === undefined ? null : x);
    }
    return out;
  }
  if (v === null || v === undefined) throw new CsException('ArgumentNullException', "Value cannot be null. (Parameter 'source')");
  throw new CsException('RuntimeBinderException', `'${typeNameOf(v)}' is not enumerable`);
}

function fn(v: unknown, what: string): Lambda {
  if (!isLambda(v)) throw new CsException('RuntimeBinderException', `expected a lambda for '${what}', found ${typeNameOf(v)}`);
  return v;
}

const noElements = (): CsException => invalidOperation('Sequence contains no elements');
const noMatch = (): CsException => invalidOperation('Sequence contains no matching element');

function filter(env: Env, src: unknown, pred: unknown, what: string): readonly unknown[] {
  const xs = elements(env, src);
  if (pred === undefined) return xs;
  const f = fn(pred, what);
  const out: unknown[] = [];
  for (let i = 0; i < xs.length; i++) if (truth(f.call(env, xs[i], i))) out.push(xs[i]);
  return out;
}

function map(env: Env, src: unknown, sel: unknown, what: string): unknown[] {
  const xs = elements(env, src);
  const f = fn(sel, what);
  const out = new Array<unknown>(xs.length);
  for (let i = 0; i < xs.length; i++) out[i] = f.call(env, xs[i], i);
  return out;
}

function firstOf(env: Env, src: unknown, args: readonly unknown[], orDefault: boolean, last: boolean): unknown {
  const xs = elements(env, src);
  const pred = args[0] === undefined ? undefined : fn(args[0], 'First');
  const n = xs.length;
  for (let k = 0; k < n; k++) {
    const i = last ? n - 1 - k : k;
    if (!pred) return xs[i];
    if (truth(pred.call(env, xs[i]))) return xs[i];
  }
  if (orDefault) return args.length > 1 ? args[1] : null;
  throw pred ? noMatch() : noElements();
}

function single(env: Env, src: unknown, args: readonly unknown[], orDefault: boolean): unknown {
  const xs = filter(env, src, args[0], 'Single');
  if (xs.length === 1) return xs[0];
  if (xs.length === 0) {
    if (orDefault) return null;
    throw args[0] === undefined ? noElements() : noMatch();
  }
  throw invalidOperation(args[0] === undefined ? 'Sequence contains more than one element' : 'Sequence contains more than one matching element');
}

function keyCompare(a: unknown, b: unknown): number {
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  if (a === null || a === undefined) return b === null || b === undefined ? 0 : -1;
  if (b === null || b === undefined) return 1;
  return compare(a, b, 'CompareTo') ?? 0;
}

function orderBy(env: Env, src: unknown, args: readonly unknown[], desc: boolean): unknown[] {
  const xs = elements(env, src);
  const keys = args[0] === undefined ? xs : map(env, xs, args[0], 'OrderBy');
  // Charge n·log n for the sort itself.
  env.steps -= Math.ceil(xs.length * Math.log2(xs.length + 1));
  step(env);
  const idx = xs.map((_, i) => i);
  idx.sort((i, j) => (desc ? -1 : 1) * keyCompare(keys[i], keys[j]) || i - j);
  return idx.map((i) => xs[i]);
}

function aggregateNumbers(env: Env, src: unknown, args: readonly unknown[], what: string): number[] {
  const xs = args[0] === undefined ? elements(env, src) : map(env, src, args[0], what);
  const out: number[] = [];
  for (const x of xs) {
    step(env);
    if (x === null || x === undefined) continue;
    if (typeof x !== 'number') throw new CsException('RuntimeBinderException', `'${what}' needs numbers, found ${typeNameOf(x)}`);
    out.push(x);
  }
  return out;
}

function minMax(env: Env, src: unknown, args: readonly unknown[], sign: number, what: string): unknown {
  const xs = args[0] === undefined ? elements(env, src) : map(env, src, args[0], what);
  let best: unknown = undefined;
  for (const x of xs) {
    step(env);
    if (x === null || x === undefined) continue;
    if (best === undefined || sign * keyCompare(x, best) > 0) best = x;
  }
  if (best === undefined) {
    if (xs.length === 0) throw noElements();
    return null; // only nulls: the nullable overloads answer null
  }
  return best;
}

function contains(env: Env, src: unknown, args: readonly unknown[]): boolean {
  const xs = elements(env, src);
  const v = args[0];
  const ic = isComparison(args[1]) && ignoresCase(args[1]);
  const want = ic && typeof v === 'string' ? v.toUpperCase() : v;
  for (const x of xs) {
    step(env);
    if (ic && typeof x === 'string' ? x.toUpperCase() === want : csEquals(x, v)) return true;
  }
  return false;
}

function count(env: Env, src: unknown, args: readonly unknown[]): number {
  if (args[0] === undefined) {
    if (Array.isArray(src) || typeof src === 'string' || src instanceof Uint8Array) return src.length;
    return elements(env, src).length;
  }
  const f = fn(args[0], 'Count');
  let n = 0;
  for (const x of elements(env, src)) if (truth(f.call(env, x))) n++;
  return n;
}

function intArg(v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new CsException('RuntimeBinderException', `'${what}' needs an int, found ${typeNameOf(v)}`);
  return v;
}

export const LINQ_METHODS: ReadonlyMap<string, LinqMethod> = new Map<string, LinqMethod>([
  ['Any', (env, src, args) => {
    const xs = elements(env, src);
    if (args[0] === undefined) return xs.length > 0;
    const f = fn(args[0], 'Any');
    for (let i = 0; i < xs.length; i++) if (truth(f.call(env, xs[i]))) return true;
    return false;
  }],
  ['All', (env, src, args) => {
    const xs = elements(env, src);
    const f = fn(args[0], 'All');
    for (let i = 0; i < xs.length; i++) if (!truth(f.call(env, xs[i]))) return false;
    return true;
  }],
  ['Where', (env, src, args) => filter(env, src, args[0] ?? null, 'Where').slice()],
  ['Select', (env, src, args) => map(env, src, args[0], 'Select')],
  ['SelectMany', (env, src, args) => {
    const out: unknown[] = [];
    for (const inner of map(env, src, args[0], 'SelectMany')) for (const x of elements(env, inner)) { step(env); out.push(x); }
    return out;
  }],
  ['Count', count],
  ['LongCount', count],
  ['First', (env, src, args) => firstOf(env, src, args, false, false)],
  ['FirstOrDefault', (env, src, args) => firstOf(env, src, args, true, false)],
  ['Last', (env, src, args) => firstOf(env, src, args, false, true)],
  ['LastOrDefault', (env, src, args) => firstOf(env, src, args, true, true)],
  ['Single', (env, src, args) => single(env, src, args, false)],
  ['SingleOrDefault', (env, src, args) => single(env, src, args, true)],
  ['Contains', contains],
  ['ToArray', (env, src) => elements(env, src).slice()],
  ['ToList', (env, src) => elements(env, src).slice()],
  ['AsEnumerable', (env, src) => elements(env, src)],
  ['Distinct', (env, src) => {
    const out: unknown[] = [];
    for (const x of elements(env, src)) {
      step(env);
      if (!out.some((y) => csEquals(x, y))) out.push(x);
    }
    return out;
  }],
  ['OrderBy', (env, src, args) => orderBy(env, src, args, false)],
  ['OrderByDescending', (env, src, args) => orderBy(env, src, args, true)],
  ['Reverse', (env, src) => elements(env, src).slice().reverse()],
  ['Skip', (env, src, args) => elements(env, src).slice(Math.max(0, intArg(args[0], 'Skip')))],
  ['Take', (env, src, args) => elements(env, src).slice(0, Math.max(0, intArg(args[0], 'Take')))],
  ['Concat', (env, src, args) => [...elements(env, src), ...elements(env, args[0])]],
  ['ElementAt', (env, src, args) => {
    const xs = elements(env, src);
    const i = intArg(args[0], 'ElementAt');
    if (i < 0 || i >= xs.length) throw new CsException('ArgumentOutOfRangeException', "Index was out of range. (Parameter 'index')");
    return xs[i];
  }],
  ['ElementAtOrDefault', (env, src, args) => {
    const xs = elements(env, src);
    const i = intArg(args[0], 'ElementAtOrDefault');
    return i >= 0 && i < xs.length ? xs[i] : null;
  }],
  ['Sum', (env, src, args) => aggregateNumbers(env, src, args, 'Sum').reduce((a, b) => a + b, 0)],
  ['Average', (env, src, args) => {
    const xs = aggregateNumbers(env, src, args, 'Average');
    if (xs.length === 0) throw noElements();
    return xs.reduce((a, b) => a + b, 0) / xs.length;
  }],
  ['Min', (env, src, args) => minMax(env, src, args, -1, 'Min')],
  ['Max', (env, src, args) => minMax(env, src, args, 1, 'Max')],
  ['Aggregate', (env, src, args) => {
    const xs = elements(env, src);
    const [seed, f] = args.length >= 2 ? [args[0], fn(args[1], 'Aggregate')] : [undefined, fn(args[0], 'Aggregate')];
    let acc = seed;
    let start = 0;
    if (acc === undefined) {
      if (xs.length === 0) throw noElements();
      acc = xs[0];
      start = 1;
    }
    for (let i = start; i < xs.length; i++) acc = f.call(env, acc, xs[i]);
    return acc;
  }],
]);

/** Enumerable.Range / Repeat: elements are charged to the budget as they are made. */
export function range(env: Env, start: unknown, n: unknown): number[] {
  const s = intArg(start, 'Range');
  const c = intArg(n, 'Range');
  if (c < 0) throw new CsException('ArgumentOutOfRangeException', "Specified argument was out of the range of valid values. (Parameter 'count')");
  const out: number[] = [];
  for (let i = 0; i < c; i++) {
    step(env);
    out.push(s + i);
  }
  return out;
}

export function repeat(env: Env, v: unknown, n: unknown): unknown[] {
  const c = intArg(n, 'Repeat');
  const out: unknown[] = [];
  for (let i = 0; i < c; i++) {
    step(env);
    out.push(v);
  }
  return out;
}
