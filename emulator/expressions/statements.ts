// Statements of `@{ … }` blocks and lambda bodies. A compiled statement returns true when a `return` ran (its value
// is in env.ret), so blocks and loops stop without exceptions.
import type { BlockStmt, Expr, Stmt, TypeRef } from './ast';
import type { C, Fn, SType } from './compile';
import { castTo, classify, defaultOf, truth } from './runtime/convert';
import { step, type Env } from './runtime/env';
import { elements } from './runtime/linq';

export type SFn = (env: Env) => boolean;

/** The part of the compiler statements need. */
export interface StmtCompiler {
  expr(e: Expr): C;
  declare(name: string, pos: number, t: SType): number;
  pushScope(): void;
  popScope(): void;
  fail(pos: number, expected: string, found: string): never;
}

/** Whether every path through the statement ends in `return` (C#'s "not all code paths return a value"). */
function alwaysReturns(s: Stmt): boolean {
  switch (s.kind) {
    case 'return': return true;
    case 'block': return s.body.some(alwaysReturns);
    case 'if': return s.else !== null && alwaysReturns(s.then) && alwaysReturns(s.else);
    default: return false;
  }
}

function stype(t: TypeRef | null, fallback: SType, stypeOf: (t: TypeRef | null) => SType): SType {
  return t ? stypeOf(t) : fallback;
}

/** `requireReturn`: the policy's top-level block, which must produce a value on every path. */
export function compileBlock(c: StmtCompiler, block: BlockStmt, requireReturn: boolean): SFn {
  if (requireReturn && !alwaysReturns(block)) {
    const last = block.body[block.body.length - 1];
    c.fail(last ? last.pos : block.pos, "'return' with a value at the end of every path of the block", last ? `a path that ends without 'return'` : 'an empty block');
  }
  return stmt(c, block);
}

function stmt(c: StmtCompiler, s: Stmt): SFn {
  switch (s.kind) {
    case 'block': {
      c.pushScope();
      const body = s.body.map((x) => stmt(c, x));
      c.popScope();
      if (body.length === 1) return body[0]!;
      return (env) => {
        for (let i = 0; i < body.length; i++) if (body[i]!(env)) return true;
        return false;
      };
    }
    case 'empty':
      return () => false;
    case 'expr': {
      const f = c.expr(s.expr).f;
      return (env) => {
        f(env);
        return false;
      };
    }
    case 'decl': {
      const parts: { slot: number; init: Fn | null; type: TypeRef | null }[] = [];
      for (const v of s.vars) {
        const init = v.init ? c.expr(v.init) : null;
        const t = s.type ? stype(s.type, 'unknown', stypeOfRef) : init ? init.t : 'unknown';
        parts.push({ slot: c.declare(v.name, v.pos, t), init: init ? init.f : null, type: s.type });
      }
      return (env) => {
        for (const p of parts) env.locals[p.slot] = p.init ? p.init(env) : defaultOf(p.type);
        return false;
      };
    }
    case 'if': {
      const cond = c.expr(s.cond).f;
      const then = scoped(c, s.then);
      const otherwise = s.else ? scoped(c, s.else) : null;
      const pos = s.cond.pos;
      return (env) => {
        const v = cond(env);
        if (v === true) return then(env);
        if (v === false) return otherwise ? otherwise(env) : false;
        env.at = pos;
        return truth(v);
      };
    }
    case 'return': {
      if (!s.value) return c.fail(s.pos, 'a value after return', "'return;'");
      const f = c.expr(s.value).f;
      return (env) => {
        env.ret = f(env);
        return true;
      };
    }
    case 'foreach': {
      const coll = c.expr(s.collection).f;
      c.pushScope();
      const slot = c.declare(s.name, s.namePos, stype(s.type, 'unknown', stypeOfRef));
      const body = stmt(c, s.body);
      c.popScope();
      const type = s.type && !/^(object|Object|var)$/.test(s.type.name) ? s.type : null;
      const cls = type ? classify(type) : null;
      const pos = s.collection.pos;
      return (env) => {
        const v = coll(env);
        env.at = pos;
        const xs = elements(env, v);
        for (let i = 0; i < xs.length; i++) {
          step(env);
          env.locals[slot] = type ? castTo(xs[i], type, cls!) : xs[i];
          if (body(env)) return true;
        }
        return false;
      };
    }
  }
}

/** An if/else branch gets its own scope even when it is a single statement (e.g. a declaration). */
function scoped(c: StmtCompiler, s: Stmt): SFn {
  c.pushScope();
  const f = stmt(c, s);
  c.popScope();
  return f;
}

function stypeOfRef(t: TypeRef | null): SType {
  if (!t || t.rank > 0) return 'unknown';
  const k = classify(t);
  return k === 'int' || k === 'double' || k === 'string' || k === 'bool' ? k : 'unknown';
}
