// Compiles the syntax tree once into a tree of JS closures (no eval, no Function, no vm). Names are resolved here:
// locals become array slots, static members and string/LINQ methods are looked up by name now, so an evaluation
// only runs closures. Hot paths (member reads on host objects, == against literals, && || !) are inlined.
import type { BinaryOp, Expr, Program, TypeRef } from './ast';
import { ExpressionSyntaxError, noSuchMember, nullReference } from './errors';
import { HOST_OBJECT, isGenericHost, NO_SUCH_MEMBER, type HostObject } from './host';
import { add, arith, castTo, classify, defaultOf, formatValue, isOfType, operatorError, subtract, truth } from './runtime/convert';
import { EMPTY_ARGS, getMember, indexValue, invokeMethod, lookupLinq, lookupString } from './runtime/dispatch';
import { checkLength, LambdaValue, type Env } from './runtime/env';
import { elements } from './runtime/linq';
import { isNamespacePrefix, staticType } from './runtime/statics';
import type { SourceText } from './source';
import { binary, unary } from './operators';
import { compileBlock, type StmtCompiler } from './statements';

export type Fn = (env: Env) => unknown;
type ArgsFn = (env: Env) => readonly unknown[];
/** What the compiler knows statically about a value (enough for C# integer division). */
export type SType = 'int' | 'double' | 'string' | 'bool' | 'unknown';
export interface C {
  readonly f: Fn;
  readonly t: SType;
}

interface Var {
  readonly slot: number;
  readonly t: SType;
}

class Scope {
  readonly vars = new Map<string, Var>();
  constructor(
    readonly parent: Scope | null,
    /** A lambda body: its names may shadow outer ones. */
    readonly fnBoundary = false,
  ) {}
}

const INT_MEMBERS = new Set(['Length', 'Count', 'Year', 'Month', 'Day', 'Hour', 'Minute', 'Second', 'Millisecond', 'Days', 'Hours', 'Minutes', 'Seconds', 'Milliseconds', 'DayOfYear', 'LongLength']);
const DOUBLE_MEMBERS = new Set(['TotalDays', 'TotalHours', 'TotalMinutes', 'TotalSeconds', 'TotalMilliseconds']);
const INT_METHODS = new Set(['IndexOf', 'LastIndexOf', 'Count', 'LongCount', 'CompareTo', 'ToInt32', 'ToInt64', 'Compare', 'CompareOrdinal']);

export function stypeOf(t: TypeRef | null): SType {
  if (!t || t.rank > 0) return 'unknown';
  const c = classify(t);
  return c === 'int' || c === 'double' || c === 'string' || c === 'bool' ? c : 'unknown';
}

/**
 * A type policy expressions may construct with `new` (e.g. X509Certificate2(byte[])). The host supplies these:
 * the allow-list is exactly the list given at compile time, so `new` never reaches anything else (no JS escape).
 */
export interface HostConstructor {
  /** Simple name, e.g. "X509Certificate2". */
  readonly typeName: string;
  /** Its .NET namespace, e.g. "System.Security.Cryptography.X509Certificates" (the fully qualified name works too). */
  readonly namespace: string;
  readonly minArgs: number;
  readonly maxArgs: number;
  /** Builds the value; throws CsException for what .NET would throw. */
  construct(args: readonly unknown[]): unknown;
}

const isHost = (v: unknown): v is HostObject =>
  typeof v === 'object' && v !== null && (v as { [HOST_OBJECT]?: unknown })[HOST_OBJECT] === true;

export class Compiler implements StmtCompiler {
  private slots = 0;
  scope = new Scope(null);
  private readonly condSlots: number[] = [];

  constructor(
    private readonly src: SourceText,
    private readonly constructors: readonly HostConstructor[] = [],
  ) {}

  get slotCount(): number {
    return this.slots;
  }

  fail(pos: number, expected: string, found: string): never {
    throw new ExpressionSyntaxError(this.src.locate(pos), expected, found);
  }

