import { describe, expect, it } from 'vitest';
import type { Expr } from './ast';
import { ExpressionSyntaxError } from './errors';
import { tokenize } from './lexer';
import { parseProgram } from './parser';
import { SourceText } from './source';

const where = { file: 'p.xml', line: 5, column: 9 };
const src = (t: string): SourceText => new SourceText(t, where);
const expr = (t: string): Expr => {
  const p = parseProgram(src(`@(${t})`));
  if (p.kind !== 'expression') throw new Error('not an expression');
  return p.expr;
};
const tokens = (t: string) => tokenize(src(t), 0).map((k) => [k.kind, k.text]);
const syntaxError = (t: string): ExpressionSyntaxError => {
  try {
    parseProgram(src(t));
  } catch (e) {
    if (e instanceof ExpressionSyntaxError) return e;
    throw e;
  }
  throw new Error(`parsed: ${t}`);
};

describe('lexer', () => {
  it('cooks escapes in regular strings and keeps backslashes in verbatim strings', () => {
    expect(tokens(String.raw`"a\tb\u0041\x42\"" @"c:\dir""q"`)).toEqual([
      ['string', 'a\tbAB"'],
      ['string', 'c:\\dir"q'],
      ['eof', ''],
    ]);
  });

  it('numbers: int, long, real, hex, suffixes, and 1.ToString() is int then member', () => {
    const t = tokenize(src('12 10L 1.5 2e3 3f 0xFF 1.ToString'), 0);
    expect(t.map((k) => [k.kind, k.value ?? k.text])).toEqual([
      ['int', 12], ['int', 10], ['real', 1.5], ['real', 2000], ['real', 3], ['int', 255],
      ['int', 1], ['punct', '.'], ['ident', 'ToString'], ['eof', ''],
    ]);
    expect(t[1]!.flag).toBe(true); // L suffix
  });

  it('interpolated strings: text, holes with nested strings and braces, format specifiers, escaped braces', () => {
    expect(tokens('$"a{{{x + "}":D2}b{ new[] {1}[0] }"')).toEqual([
      ['interpStart', '$"'], ['interpText', 'a{'], ['holeStart', '{'], ['ident', 'x'], ['punct', '+'], ['string', '}'],
      ['format', 'D2'], ['holeEnd', '}'], ['interpText', 'b'], ['holeStart', '{'], ['ident', 'new'], ['punct', '['],
      ['punct', ']'], ['punct', '{'], ['int', '1'], ['punct', '}'], ['punct', '['], ['int', '0'], ['punct', ']'],
      ['holeEnd', '}'], ['interpEnd', '"'], ['eof', ''],
    ]);
  });

  it('comments are skipped; an unterminated block comment is an error at the end', () => {
    expect(tokens('a // x\n/* y */ b')).toEqual([['ident', 'a'], ['ident', 'b'], ['eof', '']]);
    const e = syntaxError('@(a /* never closed');
    expect(e.expected).toBe("'*/' closing the comment");
  });

  it('errors carry the location of the bad character', () => {
    const e = syntaxError('@(\n  "abc\\q")');
    expect([e.line, e.column]).toEqual([6, 7]);
    expect(e.message).toBe("p.xml:6:7: expected a valid escape sequence, found '\\q'");
    expect(syntaxError('@(1 # 2)').message).toBe("p.xml:5:13: expected a token, found '#'");
  });

  it('counts \\r\\n as one line break', () => {
    const e = syntaxError('@{\r\n\r\n  return 1 +;\r\n}');
    expect([e.line, e.column]).toEqual([7, '  return 1 +'.length + 1]);
  });
});

describe('parser', () => {
  it('member access, calls with generic arguments, indexers', () => {
    const e = expr('context.Variables.GetValueOrDefault<string>("k")[0]');
    expect(e.kind).toBe('index');
    const call = (e as Extract<Expr, { kind: 'index' }>).target as Extract<Expr, { kind: 'call' }>;
    expect([call.kind, call.name, call.typeArgs.map((t) => t.name)]).toEqual(['call', 'GetValueOrDefault', ['string']]);
  });

  it('a < b > (c) without a method name stays a comparison chain error, a.M<b>(c) is generic', () => {
    expect(expr('a < b').kind).toBe('binary');
    expect(expr('x.M<int>(1)').kind).toBe('call');
    const cmp = expr('x.M < y');
    expect(cmp.kind).toBe('binary');
  });

  it('casts versus parenthesised expressions', () => {
    expect(expr('(string)x').kind).toBe('cast');
    expect(expr('(int)-x').kind).toBe('cast'); // predefined type: always a cast
    expect(expr('(x) - y').kind).toBe('binary'); // a name followed by a binary operator: parentheses
    expect(expr('(X509Certificate2)x').kind).toBe('cast');
    expect(expr('(a.b)c').kind).toBe('cast');
  });

  it('lambdas with one, several or no parameters', () => {
    const e = expr('xs.Any(x => x > 1) && ys.Select((a, i) => a) != null && zs.All(() => true)');
    expect(e.kind).toBe('binary');
  });

  it('null-conditional chains short-circuit as one node', () => {
    const e = expr('a?.b.c?[0]');
    expect(e.kind).toBe('condAccess');
  });

  it('is / as / is not null, without eating a following ternary', () => {
    expect(expr('x is string ? 1 : 2').kind).toBe('conditional');
    expect(expr('x is not null').kind).toBe('is');
    expect(expr('x as string ?? "d"').kind).toBe('binary');
  });

  it('statement blocks', () => {
    const p = parseProgram(src('@{ var a = 1; string b = "x", c; if (a > 0) return b; else { return c; } }'));
    expect(p.kind).toBe('block');
    if (p.kind === 'block') expect(p.block.body.map((s) => s.kind)).toEqual(['decl', 'decl', 'if']);
  });

  it('reports what it expected and what it found', () => {
    expect(syntaxError('@(a.)').message).toBe("p.xml:5:13: expected a member name, found ')'");
    expect(syntaxError('@(a b)').message).toBe("p.xml:5:13: expected ')' closing '@(', found 'b'");
    expect(syntaxError('@{ return 1 }').message).toBe("p.xml:5:21: expected ';' after the return value, found '}'");
    expect(syntaxError('@{ x + 1; }').expected).toMatch(/only assignment, call and increment/);
    expect(syntaxError('@{ while (true) {} }').expected).toMatch(/a supported statement/);
    expect(syntaxError('x').expected).toBe("'@(' or '@{' starting a policy expression");
    expect(syntaxError('@(1) trailing').expected).toBe("end of expression after ')'");
  });
});
