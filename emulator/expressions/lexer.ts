// Tokenizer for the C# subset of policy expressions. Lexes the whole text up front (the parser needs arbitrary
// look-ahead for casts, lambdas and generic calls). Interpolated strings are lexed with a mode stack: text parts,
// then the tokens of each hole, so the parser sees one flat token stream with exact offsets.
import { ExpressionSyntaxError } from './errors';
import type { SourceText } from './source';

export type TokenKind =
  | 'ident' // identifiers and keywords (verbatim @ident is an ident whose `kw` is false)
  | 'int' // integer literal (value: number); `long` when suffixed L
  | 'real' // double/float/decimal literal
  | 'string'
  | 'char'
  | 'punct'
  | 'interpStart' // $" or $@"
  | 'interpText' // cooked text between holes
  | 'holeStart' // {
  | 'format' // :format inside a hole (value: the format string)
  | 'holeEnd' // }
  | 'interpEnd' // closing "
  | 'eof';

export interface Token {
  readonly kind: TokenKind;
  /** Identifier name, punctuator text, or cooked literal value. */
  readonly text: string;
  readonly value?: number;
  /** For ident: a reserved word (not written as @word). For int: has L suffix. */
  readonly flag?: boolean;
  readonly pos: number;
  readonly end: number;
}

const KEYWORDS = new Set([
  'true', 'false', 'null', 'new', 'var', 'if', 'else', 'return', 'foreach', 'in', 'is', 'as', 'not',
  'string', 'int', 'long', 'double', 'float', 'decimal', 'bool', 'char', 'object', 'byte', 'uint', 'ulong',
  'short', 'ushort', 'sbyte', 'this', 'typeof', 'for', 'while', 'do', 'throw', 'try', 'catch', 'class',
  'default', 'checked', 'unchecked', 'out', 'ref', 'base', 'switch', 'case', 'break', 'continue',
]);

// Longest first, so that e.g. "==" wins over "=".
const PUNCTS = [
  '=>', '==', '!=', '<=', '>=', '&&', '||', '??', '?.', '++', '--', '+=', '-=', '*=', '/=', '%=',
  '(', ')', '[', ']', '{', '}', '.', ',', ';', ':', '?', '+', '-', '*', '/', '%', '<', '>', '=', '!', '&', '|',
  '^', '~',
];

type Mode = { kind: 'interp'; verbatim: boolean } | { kind: 'hole'; braces: number; parens: number };

const isIdentStart = (c: string): boolean => /[A-Za-z_\p{L}]/u.test(c);
const isIdentPart = (c: string): boolean => /[A-Za-z0-9_\p{L}\p{Nd}\p{Mn}\p{Mc}\p{Pc}]/u.test(c);
const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';

export function describeToken(t: Token): string {
  switch (t.kind) {
    case 'eof': return 'end of expression';
    case 'ident': return `'${t.text}'`;
    case 'int': case 'real': return `number ${JSON.stringify(t.text)}`;
    case 'string': return 'a string literal';
    case 'char': return 'a character literal';
    case 'punct': return `'${t.text}'`;
    case 'interpStart': return 'an interpolated string';
    case 'interpText': return 'interpolated string text';
    case 'holeStart': return "'{'";
    case 'holeEnd': return "'}'";
    case 'format': return 'a format specifier';
    case 'interpEnd': return "'\"'";
  }
}

export function tokenize(src: SourceText, start: number): Token[] {
  return new Lexer(src, start).run();
}

class Lexer {
  private readonly text: string;
  private i: number;
  private readonly tokens: Token[] = [];
  private readonly modes: Mode[] = [];

  constructor(
    private readonly src: SourceText,
    start: number,
  ) {
    this.text = src.text;
    this.i = start;
  }

  private fail(at: number, expected: string, found?: string): never {
    const ch = this.text[at];
    throw new ExpressionSyntaxError(
      this.src.locate(at),
      expected,
      found ?? (ch === undefined ? 'end of expression' : `'${ch === '\n' ? '\\n' : ch}'`),
    );
  }

  private push(kind: TokenKind, text: string, pos: number, value?: number, flag?: boolean): void {
    this.tokens.push({ kind, text, pos, end: this.i, value, flag });
  }

  run(): Token[] {
    for (;;) {
      const mode = this.modes[this.modes.length - 1];
      if (mode?.kind === 'interp') {
        this.interpText(mode.verbatim);
        continue;
      }
      this.skipTrivia();
      if (this.i >= this.text.length) {
        if (mode) this.fail(this.i, "'}' closing the interpolation hole");
        this.push('eof', '', this.i);
        return this.tokens;
      }
      this.codeToken(mode);
    }
  }