  newSlot(): number {
    return this.slots++;
  }

  lookup(name: string): Var | undefined {
    for (let s: Scope | null = this.scope; s; s = s.parent) {
      const v = s.vars.get(name);
      if (v) return v;
    }
    return undefined;
  }

  /** Declares a local in the current scope; C# forbids reusing a name visible from an enclosing scope. */
  declare(name: string, pos: number, t: SType): number {
    for (let s: Scope | null = this.scope; s; s = s.parent) {
      if (s.vars.has(name)) this.fail(pos, `a name not already declared in this scope`, `'${name}' declared again`);
      if (s.fnBoundary) break;
    }
    if (name === 'context') this.fail(pos, "a variable name other than 'context'", "'context'");
    const slot = this.newSlot();
    this.scope.vars.set(name, { slot, t });
    return slot;
  }

  pushScope(fnBoundary = false): void {
    this.scope = new Scope(this.scope, fnBoundary);
  }
  popScope(): void {
    this.scope = this.scope.parent!;
  }

  program(p: Program): Fn {
    if (p.kind === 'expression') return this.expr(p.expr).f;
    const block = compileBlock(this, p.block, true);
    return (env) => {
      block(env);
      return env.ret;
    };
  }

  /** A chain of names that denotes a type or namespace (not a local, not `context`), e.g. "System.String". */
  private staticPath(e: Expr): string | null {
    if (e.kind === 'name') return e.name === 'context' || this.lookup(e.name) ? null : e.name;
    if (e.kind === 'member') {
      const p = this.staticPath(e.target);
      if (p === null || staticType(p)) return null;
      return `${p}.${e.name}`;
    }
    return null;
  }

  private requireType(path: string, pos: number) {
    const t = staticType(path);
    if (!t) this.fail(pos, "a declared variable, 'context' or a known type", `unknown name '${path}'`);
    return t;
  }

