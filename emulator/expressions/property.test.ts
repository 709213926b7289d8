import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fcParams } from '../../test/fc';
import { compileExpression, ExpressionRuntimeError, ExpressionSyntaxError } from './index';
import { fakeCertificate, fakeContext } from './test-hosts';

const where = { file: 'fuzz.xml', line: 1, column: 1 };
const context = fakeContext({
  certificate: fakeCertificate({ thumbprint: 'ABCD' }),
  headers: { A: ['1'] },
  variables: { n: 3, s: 'text' },
});

/** Compiling and evaluating may only ever fail with our two error types. */
function onlyOurErrors(text: string): void {
  let compiled;
  try {
    compiled = compileExpression(text, where);
  } catch (e) {
    if (!(e instanceof ExpressionSyntaxError)) throw e;
    expect(e.message).toMatch(/^fuzz\.xml:\d+:\d+: expected .+, found .+/s);
    return;
  }
  try {
    compiled.evaluate({ context, stepBudget: 2000 });
  } catch (e) {
    if (!(e instanceof ExpressionRuntimeError)) throw e;
  }
}

// Fragments that make random input reach deep into the lexer and parser rather than failing at the first character.
const FRAGMENTS = [
  '@(', '@{', '(', ')', '{', '}', '[', ']', '.', '?.', '?', ':', ',', ';', '=>', '==', '!=', '<', '>', '<=', '>=',
  '&&', '||', '??', '!', '-', '+', '*', '/', '%', '=', '+=', '++', '"s"', '@"v"', '$"', '{x}', "'c'", '0', '1.5', '0x1F',
  '10L', 'true', 'null', 'x', 'c', 'context', '.Request', '.Certificate', '.Thumbprint', '.Variables', '["n"]', '.Any',
  '.Select', 'c => ', '(a, b) => ', 'new[]', 'string', 'int', '(string)', 'is', 'as', 'var ', 'return ', 'if ', 'else ',
  'foreach ', ' in ', '<string>', 'DateTime.UtcNow', '.AddDays(1)', 'string.IsNullOrEmpty', '.Split(\',\')', '\n', ' ',
  '//', '/*', '*/', '\\', '"', '$@"',
];

describe('fuzzing', () => {
  it('random text never escapes as anything but ExpressionSyntaxError / ExpressionRuntimeError', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 60 }), fc.boolean(), (s, prefix) => {
        onlyOurErrors(prefix ? `@(${s}` : s);
      }),
      fcParams(500),
    );
  });

  it('random token soup never escapes as anything but our errors', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...FRAGMENTS), { maxLength: 40 }), fc.constantFrom('@(', '@{', ''), (parts, start) => {
        onlyOurErrors(start + parts.join(''));
      }),
      fcParams(2000),
    );
  });
});

// ---- precedence: random typed trees, printed with minimal and with full parentheses -------------------------------
type IntE = { k: 'lit'; v: number } | { k: 'neg'; e: IntE } | { k: 'bin'; op: '+' | '-' | '*' | '/' | '%'; l: IntE; r: IntE } | { k: 'tern'; c: BoolE; a: IntE; b: IntE };
type BoolE = { k: 'b'; v: boolean } | { k: 'not'; e: BoolE } | { k: 'cmp'; op: '<' | '>' | '<=' | '>=' | '==' | '!='; l: IntE; r: IntE } | { k: 'log'; op: '&&' | '||' | '==' | '!='; l: BoolE; r: BoolE };

const { int: intArb, bool: boolArb } = fc.letrec<{ int: IntE; bool: BoolE }>((tie) => ({
  int: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.record({ k: fc.constant('lit' as const), v: fc.integer({ min: 0, max: 9 }) }),
    fc.record({ k: fc.constant('neg' as const), e: tie('int') }),
    fc.record({ k: fc.constant('bin' as const), op: fc.constantFrom('+', '-', '*', '/', '%'), l: tie('int'), r: tie('int') }),
    fc.record({ k: fc.constant('tern' as const), c: tie('bool'), a: tie('int'), b: tie('int') }),
  ),
  bool: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.record({ k: fc.constant('b' as const), v: fc.boolean() }),
    fc.record({ k: fc.constant('not' as const), e: tie('bool') }),
    fc.record({ k: fc.constant('cmp' as const), op: fc.constantFrom('<', '>', '<=', '>=', '==', '!='), l: tie('int'), r: tie('int') }),
    fc.record({ k: fc.constant('log' as const), op: fc.constantFrom('&&', '||', '==', '!='), l: tie('bool'), r: tie('bool') }),
  ),
}));

