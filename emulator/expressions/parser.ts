// Recursive-descent parser with precedence climbing for binary operators. Recursion is guarded (maxDepth), and so is
// the depth of every node, so random input can only ever produce an ExpressionSyntaxError.
import type { BinaryOp, BlockStmt, Expr, Program, Stmt, TypeRef } from './ast';
import { PREDEFINED_TYPES } from './ast';
import { ExpressionSyntaxError } from './errors';
import { tokenize } from './lexer';
import { TokenCursor } from './cursor';
import type { SourceText } from './source';

export interface ParseOptions {
  /** Deepest nesting accepted (syntax tree depth and parser recursion). Default 200. */
  readonly maxDepth?: number;
}

const BINARY_PREC: Record<string, number> = {
  '??': 1, '||': 2, '&&': 3, '|': 4, '^': 5, '&': 6, '==': 7, '!=': 7,
  '<': 8, '>': 8, '<=': 8, '>=': 8, is: 8, as: 8, '+': 9, '-': 9, '*': 10, '/': 10, '%': 10,
};
const ASSIGN_OPS = new Set(['=', '+=', '-=', '*=', '/=', '%=']);
const UNSUPPORTED_STATEMENTS = new Set(['while', 'for', 'do', 'throw', 'try', 'switch', 'break', 'continue', 'class']);

export function parseProgram(src: SourceText, options: ParseOptions = {}): Program {
  const text = src.text;
  let at = 0;
  while (at < text.length && /\s/.test(text[at]!)) at++;
  if (text[at] !== '@' || (text[at + 1] !== '(' && text[at + 1] !== '{')) {
    throw new ExpressionSyntaxError(src.locate(at), "'@(' or '@{' starting a policy expression", found(text, at));
  }
  const parser = new Parser(src, tokenize(src, at + 1), options.maxDepth ?? 200);
  return parser.program();
}

function found(text: string, at: number): string {
  return at >= text.length ? 'end of expression' : `'${text[at]}'`;
}

class Parser extends TokenCursor {
  // ---- program -------------------------------------------------------------------------------------------------
  program(): Program {
    if (this.isP('(')) {
      this.next();
      const expr = this.expression();
      this.expectP(')', "')' closing '@('");
      if (this.peek().kind !== 'eof') this.fail('end of expression after \')\'');
      return { kind: 'expression', expr };
    }
    const block = this.block();
    if (this.peek().kind !== 'eof') this.fail("end of expression after '}'");
    return { kind: 'block', block };
  }

  // ---- statements ----------------------------------------------------------------------------------------------
  private block(): BlockStmt {
    const open = this.expectP('{');
    const body: Stmt[] = [];
    while (!this.isP('}')) {
      if (this.peek().kind === 'eof') this.fail("'}' closing the block");
      body.push(this.statement());
    }
    this.next();
    return this.mk({ kind: 'block' as const, pos: open.pos, body }, ...body);
  }

  private statement(): Stmt {
    this.enter();
    try {
      return this.statementInner();
    } finally {
      this.leave();
    }
  }

  private statementInner(): Stmt {
    const t = this.peek();
    if (this.isP('{')) return this.block();
    if (this.isP(';')) {
      this.next();
      return this.mk({ kind: 'empty' as const, pos: t.pos });
    }
    if (t.kind === 'ident' && t.flag) {
      switch (t.text) {
        case 'if': {
          this.next();
          this.expectP('(', "'(' after 'if'");
          const cond = this.expression();
          this.expectP(')', "')' closing the condition");
          const then = this.statement();
          let otherwise: Stmt | null = null;
          if (this.isKw('else')) {
            this.next();
            otherwise = this.statement();
          }
          return this.mk({ kind: 'if' as const, pos: t.pos, cond, then, else: otherwise }, cond, then, otherwise);
        }
        case 'return': {
          this.next();
          const value = this.isP(';') ? null : this.expression();
          this.expectP(';', "';' after the return value");
          return this.mk({ kind: 'return' as const, pos: t.pos, value }, value);
        }
        case 'foreach': {
          this.next();
          this.expectP('(', "'(' after 'foreach'");
          const type = this.isKw('var') ? (this.next(), null) : this.type();
          const name = this.ident('the loop variable name');
          if (!this.isKw('in')) this.fail("'in'");
          this.next();
          const collection = this.expression();
          this.expectP(')', "')' closing the foreach header");
          const body = this.statement();
          return this.mk(
            { kind: 'foreach' as const, pos: t.pos, type, name: name.text, namePos: name.pos, collection, body },
            collection,
            body,
          );
        }
        case 'var':
          if (this.peek(1).kind === 'ident' && !this.peek(1).flag) return this.declaration(null, t.pos);
          break;
        default:
          if (UNSUPPORTED_STATEMENTS.has(t.text)) {
            this.fail("a supported statement (declaration, assignment, call, if/else, foreach, return, block)");
          }
      }
    }
    // A declaration "Type name = …" or an expression statement.
    const save = this.i;
    const type = this.tryType();
    if (type && this.peek().kind === 'ident' && !this.peek().flag && (this.isP('=', 1) || this.isP(';', 1) || this.isP(',', 1))) {
      return this.declaration(type, t.pos);
    }
    this.i = save;
    const expr = this.expression();
    if (expr.kind !== 'call' && expr.kind !== 'assign' && expr.kind !== 'incdec') {
      throw new ExpressionSyntaxError(
        this.src.locate(expr.pos),
        'a statement (only assignment, call and increment expressions can be statements)',
        `a ${expr.kind} expression`,
      );
    }
    this.expectP(';', "';' after the statement");
    return this.mk({ kind: 'expr' as const, pos: expr.pos, expr }, expr);
  }