  expr(e: Expr): C {
    switch (e.kind) {
      case 'literal': {
        const v = e.value;
        const t: SType = e.type === 'int' || e.type === 'long' ? 'int' : e.type === 'double' ? 'double' : e.type === 'string' ? 'string' : e.type === 'bool' ? 'bool' : 'unknown';
        return { f: () => v, t };
      }
      case 'interp': {
        const parts = e.parts.map((p) => (typeof p === 'string' ? p : { f: this.expr(p.expr).f, format: p.format }));
        return {
          t: 'string',
          f: (env) => {
            let s = '';
            for (const p of parts) s += typeof p === 'string' ? p : formatValue(p.f(env), p.format);
            return checkLength(s);
          },
        };
      }
      case 'name': {
        if (e.name === 'context' && !this.lookup('context')) return { f: (env) => env.context, t: 'unknown' };
        const v = this.lookup(e.name);
        if (v) {
          const slot = v.slot;
          return { f: (env) => env.locals[slot], t: v.t };
        }
        if (staticType(e.name) || isNamespacePrefix(e.name)) this.fail(e.pos, 'a value', `the type '${e.name}'`);
        return this.fail(e.pos, "a declared variable or 'context'", `unknown name '${e.name}'`);
      }
      case 'member':
        return this.member(e);
      case 'call':
        return this.call(e);
      case 'index': {
        const t = this.expr(e.target).f;
        const args = this.args(e.args);
        const pos = e.pos;
        return { f: (env) => { const v = t(env); const a = args(env); env.at = pos; return indexValue(v, a); }, t: 'unknown' };
      }
      case 'unary':
        return unary(e.op, this.expr(e.operand), e.pos);
      case 'binary':
        return binary(e.op, e.left, this.expr(e.left), e.right, this.expr(e.right), e.pos);
      case 'conditional': {
        const c = this.expr(e.cond).f;
        const a = this.expr(e.then);
        const b = this.expr(e.else);
        const pos = e.pos;
        return {
          t: a.t === b.t ? a.t : 'unknown',
          f: (env) => {
            const v = c(env);
            if (v === true) return a.f(env);
            if (v === false) return b.f(env);
            env.at = pos;
            return truth(v);
          },
        };
      }
      case 'cast': {
        const o = this.expr(e.operand).f;
        const type = e.type;
        const cls = classify(type);
        const pos = e.pos;
        return { t: stypeOf(type), f: (env) => { const v = o(env); env.at = pos; return castTo(v, type, cls); } };
      }
      case 'is': {
        const o = this.expr(e.operand).f;
        const neg = e.negated;
        const type = e.type;
        if (type === null) return { t: 'bool', f: (env) => { const v = o(env); return (v === null || v === undefined) !== neg; } };
        const cls = classify(type);
        return { t: 'bool', f: (env) => isOfType(o(env), type, cls) !== neg };
      }
      case 'as': {
        const o = this.expr(e.operand).f;
        const type = e.type;
        const cls = classify(type);
        return { t: stypeOf(type), f: (env) => { const v = o(env); return isOfType(v, type, cls) ? v : null; } };
      }
      case 'lambda':
        return this.fail(e.pos, 'a lambda only as a method argument', 'a lambda expression');
      case 'condAccess': {
        const t = this.expr(e.target).f;
        const slot = this.newSlot();
        this.condSlots.push(slot);
        const chain = this.expr(e.chain);
        this.condSlots.pop();
        return {
          t: chain.t,
          f: (env) => {
            const v = t(env);
            if (v === null || v === undefined) return null;
            env.locals[slot] = v;
            return chain.f(env);
          },
        };
      }
      case 'condTarget': {
        const slot = this.condSlots[this.condSlots.length - 1]!;
        return { f: (env) => env.locals[slot], t: 'unknown' };
      }
      case 'assign':
        return this.assign(e.op, e.target, e.value, e.pos);
      case 'incdec': {
        const v = this.localTarget(e.target, e.op);
        const slot = v.slot;
        const d = e.op === '++' ? 1 : -1;
        const prefix = e.prefix;
        const pos = e.pos;
        return {
          t: v.t,
          f: (env) => {
            const old = env.locals[slot];
            if (typeof old !== 'number') {
              env.at = pos;
              throw operatorError(e.op, old);
            }
            env.locals[slot] = old + d;
            return prefix ? old + d : old;
          },
        };
      }
      case 'new':
        return this.construct(e);
      case 'array': {
        const els = e.elements.map((x) => this.expr(x).f);
        const type = e.elementType;
        const cls = type ? classify(type) : null;
        return {
          t: 'unknown',
          f: (env) => {
            const out = new Array<unknown>(els.length);
            for (let i = 0; i < els.length; i++) out[i] = type ? castTo(els[i]!(env), type, cls!) : els[i]!(env);
            return out;
          },
        };
      }
    }
  }

  private construct(e: Extract<Expr, { kind: 'new' }>): C {
    const name = e.type.name;
    const ctor = this.constructors.find((c) => name === c.typeName || name === `${c.namespace}.${c.typeName}`);
    if (!ctor) {
      const known = this.constructors.map((c) => c.typeName).join(', ') || 'none here';
      this.fail(e.type.pos, `a type that policy expressions may construct (${known})`, `'${name}'`);
    }
    if (e.args.length < ctor.minArgs || e.args.length > ctor.maxArgs) {
      this.fail(e.pos, `${ctor.minArgs === ctor.maxArgs ? ctor.minArgs : `${ctor.minArgs} to ${ctor.maxArgs}`} argument(s) for new ${ctor.typeName}(…)`, `${e.args.length}`);
    }
    const args = this.args(e.args);
    const pos = e.pos;
    return {
      t: 'unknown',
      f: (env) => {
        const a = args(env);
        env.at = pos;
        return ctor.construct(a);
      },
    };
  }

  private localTarget(target: Expr, op: string): Var {
    if (target.kind !== 'name' || !this.lookup(target.name)) {
      this.fail(target.pos, `a local variable on the left of '${op}'`, target.kind === 'name' ? `'${target.name}'` : `a ${target.kind} expression`);
    }
    return this.lookup(target.name)!;
  }