// Reference semantics, written from the C# specification independently of the interpreter.
class DivideByZero extends Error {}
function evalInt(e: IntE): number {
  switch (e.k) {
    case 'lit': return e.v;
    case 'neg': return -evalInt(e.e);
    case 'tern': return evalBool(e.c) ? evalInt(e.a) : evalInt(e.b);
    case 'bin': {
      const l = evalInt(e.l);
      const r = evalInt(e.r);
      if ((e.op === '/' || e.op === '%') && r === 0) throw new DivideByZero();
      return e.op === '+' ? l + r : e.op === '-' ? l - r : e.op === '*' ? l * r : e.op === '/' ? Math.trunc(l / r) : l % r;
    }
  }
}
function evalBool(e: BoolE): boolean {
  switch (e.k) {
    case 'b': return e.v;
    case 'not': return !evalBool(e.e);
    case 'cmp': {
      const l = evalInt(e.l);
      const r = evalInt(e.r);
      return { '<': l < r, '>': l > r, '<=': l <= r, '>=': l >= r, '==': l === r, '!=': l !== r }[e.op];
    }
    case 'log': {
      const l = evalBool(e.l);
      if (e.op === '&&' && !l) return false; // C# short-circuits: the right side is not evaluated
      if (e.op === '||' && l) return true;
      const r = evalBool(e.r);
      return e.op === '&&' || e.op === '||' ? r : e.op === '==' ? l === r : l !== r;
    }
  }
}

// C# precedence (ECMA-334 §12.4.2), higher binds tighter.
const PREC: Record<string, number> = { '||': 1, '&&': 2, '==': 4, '!=': 4, '<': 5, '>': 5, '<=': 5, '>=': 5, '+': 6, '-': 6, '*': 7, '/': 7, '%': 7 };
type AnyE = IntE | BoolE;
const precOf = (e: AnyE): number => (e.k === 'bin' || e.k === 'cmp' || e.k === 'log' ? PREC[e.op]! : e.k === 'tern' ? 0 : 9);

function print(e: AnyE, full: boolean): string {
  const wrap = (child: AnyE, min: number): string => {
    const s = print(child, full);
    return full || precOf(child) < min ? `(${s})` : s;
  };
  switch (e.k) {
    case 'lit': return String(e.v);
    case 'b': return String(e.v);
    case 'neg': return `-(${print(e.e, full)})`;
    case 'not': return `!(${print(e.e, full)})`;
    case 'tern': return `${wrap(e.c, 1)} ? ${print(e.a, full)} : ${print(e.b, full)}`;
    case 'bin': case 'cmp': case 'log': {
      // Left-associative: the right operand needs parentheses at equal precedence.
      const p = PREC[e.op]!;
      return `${wrap(e.l, p)} ${e.op} ${wrap(e.r, p + 1)}`;
    }
  }
}

function interpreted(text: string): { value?: unknown; divideByZero?: boolean } {
  try {
    return { value: compileExpression(`@(${text})`, where).evaluate({ context }) };
  } catch (e) {
    if (e instanceof ExpressionRuntimeError && e.exceptionType === 'DivideByZeroException') return { divideByZero: true };
    throw e;
  }
}

function reference(f: () => unknown): { value?: unknown; divideByZero?: boolean } {
  try {
    return { value: f() };
  } catch (e) {
    if (e instanceof DivideByZero) return { divideByZero: true };
    throw e;
  }
}

describe('operator precedence and associativity', () => {
  it('integer trees: minimal and full parenthesisation both evaluate as C# does', () => {
    fc.assert(
      fc.property(intArb, (e) => {
        const want = reference(() => evalInt(e));
        expect(interpreted(print(e, false))).toEqual(want);
        expect(interpreted(print(e, true))).toEqual(want);
      }),
      fcParams(400),
    );
  });

  it('boolean trees: minimal and full parenthesisation both evaluate as C# does', () => {
    fc.assert(
      fc.property(boolArb, (e) => {
        const want = reference(() => evalBool(e));
        expect(interpreted(print(e, false))).toEqual(want);
        expect(interpreted(print(e, true))).toEqual(want);
      }),
      fcParams(400),
    );
  });
});
