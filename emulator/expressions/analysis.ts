// Static facts about a parsed expression that the gateway needs before running it. Conservative: when
// `context` or `context.Request` escapes into a variable or an argument, we assume the certificate is read
// (the cost of a wrong "true" is a renegotiation; of a wrong "false", a policy that sees no certificate).
import type { Expr, Program, Stmt } from './ast';

export function readsClientCertificate(p: Program): boolean {
  const w = new Walker();
  if (p.kind === 'expression') w.expr(p.expr, false);
  else w.stmt(p.block);
  return w.found;
}

class Walker {
  found = false;
  private readonly condPaths: (string | null)[] = [];

  stmt(s: Stmt): void {
    switch (s.kind) {
      case 'block': for (const x of s.body) this.stmt(x); break;
      case 'decl': for (const v of s.vars) if (v.init) this.expr(v.init, false); break;
      case 'if': this.expr(s.cond, false); this.stmt(s.then); if (s.else) this.stmt(s.else); break;
      case 'return': if (s.value) this.expr(s.value, false); break;
      case 'foreach': this.expr(s.collection, false); this.stmt(s.body); break;
      case 'expr': this.expr(s.expr, false); break;
      case 'empty': break;
    }
  }

  /** Returns the access path from `context` ("context.Request") when `e` is one; `asTarget`: e is then accessed. */
  expr(e: Expr, asTarget: boolean): string | null {
    let path: string | null = null;
    switch (e.kind) {
      case 'name': path = e.name === 'context' ? 'context' : null; break;
      case 'member': {
        const p = this.expr(e.target, true);
        path = p ? `${p}.${e.name}` : null;
        if (path === 'context.Request.Certificate') this.found = true;
        break;
      }
      case 'condTarget': path = this.condPaths[this.condPaths.length - 1] ?? null; break;
      case 'condAccess': {
        this.condPaths.push(this.expr(e.target, true));
        path = this.expr(e.chain, asTarget);
        this.condPaths.pop();
        return path;
      }
      case 'call':
        if (e.target) this.expr(e.target, true);
        for (const a of e.args) this.expr(a, false);
        break;
      case 'index':
        this.expr(e.target, true);
        for (const a of e.args) this.expr(a, false);
        break;
      case 'interp': for (const p of e.parts) if (typeof p !== 'string') this.expr(p.expr, false); break;
      case 'unary': this.expr(e.operand, false); break;
      case 'binary': this.expr(e.left, false); this.expr(e.right, false); break;
      case 'conditional': this.expr(e.cond, false); this.expr(e.then, false); this.expr(e.else, false); break;
      case 'cast': case 'is': case 'as': this.expr(e.operand, false); break;
      case 'lambda': if (e.body.kind === 'block') this.stmt(e.body); else this.expr(e.body as Expr, false); break;
      case 'assign': this.expr(e.target, false); this.expr(e.value, false); break;
      case 'incdec': this.expr(e.target, false); break;
      case 'array': for (const x of e.elements) this.expr(x, false); break;
      case 'new': for (const x of e.args) this.expr(x, false); break;
      case 'literal': break;
    }
    if (!asTarget && (path === 'context' || path === 'context.Request')) this.found = true;
    return path;
  }
}