  private assign(op: string, target: Expr, value: Expr, pos: number): C {
    const v = this.localTarget(target, op);
    const slot = v.slot;
    const r = this.expr(value).f;
    if (op === '=') return { t: v.t, f: (env) => (env.locals[slot] = r(env)) };
    const bop = op.slice(0, -1) as BinaryOp;
    const integer = v.t === 'int';
    return {
      t: v.t,
      f: (env) => {
        const a = env.locals[slot];
        const b = r(env);
        env.at = pos;
        const res = bop === '+' ? add(a, b) : bop === '-' ? subtract(a, b) : arith(bop as '*', a, b, integer || (typeof a === 'number' && typeof b === 'number' && Number.isInteger(a) && Number.isInteger(b) && v.t !== 'double'));
        return (env.locals[slot] = res);
      },
    };
  }

  private member(e: Extract<Expr, { kind: 'member' }>): C {
    const name = e.name;
    const path = this.staticPath(e.target);
    if (path !== null) {
      if (isNamespacePrefix(path)) return this.fail(e.namePos, 'a member access on a value or type', `the namespace '${path}'`);
      const type = this.requireType(path, e.target.pos);
      const prop = type.props.get(name);
      if (!prop) this.fail(e.namePos, `a member of ${type.name} (${[...type.props.keys()].join(', ') || 'none'})`, `'${name}'`);
      return { f: prop, t: INT_MEMBERS.has(name) ? 'int' : 'unknown' };
    }
    const t = this.expr(e.target).f;
    const pos = e.namePos;
    return {
      t: INT_MEMBERS.has(name) ? 'int' : DOUBLE_MEMBERS.has(name) ? 'double' : name === 'Length' ? 'int' : 'unknown',
      f: (env) => {
        const v = t(env);
        if (isHost(v)) {
          const r = v.getMember(name);
          if (r !== NO_SUCH_MEMBER) return r === undefined ? null : r;
        }
        env.at = pos;
        return getMember(v, name);
      },
    };
  }

  /** Compiles call arguments; lambdas become constant LambdaValues. */
  private argList(args: readonly Expr[]): { fns: Fn[]; hasLambda: boolean } {
    let hasLambda = false;
    const fns = args.map((a) => {
      if (a.kind !== 'lambda') return this.expr(a).f;
      hasLambda = true;
      const lv = this.lambda(a);
      return () => lv;
    });
    return { fns, hasLambda };
  }

  private args(args: readonly Expr[]): ArgsFn {
    const { fns } = this.argList(args);
    return evalArgs(fns);
  }

  private lambda(e: Extract<Expr, { kind: 'lambda' }>): LambdaValue {
    this.pushScope(true);
    const slots = e.params.map((p) => this.declare(p.name, p.pos, 'unknown'));
    let body: Fn;
    if (e.body.kind === 'block') {
      const block = compileBlock(this, e.body, false);
      body = (env) => (block(env) ? env.ret : null);
    } else body = this.expr(e.body as Expr).f;
    this.popScope();
    return new LambdaValue(slots.length, slots, body);
  }

