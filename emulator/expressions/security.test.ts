import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileExpression, CsDictionary, ExpressionRuntimeError, ExpressionSyntaxError } from './index';
import { fakeContext, FakeHost } from './test-hosts';

const where = { file: 'evil.xml', line: 1, column: 1 };
const run = (text: string, context: FakeHost = fakeContext(), stepBudget?: number): unknown =>
  compileExpression(text, where).evaluate({ context, stepBudget });

function runtimeError(f: () => unknown): ExpressionRuntimeError {
  try {
    f();
  } catch (e) {
    if (e instanceof ExpressionRuntimeError) return e;
    throw e;
  }
  throw new Error('expected an ExpressionRuntimeError');
}

describe('no way out to JavaScript', () => {
  it.each(['process', 'require("fs")', 'globalThis', 'constructor', 'eval("1")', 'Function("return 1")', 'this', '__proto__', 'module', 'import("fs")'])(
    'the name in @(%s) is refused at load',
    (text) => {
      expect(() => compileExpression(`@(${text})`, where)).toThrow(ExpressionSyntaxError);
    },
  );

  it.each([
    'context.constructor',
    'context.__proto__',
    'context.Variables.constructor',
    '"x".constructor',
    '"x".__proto__',
    'new[] { 1 }.constructor',
    'context.Request.Headers.map',
    '"abc".concat("d")',
    '"abc".toString()',
    'new[] { 1 }.push(2)',
    '(1).valueOf()',
    'context.Request.getMember("Method")',
  ])('JS members are unknown members at run time: @(%s)', (text) => {
    const e = runtimeError(() => run(`@(${text})`));
    expect(e.exceptionType).toBe('RuntimeBinderException');
    expect(e.reason).toBe('ExpressionValueEvaluationFailure');
  });

  it('dictionary keys such as "__proto__" are ordinary keys and cannot pollute prototypes', () => {
    const variables = new CsDictionary([['__proto__', 'p'], ['constructor', 'c']], { readOnly: false });
    // A context whose Variables is a writable dictionary.
    const host = new FakeHost('IProxyContext', { Variables: variables });
    expect(run('@((string)context.Variables["__proto__"] + context.Variables["constructor"])', host)).toBe('pc');
    run('@{ context.Variables.Add("polluted", "yes"); context.Variables.Remove("__proto__"); return 1; }', host);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
    expect(variables.get('polluted')).toBe('yes');
    expect(variables.has('__proto__')).toBe(false);
    expect(run('@(context.Variables.ContainsKey("toString"))', host)).toBe(false);
  });

  it('read-only dictionaries refuse Add from expressions', () => {
    const e = runtimeError(() => run('@{ context.Variables.Add("a", 1); return 1; }'));
    expect(e.detail).toMatch(/does not contain a definition for 'Add'/);
  });

  it('the implementation never uses eval, Function or vm', () => {
    const dir = import.meta.dirname;
    const files = [dir, join(dir, 'runtime')].flatMap((d) =>
      readdirSync(d).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts')).map((f) => join(d, f)),
    );
    expect(files.length).toBeGreaterThan(10);
    for (const f of files) {
      const text = readFileSync(f, 'utf8');
      expect(text, f).not.toMatch(/\beval\s*\(|new Function\b|\bFunction\s*\(|['"](node:)?vm['"]/);
    }
  });
});

describe('resource limits', () => {
  it.each([
    '@(Enumerable.Range(0, 1000000000).Any(x => x < 0))',
    '@(Enumerable.Range(0, 1000).SelectMany(i => Enumerable.Range(0, 1000)).Count())',
    '@(Enumerable.Repeat("x", 500).Select(a => Enumerable.Range(0, 500).Where(b => b > 0).Count()).Sum())',
    '@{ var n = 0; foreach (var i in Enumerable.Range(0, 400)) { foreach (var j in Enumerable.Range(0, 400)) { n++; } } return n; }',
  ])('runaway work hits the step budget quickly: %s', (text) => {
    const started = performance.now();
    const e = runtimeError(() => run(text));
    expect(e.exceptionType).toBe('ExpressionBudgetExceeded');
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('the budget is per evaluation and configurable', () => {
    const text = '@(new[] {1,2,3,4,5,6,7,8,9,10}.Where(x => x > 2).Count())';
    expect(run(text, fakeContext(), 100)).toBe(8);
    expect(runtimeError(() => run(text, fakeContext(), 5)).exceptionType).toBe('ExpressionBudgetExceeded');
    const e = compileExpression(text, where, { stepBudget: 5 });
    expect(() => e.evaluate({ context: fakeContext() })).toThrow(/budget of 5 steps/);
    expect(e.evaluate({ context: fakeContext(), stepBudget: 50 })).toBe(8); // a failed evaluation leaves no debt
  });

  it('strings cannot grow past the cap', () => {
    const doubling = '@{ var s = "x"; foreach (var i in Enumerable.Range(0, 40)) { s = s + s; } return s.Length; }';
    expect(runtimeError(() => run(doubling)).exceptionType).toBe('OutOfMemoryException');
    expect(runtimeError(() => run('@("x".PadLeft(100000000))')).exceptionType).toBe('OutOfMemoryException');
    expect(runtimeError(() => run('@(string.Join(",", Enumerable.Repeat("abcdefghij", 96000)))')).exceptionType).toBe('OutOfMemoryException');
    expect(runtimeError(() => run('@("ab".Replace("a", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa").Replace("a", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa").Replace("a", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa").Replace("a", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"))')).exceptionType).toBe('OutOfMemoryException');
  });

  it.each([
    ['parentheses', `@(${'('.repeat(5000)}1${')'.repeat(5000)})`],
    ['unary operators', `@(${'!'.repeat(100000)}true)`],
    ['a member chain', `@(context${'.A'.repeat(20000)})`],
    ['a long || chain', `@(${Array(5000).fill('true').join(' || ')})`],
    ['right-associative ??', `@(${Array(5000).fill('null').join(' ?? ')})`],
    ['nested lambdas', `@(${'new[]{1}.Any(x => '.repeat(3000)}true${')'.repeat(3000)})`],
    ['nested blocks', `@{${'{'.repeat(5000)} return 1; ${'}'.repeat(5000)}}`],
    ['interpolation', `@(${'$"{'.repeat(3000)}1${'}"'.repeat(3000)})`],
  ])('deep nesting (%s) is a syntax error, not a stack overflow', (_name, text) => {
    expect(() => compileExpression(text, where)).toThrow(/nested at most 200 levels/);
  });

  it('moderate nesting is fine', () => {
    expect(run(`@(${'('.repeat(50)}1${')'.repeat(50)} + ${Array(50).fill('1').join(' + ')})`)).toBe(51);
  });
});