  private skipTrivia(): void {
    const t = this.text;
    while (this.i < t.length) {
      const c = t[this.i]!;
      if (c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f' || c === '\v' || c === '\u00a0' || c === '\ufeff') {
        this.i++;
      } else if (c === '/' && t[this.i + 1] === '/') {
        while (this.i < t.length && t[this.i] !== '\n' && t[this.i] !== '\r') this.i++;
      } else if (c === '/' && t[this.i + 1] === '*') {
        const close = t.indexOf('*/', this.i + 2);
        if (close < 0) this.fail(t.length, "'*/' closing the comment");
        this.i = close + 2;
      } else return;
    }
  }

  private codeToken(hole: Mode | undefined): void {
    const t = this.text;
    const pos = this.i;
    const c = t[pos]!;
    if (hole?.kind === 'hole') {
      if (c === '}' && hole.braces === 0) {
        this.i++;
        this.push('holeEnd', '}', pos);
        this.modes.pop();
        return;
      }
      if (c === ':' && hole.braces === 0 && hole.parens === 0) {
        // A format specifier runs to the closing brace (C# requires a ternary in a hole to be parenthesised).
        const close = t.indexOf('}', pos + 1);
        if (close < 0) this.fail(t.length, "'}' closing the interpolation hole");
        const fmt = t.slice(pos + 1, close);
        if (/["\n\r]/.test(fmt)) this.fail(pos + 1 + fmt.search(/["\n\r]/), "'}' closing the format specifier");
        this.i = close;
        this.push('format', fmt, pos);
        return;
      }
      if (c === '{') hole.braces++;
      else if (c === '}') hole.braces--;
      else if (c === '(' || c === '[') hole.parens++;
      else if (c === ')' || c === ']') hole.parens--;
    }
    if (c === '"') return this.stringLit(pos, false);
    if (c === "'") return this.charLit(pos);
    if (c === '$' || (c === '@' && t[pos + 1] === '$')) {
      const verbatim = c === '@' || t[pos + 1] === '@';
      const quote = pos + (verbatim ? 2 : 1);
      if (t[quote] !== '"') this.fail(quote, "'\"' starting the interpolated string");
      this.i = quote + 1;
      this.push('interpStart', t.slice(pos, this.i), pos);
      this.modes.push({ kind: 'interp', verbatim });
      return;
    }
    if (c === '@') {
      if (t[pos + 1] === '"') return this.stringLit(pos + 1, true);
      if (t[pos + 1] !== undefined && isIdentStart(t[pos + 1]!)) {
        this.i = pos + 1;
        const name = this.identChars();
        this.push('ident', name, pos, undefined, false);
        return;
      }
      this.fail(pos + 1, 'an identifier or string after \'@\'');
    }
    if (isDigit(c) || (c === '.' && isDigit(t[pos + 1]))) return this.number(pos);
    if (isIdentStart(c)) {
      const name = this.identChars();
      this.push('ident', name, pos, undefined, KEYWORDS.has(name));
      return;
    }
    for (const p of PUNCTS) {
      if (t.startsWith(p, pos)) {
        // "a ? .5 : b": '?' then a number, not '?.'.
        if (p === '?.' && isDigit(t[pos + 2])) continue;
        this.i = pos + p.length;
        this.push('punct', p, pos);
        return;
      }
    }
    this.fail(pos, 'a token');
  }

  private identChars(): string {
    const t = this.text;
    const s = this.i;
    while (this.i < t.length && isIdentPart(t[this.i]!)) this.i++;
    return t.slice(s, this.i);
  }

  private number(pos: number): void {
    const t = this.text;
    let i = pos;
    if (t[i] === '0' && (t[i + 1] === 'x' || t[i + 1] === 'X')) {
      i += 2;
      const s = i;
      while (/[0-9a-fA-F_]/.test(t[i] ?? '')) i++;
      if (i === s) this.fail(i, 'hexadecimal digits');
      const long = /[lL]/.test(t[i] ?? '');
      if (/[uUlL]/.test(t[i] ?? '')) i++;
      if (/[uUlL]/.test(t[i] ?? '')) i++;
      this.i = i;
      this.checkNumberEnd();
      this.push('int', t.slice(pos, i), pos, parseInt(t.slice(s, i).replace(/[_uUlL]/g, ''), 16), long);
      return;
    }
    let real = false;
    while (isDigit(t[i]) || t[i] === '_') i++;
    if (t[i] === '.' && isDigit(t[i + 1])) {
      real = true;
      i++;
      while (isDigit(t[i]) || t[i] === '_') i++;
    }
    if (t[i] === 'e' || t[i] === 'E') {
      let j = i + 1;
      if (t[j] === '+' || t[j] === '-') j++;
      if (!isDigit(t[j])) this.fail(j, 'exponent digits');
      while (isDigit(t[j])) j++;
      i = j;
      real = true;
    }
    const digits = t.slice(pos, i).replace(/_/g, '');
    const suffix = t[i];
    if (suffix && /[fFdDmM]/.test(suffix)) {
      this.i = i + 1;
      this.checkNumberEnd();
      this.push('real', t.slice(pos, this.i), pos, Number(digits));
      return;
    }
    let long = false;
    if (!real && suffix && /[uUlL]/.test(suffix)) {
      long = /[lL]/.test(suffix) || /[lL]/.test(t[i + 1] ?? '');
      i++;
      if (/[uUlL]/.test(t[i] ?? '')) i++;
    }
    this.i = i;
    this.checkNumberEnd();
    this.push(real ? 'real' : 'int', t.slice(pos, i), pos, Number(digits), long);
  }

  private checkNumberEnd(): void {
    const c = this.text[this.i];
    if (c !== undefined && isIdentPart(c)) this.fail(this.i, 'the end of the number');
  }

  /** Reads one escape sequence after a backslash at this.i; returns the cooked text. */
  private escape(): string {
    const t = this.text;
    const at = this.i;
    const c = t[at + 1];
    const simple: Record<string, string> = {
      "'": "'", '"': '"', '\\': '\\', '0': '\0', a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v',
    };
    if (c !== undefined && Object.hasOwn(simple, c)) {
      this.i = at + 2;
      return simple[c]!;
    }
    if (c === 'u' || c === 'U' || c === 'x') {
      const max = c === 'u' ? 4 : c === 'U' ? 8 : 4;
      let j = at + 2;
      while (j - (at + 2) < max && /[0-9a-fA-F]/.test(t[j] ?? '')) j++;
      const n = j - (at + 2);
      if (n === 0 || (c !== 'x' && n !== max)) this.fail(j, `${c === 'x' ? '1-4' : max} hexadecimal digits`);
      const code = parseInt(t.slice(at + 2, j), 16);
      if (code > 0x10ffff) this.fail(at, 'a valid Unicode escape', `\\${c}${t.slice(at + 2, j)}`);
      this.i = j;
      return String.fromCodePoint(code);
    }
    this.fail(at, 'a valid escape sequence', c === undefined ? 'end of expression' : `'\\${c}'`);
  }

  private stringLit(quote: number, verbatim: boolean): void {
    const t = this.text;
    const pos = verbatim ? quote - 1 : quote;
    this.i = quote + 1;
    let out = '';
    for (;;) {
      const c = t[this.i];
      if (c === undefined) this.fail(this.i, "'\"' closing the string");
      if (c === '"') {
        if (verbatim && t[this.i + 1] === '"') {
          out += '"';
          this.i += 2;
          continue;
        }
        this.i++;
        break;
      }
      if (!verbatim && (c === '\n' || c === '\r')) this.fail(this.i, "'\"' closing the string");
      if (!verbatim && c === '\\') {
        out += this.escape();
        continue;
      }
      out += c;
      this.i++;
    }
    this.push('string', out, pos);
  }

  private charLit(pos: number): void {
    const t = this.text;
    this.i = pos + 1;
    let value: string;
    if (t[this.i] === '\\') value = this.escape();
    else if (t[this.i] === undefined || t[this.i] === "'" || t[this.i] === '\n' || t[this.i] === '\r') {
      this.fail(this.i, 'a character');
    } else {
      const cp = t.codePointAt(this.i)!;
      if (cp > 0xffff) this.fail(this.i, 'a single UTF-16 character');
      value = t[this.i]!;
      this.i++;
    }
    if (t[this.i] !== "'") this.fail(this.i, "''' closing the character literal");
    this.i++;
    if (value.length !== 1) this.fail(pos, 'a single UTF-16 character', 'a surrogate pair');
    this.push('char', value, pos);
  }

  private interpText(verbatim: boolean): void {
    const t = this.text;
    const pos = this.i;
    let out = '';
    for (;;) {
      const c = t[this.i];
      if (c === undefined) this.fail(this.i, "'\"' closing the interpolated string");
      if (c === '"') {
        if (verbatim && t[this.i + 1] === '"') {
          out += '"';
          this.i += 2;
          continue;
        }
        if (out) this.push('interpText', out, pos);
        const q = this.i++;
        this.push('interpEnd', '"', q);
        this.modes.pop();
        return;
      }
      if (c === '{') {
        if (t[this.i + 1] === '{') {
          out += '{';
          this.i += 2;
          continue;
        }
        if (out) this.push('interpText', out, pos);
        const b = this.i++;
        this.push('holeStart', '{', b);
        this.modes.push({ kind: 'hole', braces: 0, parens: 0 });
        return;
      }
      if (c === '}') {
        if (t[this.i + 1] === '}') {
          out += '}';
          this.i += 2;
          continue;
        }
        this.fail(this.i, "'}}' (a lone '}' in an interpolated string)");
      }
      if (!verbatim && (c === '\n' || c === '\r')) this.fail(this.i, "'\"' closing the interpolated string");
      if (!verbatim && c === '\\') {
        out += this.escape();
        continue;
      }
      out += c;
      this.i++;
    }
  }
}