  private declaration(type: TypeRef | null, pos: number): Stmt {
    if (type === null) this.next(); // 'var'
    const vars: { name: string; pos: number; init: Expr | null }[] = [];
    do {
      const name = this.ident('a variable name');
      let init: Expr | null = null;
      if (this.isP('=')) {
        this.next();
        init = this.expression();
      } else if (type === null) this.fail("'=' (a 'var' declaration needs an initial value)");
      vars.push({ name: name.text, pos: name.pos, init });
    } while (this.isP(',') && this.next());
    this.expectP(';', "';' after the declaration");
    return this.mk({ kind: 'decl' as const, pos, type, vars }, ...vars.map((v) => v.init));
  }

  // ---- expressions ---------------------------------------------------------------------------------------------
  expression(): Expr {
    this.enter();
    try {
      if (this.lambdaAhead()) return this.lambda();
      const left = this.conditional();
      const t = this.peek();
      if (t.kind === 'punct' && ASSIGN_OPS.has(t.text)) {
        this.next();
        const value = this.expression();
        return this.mk({ kind: 'assign' as const, pos: left.pos, op: t.text as '=', target: left, value }, left, value);
      }
      return left;
    } finally {
      this.leave();
    }
  }

  private lambdaAhead(): boolean {
    const t = this.peek();
    if (t.kind === 'ident' && !t.flag) return this.isP('=>', 1);
    if (!this.isP('(')) return false;
    let k = 1;
    if (this.isP(')', k)) return this.isP('=>', k + 1);
    for (;;) {
      const p = this.peek(k);
      if (p.kind !== 'ident' || p.flag) return false;
      k++;
      if (this.isP(',', k)) {
        k++;
        continue;
      }
      return this.isP(')', k) && this.isP('=>', k + 1);
    }
  }

  private lambda(): Expr {
    const start = this.peek();
    const params: { name: string; pos: number }[] = [];
    if (this.isP('(')) {
      this.next();
      while (!this.isP(')')) {
        const p = this.ident('a lambda parameter name');
        params.push({ name: p.text, pos: p.pos });
        if (this.isP(',')) this.next();
      }
      this.next();
    } else {
      const p = this.next();
      params.push({ name: p.text, pos: p.pos });
    }
    this.expectP('=>');
    const body = this.isP('{') ? this.block() : this.expression();
    return this.mk({ kind: 'lambda' as const, pos: start.pos, params, body }, body);
  }

  private conditional(): Expr {
    const cond = this.binary(0);
    if (!this.isP('?')) return cond;
    this.next();
    const then = this.expression();
    this.expectP(':', "':' of the conditional operator");
    const otherwise = this.expression();
    return this.mk({ kind: 'conditional' as const, pos: cond.pos, cond, then, else: otherwise }, cond, then, otherwise);
  }

  private binaryOp(): { op: string; prec: number } | null {
    const t = this.peek();
    if (t.kind === 'punct' && Object.hasOwn(BINARY_PREC, t.text)) return { op: t.text, prec: BINARY_PREC[t.text]! };
    if (t.kind === 'ident' && t.flag && (t.text === 'is' || t.text === 'as')) return { op: t.text, prec: 8 };
    return null;
  }

