// Token cursor shared by the parser: look-ahead, expectations that fail with file:line:column, the nesting guard,
// node construction with depth accounting, and type syntax (`string`, `List<string>[]`, `int?`).
import type { TypeRef } from './ast';
import { PREDEFINED_TYPES } from './ast';
import { ExpressionSyntaxError } from './errors';
import { describeToken, type Token } from './lexer';
import type { SourceText } from './source';

type Kid = { depth: number } | null | undefined;

export class TokenCursor {
  protected i = 0;
  protected nesting = 0;

  constructor(
    protected readonly src: SourceText,
    protected readonly toks: Token[],
    protected readonly maxDepth: number,
  ) {}

  // ---- token helpers -------------------------------------------------------------------------------------------
  protected peek(k = 0): Token {
    return this.toks[Math.min(this.i + k, this.toks.length - 1)]!;
  }
  protected next(): Token {
    const t = this.peek();
    if (this.i < this.toks.length - 1) this.i++;
    return t;
  }
  protected isP(p: string, k = 0): boolean {
    const t = this.peek(k);
    return t.kind === 'punct' && t.text === p;
  }
  protected isKw(w: string, k = 0): boolean {
    const t = this.peek(k);
    return t.kind === 'ident' && t.flag === true && t.text === w;
  }
  protected fail(expected: string, t: Token = this.peek()): never {
    throw new ExpressionSyntaxError(this.src.locate(t.pos), expected, describeToken(t));
  }
  protected expectP(p: string, what = `'${p}'`): Token {
    if (!this.isP(p)) this.fail(what);
    return this.next();
  }
  protected ident(what = 'an identifier'): Token {
    const t = this.peek();
    if (t.kind !== 'ident' || t.flag) this.fail(what);
    return this.next();
  }
  protected enter(): void {
    if (++this.nesting > this.maxDepth) this.fail(`expressions nested at most ${this.maxDepth} levels deep`);
  }
  protected leave(): void {
    this.nesting--;
  }
  protected mk<T extends { pos: number }>(n: T, ...kids: Kid[]): T & { depth: number } {
    let depth = 0;
    for (const k of kids) if (k && k.depth > depth) depth = k.depth;
    depth++;
    if (depth > this.maxDepth) {
      throw new ExpressionSyntaxError(this.src.locate(n.pos), `expressions nested at most ${this.maxDepth} levels deep`, 'deeper nesting');
    }
    return Object.assign(n, { depth });
  }

  // ---- types ---------------------------------------------------------------------------------------------------
  protected type(allowNullable = true): TypeRef {
    const t = this.tryType(0, allowNullable);
    if (!t) this.fail('a type name');
    return t;
  }

  /** Parses a type at the cursor, or restores the cursor and returns null. */
  protected tryType(depth = 0, allowNullable = true): TypeRef | null {
    const save = this.i;
    const first = this.peek();
    if (first.kind !== 'ident' || (first.flag && !PREDEFINED_TYPES.has(first.text)) || depth > 8) return null;
    this.next();
    let name = first.text;
    if (!first.flag) {
      while (this.isP('.') && this.peek(1).kind === 'ident' && !this.peek(1).flag) {
        this.next();
        name += '.' + this.next().text;
      }
    }
    let args: TypeRef[] = [];
    if (this.isP('<')) {
      const a = this.typeArgs(depth);
      if (!a) {
        this.i = save;
        return null;
      }
      args = a;
    }
    let nullable = false;
    if (allowNullable && this.isP('?') && (this.isP(')', 1) || (this.peek(1).kind === 'ident' && !this.peek(1).flag))) {
      this.next();
      nullable = true;
    }
    let rank = 0;
    while (this.isP('[') && this.isP(']', 1)) {
      this.next();
      this.next();
      rank++;
    }
    return { name, args, rank, nullable, pos: first.pos };
  }

  /** `<T, U>` at the cursor, or null with the cursor restored. */
  protected typeArgs(depth: number): TypeRef[] | null {
    const save = this.i;
    this.next(); // '<'
    const args: TypeRef[] = [];
    for (;;) {
      const a = this.tryType(depth + 1);
      if (!a) break;
      args.push(a);
      if (this.isP(',')) {
        this.next();
        continue;
      }
      if (this.isP('>')) {
        this.next();
        return args;
      }
      break;
    }
    this.i = save;
    return null;
  }
}