  private call(e: Extract<Expr, { kind: 'call' }>): C {
    const name = e.name;
    const pos = e.namePos;
    if (e.target === null) return this.fail(e.namePos, 'a method of a value or type (such as string.IsNullOrEmpty)', `'${name}'`);
    const path = this.staticPath(e.target);
    const { fns, hasLambda } = this.argList(e.args);
    const args = evalArgs(fns);
    const typeArgs = e.typeArgs;
    if (path !== null) {
      const type = this.requireType(path, e.target.pos);
      const m = type.methods.get(name);
      if (!m) this.fail(e.namePos, `a method of ${type.name} (${[...type.methods.keys()].join(', ') || 'none'})`, `'${name}'`);
      if (fns.length < m.min || fns.length > m.max) {
        this.fail(e.namePos, `${m.min === m.max ? m.min : `${m.min} to ${m.max}`} argument(s) for ${type.name}.${name}`, `${fns.length}`);
      }
      const fn = m.fn;
      const t: SType = INT_METHODS.has(name) || (name === 'Parse' && (type.name === 'Int32' || type.name === 'Int64')) ? 'int' : name === 'Parse' && type.name === 'Double' ? 'double' : 'unknown';
      return { t, f: (env) => { const a = args(env); env.at = pos; return fn(env, a, typeArgs); } };
    }
    const target = this.expr(e.target).f;
    const t: SType = INT_METHODS.has(name) ? 'int' : typeArgs.length === 1 ? stypeOf(typeArgs[0]!) : 'unknown';
    if (typeArgs.length > 0) return { t, f: this.genericCall(target, name, typeArgs, args, pos) };
    const str = lookupString(name);
    const linq = lookupLinq(name);
    if (hasLambda) {
      return { t, f: (env) => { const v = target(env); const a = args(env); env.at = pos; return invokeMethod(env, v, name, a, str, linq); } };
    }
    return {
      t,
      f: (env) => {
        const v = target(env);
        const a = args(env);
        env.at = pos;
        if (isHost(v)) {
          const r = v.invoke(name, a);
          if (r !== NO_SUCH_MEMBER) return r === undefined ? null : r;
          return invokeMethod(env, v, name, a, str, linq, true);
        }
        return invokeMethod(env, v, name, a, str, linq);
      },
    };
  }

  /** `x.M<T>(…)`: GetValueOrDefault<T>, OfType<T>, Cast<T>, or a host's generic method. */
  private genericCall(target: Fn, name: string, typeArgs: readonly TypeRef[], args: ArgsFn, pos: number): Fn {
    const t0 = typeArgs[0]!;
    const cls = classify(t0);
    const names = typeArgs.map(typeText);
    if (name === 'OfType' || name === 'Cast') {
      return (env) => {
        const v = target(env);
        env.at = pos;
        if (v === null || v === undefined) throw nullReference();
        const xs = elements(env, v);
        return name === 'OfType' ? xs.filter((x) => isOfType(x, t0, cls)) : xs.map((x) => castTo(x, t0, cls));
      };
    }
    const str = lookupString(name);
    const linq = lookupLinq(name);
    return (env) => {
      const v = target(env);
      const a = args(env);
      env.at = pos;
      if (v === null || v === undefined) throw nullReference();
      let r: unknown;
      if (isGenericHost(v)) {
        r = v.invokeGeneric(name, names, a);
        if (r === NO_SUCH_MEMBER) throw noSuchMember(v.typeName, `${name}<${names.join(', ')}>`);
        return r === undefined ? null : r;
      }
      if (linq && typeArgs.length === 1 && !isHost(v)) return invokeMethod(env, v, name, a, str, linq);
      r = invokeMethod(env, v, name, a, str, linq);
      if (typeArgs.length !== 1) return r;
      // GetValueOrDefault<T> and friends: default(T) for a missing value, otherwise a cast to T.
      return r === null ? defaultOf(t0) : castTo(r, t0, cls);
    };
  }
}

function evalArgs(fns: readonly Fn[]): ArgsFn {
  switch (fns.length) {
    case 0:
      return () => EMPTY_ARGS;
    case 1: {
      const a = fns[0]!;
      return (env) => [a(env)];
    }
    case 2: {
      const a = fns[0]!;
      const b = fns[1]!;
      return (env) => [a(env), b(env)];
    }
    default:
      return (env) => {
        const out = new Array<unknown>(fns.length);
        for (let i = 0; i < fns.length; i++) out[i] = fns[i]!(env);
        return out;
      };
  }
}

export const typeText = (t: TypeRef): string =>
  t.name + (t.args.length ? `<${t.args.map(typeText).join(', ')}>` : '') + (t.nullable ? '?' : '') + '[]'.repeat(t.rank);