  private binary(minPrec: number): Expr {
    let left = this.unary();
    for (;;) {
      const o = this.binaryOp();
      if (!o || o.prec < minPrec) return left;
      const opTok = this.next();
      if (o.op === 'is') {
        let negated = false;
        if (this.isKw('not')) {
          this.next();
          negated = true;
        }
        if (this.isKw('null')) {
          this.next();
          left = this.mk({ kind: 'is' as const, pos: left.pos, operand: left, type: null, negated }, left);
        } else {
          const type = this.type(false);
          left = this.mk({ kind: 'is' as const, pos: left.pos, operand: left, type, negated }, left);
        }
        continue;
      }
      if (o.op === 'as') {
        const type = this.type(false);
        left = this.mk({ kind: 'as' as const, pos: left.pos, operand: left, type }, left);
        continue;
      }
      this.enter();
      // '??' is right-associative; the others are left-associative.
      const right = this.binary(o.op === '??' ? o.prec : o.prec + 1);
      this.leave();
      left = this.mk({ kind: 'binary' as const, pos: left.pos, op: opTok.text as BinaryOp, left, right }, left, right);
    }
  }

  private unary(): Expr {
    this.enter();
    try {
      const t = this.peek();
      if (t.kind === 'punct') {
        if (t.text === '!' || t.text === '-' || t.text === '+' || t.text === '~') {
          this.next();
          const operand = this.unary();
          return this.mk({ kind: 'unary' as const, pos: t.pos, op: t.text, operand }, operand);
        }
        if (t.text === '++' || t.text === '--') {
          this.next();
          const target = this.unary();
          return this.mk({ kind: 'incdec' as const, pos: t.pos, op: t.text, prefix: true, target }, target);
        }
        if (t.text === '(') {
          const cast = this.tryCast();
          if (cast) return cast;
        }
      }
      return this.postfix(this.primary());
    } finally {
      this.leave();
    }
  }

  private tryCast(): Expr | null {
    const save = this.i;
    const open = this.next();
    const type = this.tryType();
    if (type && this.isP(')')) {
      const after = this.peek(1);
      const predefined = PREDEFINED_TYPES.has(type.name);
      const startsOperand =
        after.kind === 'ident'
          ? !(after.flag && (after.text === 'is' || after.text === 'as'))
          : after.kind === 'int' || after.kind === 'real' || after.kind === 'string' || after.kind === 'char' ||
            after.kind === 'interpStart' || (after.kind === 'punct' && ['(', '!', '~'].includes(after.text));
      if (predefined || startsOperand) {
        this.next(); // ')'
        const operand = this.unary();
        return this.mk({ kind: 'cast' as const, pos: open.pos, type, operand }, operand);
      }
    }
    this.i = save;
    return null;
  }

  private primary(): Expr {
    const t = this.peek();
    switch (t.kind) {
      case 'int':
        this.next();
        return this.mk({ kind: 'literal' as const, pos: t.pos, type: t.flag ? 'long' : 'int', value: t.value! });
      case 'real':
        this.next();
        return this.mk({ kind: 'literal' as const, pos: t.pos, type: 'double', value: t.value! });
      case 'string':
        this.next();
        return this.mk({ kind: 'literal' as const, pos: t.pos, type: 'string', value: t.text });
      case 'char':
        this.next();
        return this.mk({ kind: 'literal' as const, pos: t.pos, type: 'char', value: t.text });
      case 'interpStart':
        return this.interpolated();
      case 'punct':
        if (t.text === '(') {
          this.next();
          const e = this.expression();
          this.expectP(')', "')'");
          return e;
        }
        break;
      case 'ident':
        if (t.flag) {
          if (t.text === 'true' || t.text === 'false') {
            this.next();
            return this.mk({ kind: 'literal' as const, pos: t.pos, type: 'bool', value: t.text === 'true' });
          }
          if (t.text === 'null') {
            this.next();
            return this.mk({ kind: 'literal' as const, pos: t.pos, type: 'null', value: null });
          }
          if (t.text === 'new') return this.newExpression();
          if (!PREDEFINED_TYPES.has(t.text)) break;
        }
        this.next();
        if (this.isP('(')) {
          const args = this.args('(', ')');
          return this.mk({ kind: 'call' as const, pos: t.pos, target: null, name: t.text, namePos: t.pos, typeArgs: [], args }, ...args);
        }
        return this.mk({ kind: 'name' as const, pos: t.pos, name: t.text });
    }
    this.fail('an expression');
  }

  private interpolated(): Expr {
    const start = this.next();
    const parts: (string | { expr: Expr; format?: string })[] = [];
    const kids: Expr[] = [];
    for (;;) {
      const t = this.next();
      if (t.kind === 'interpEnd') break;
      if (t.kind === 'interpText') parts.push(t.text);
      else if (t.kind === 'holeStart') {
        const expr = this.expression();
        kids.push(expr);
        let format: string | undefined;
        if (this.peek().kind === 'format') format = this.next().text;
        if (this.peek().kind !== 'holeEnd') this.fail("'}' closing the interpolation hole");
        this.next();
        parts.push(format === undefined ? { expr } : { expr, format });
      } else this.fail("text or '{' in the interpolated string", t);
    }
    return this.mk({ kind: 'interp' as const, pos: start.pos, parts }, ...kids);
  }

  /** `new T[] { … }`, `new[] { … }`, or `new T(args)` (whether T may be constructed is the compiler's check). */
  private newExpression(): Expr {
    const start = this.next(); // 'new'
    let elementType: TypeRef | null = null;
    if (!this.isP('[')) {
      const t = this.tryType(0, false);
      if (t && t.rank === 0 && t.args.length === 0 && this.isP('(')) {
        const args = this.args('(', ')');
        return this.mk({ kind: 'new' as const, pos: start.pos, type: t, args }, ...args);
      }
      if (!t || t.rank !== 1) this.fail("an array type such as 'string[]' or a constructor call such as 'X509Certificate2(bytes)' after 'new'");
      elementType = { ...t, rank: 0 };
    } else {
      this.next();
      this.expectP(']', "']' ('new[] { … }')");
    }
    const elements = this.args('{', '}');
    return this.mk({ kind: 'array' as const, pos: start.pos, elementType, elements }, ...elements);
  }

  private args(open: string, close: string): Expr[] {
    this.expectP(open);
    const out: Expr[] = [];
    if (this.isP(close)) {
      this.next();
      return out;
    }
    for (;;) {
      out.push(this.expression());
      if (this.isP(',')) {
        this.next();
        if (close === '}' && this.isP('}')) break; // trailing comma in an initializer
        continue;
      }
      break;
    }
    this.expectP(close, `',' or '${close}'`);
    return out;
  }

  /** After '.' or '?.': a member name, optionally a (generic) method call. */
  private memberOrCall(target: Expr): Expr {
    const name = this.ident('a member name');
    let typeArgs: TypeRef[] = [];
    if (this.isP('<')) {
      const save = this.i;
      const a = this.typeArgs(0);
      if (a && this.isP('(')) typeArgs = a;
      else this.i = save;
    }
    if (this.isP('(')) {
      const args = this.args('(', ')');
      return this.mk(
        { kind: 'call' as const, pos: target.pos, target, name: name.text, namePos: name.pos, typeArgs, args },
        target,
        ...args,
      );
    }
    return this.mk({ kind: 'member' as const, pos: target.pos, target, name: name.text, namePos: name.pos }, target);
  }

  private postfix(e: Expr): Expr {
    for (;;) {
      const t = this.peek();
      if (t.kind !== 'punct') return e;
      if (t.text === '.') {
        this.next();
        e = this.memberOrCall(e);
      } else if (t.text === '[') {
        const args = this.args('[', ']');
        if (args.length === 0) this.fail('an index', t);
        e = this.mk({ kind: 'index' as const, pos: e.pos, target: e, args }, e, ...args);
      } else if (t.text === '?.' || (t.text === '?' && this.isP('[', 1) && this.peek(1).pos === t.end)) {
        // Null-conditional: the rest of the chain reads the target through condTarget and is skipped when null.
        this.next();
        const hole: Expr = this.mk({ kind: 'condTarget' as const, pos: t.pos });
        let first: Expr;
        if (t.text === '?.') first = this.memberOrCall(hole);
        else {
          const args = this.args('[', ']');
          first = this.mk({ kind: 'index' as const, pos: t.pos, target: hole, args }, ...args);
        }
        this.enter();
        const chain = this.postfix(first);
        this.leave();
        return this.mk({ kind: 'condAccess' as const, pos: e.pos, target: e, chain }, e, chain);
      } else if (t.text === '++' || t.text === '--') {
        this.next();
        e = this.mk({ kind: 'incdec' as const, pos: e.pos, op: t.text, prefix: false, target: e }, e);
      } else if (t.text === '(') {
        this.fail("an operator (only named methods can be called)");
      } else return e;
    }
  }
}
