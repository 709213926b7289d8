// The runtime library through expressions; expected values are .NET's documented results.
import { afterEach, describe, expect, it } from 'vitest';
import { compileExpression, CsDateTime, CsDictionary, ExpressionRuntimeError, setClock } from '../index';
import { fakeContext } from '../test-hosts';

const where = { file: 'rt.xml', line: 1, column: 1 };
const run = (text: string, context = fakeContext()): unknown => compileExpression(text, where).evaluate({ context });
const failure = (text: string): ExpressionRuntimeError => {
  try {
    run(text);
  } catch (e) {
    if (e instanceof ExpressionRuntimeError) return e;
    throw e;
  }
  throw new Error(`no failure: ${text}`);
};

describe('System.String', () => {
  it('Split overloads', () => {
    expect(run('@("a,b,,c".Split(\',\'))')).toEqual(['a', 'b', '', 'c']);
    expect(run('@("a, b, c".Split(", "))')).toEqual(['a', 'b', 'c']);
    expect(run('@("a;b,c".Split(new[] {\';\', \',\'}))')).toEqual(['a', 'b', 'c']);
    expect(run('@("a,,b".Split(new[] {","}, StringSplitOptions.RemoveEmptyEntries))')).toEqual(['a', 'b']);
    expect(run('@("a,b,c".Split(\',\', 2))')).toEqual(['a', 'b,c']);
    expect(run('@("a b\tc".Split())')).toEqual(['a', 'b', 'c']);
  });

  it('Trim family, Substring bounds, IndexOf with comparison', () => {
    expect(run('@("xxhixx".Trim(\'x\') + "|" + "  a ".TrimStart() + "|" + "a//".TrimEnd(\'/\'))')).toBe('hi|a |a');
    expect(failure('@("abc".Substring(2, 5))').exceptionType).toBe('ArgumentOutOfRangeException');
    expect(run('@("Hello".IndexOf("L", StringComparison.OrdinalIgnoreCase))')).toBe(2);
    expect(run('@("Hello".IndexOf("L"))')).toBe(-1);
    expect(run('@("Hello".ToUpperInvariant() + "Hello".ToLowerInvariant())')).toBe('HELLOhello');
  });

  it('Contains, EndsWith, Replace and null arguments', () => {
    expect(run('@("CN=a, O=b".Contains("O=B", StringComparison.OrdinalIgnoreCase) && !"CN=a".Contains("cn"))')).toBe(true);
    expect(run('@("file.PEM".EndsWith(".pem", StringComparison.OrdinalIgnoreCase))')).toBe(true);
    expect(failure('@("abc".Contains(null))').exceptionType).toBe('ArgumentNullException');
    expect(failure('@("abc".Replace("", "x"))').exceptionType).toBe('ArgumentException');
    expect(run('@("a-b-c".Replace("-", null))')).toBe('abc');
  });

  it('string.Format, Concat, Compare, IsNullOrWhiteSpace, indexer and Length', () => {
    expect(run('@(string.Format("{0}-{1:D3}-{0}", "a", 7))')).toBe('a-007-a');
    expect(run('@(string.Concat("a", 1, true))')).toBe('a1True');
    expect(run('@(string.Compare("a", "B", StringComparison.OrdinalIgnoreCase) < 0)')).toBe(true);
    expect(run('@("abc"[1] == \'b\' && "abc".Length == 3)')).toBe(true);
    expect(failure('@("abc"[3])').exceptionType).toBe('IndexOutOfRangeException');
  });
});

describe('values as .NET prints them', () => {
  it('bools, doubles, nulls in concatenation and interpolation', () => {
    expect(run('@("" + true + false + null + 1.5 + (0.1 + 0.2))')).toBe('TrueFalse1.50.30000000000000004');
    expect(run('@($"{1e15}|{1.5e-7}|{123456.0}")')).toBe('1E+15|1.5E-07|123456');
    expect(run('@((1234567.891).ToString("N2") + " " + (255).ToString("X4") + " " + (3.14159).ToString("F2"))')).toBe('1,234,567.89 00FF 3.14');
  });

  it('int.Parse, Convert and casts', () => {
    expect(run('@(int.Parse(" 42 ") + 1)')).toBe(43);
    expect(failure('@(int.Parse("4x"))').exceptionType).toBe('FormatException');
    expect(failure('@(int.Parse("3000000000"))').exceptionType).toBe('OverflowException');
    expect(run('@(Convert.ToInt32(2.5) + Convert.ToInt32(3.5))')).toBe(2 + 4); // banker's rounding
    expect(run('@((int)2.9 + (int)-2.9)')).toBe(0); // truncation toward zero
    expect(run('@(Convert.ToBase64String(Encoding.UTF8.GetBytes("hé")))')).toBe(Buffer.from('hé').toString('base64'));
    expect(run('@(Encoding.UTF8.GetString(Convert.FromBase64String("aMOp")))')).toBe('hé');
    expect(failure('@(Convert.FromBase64String("a$=="))').exceptionType).toBe('FormatException');
    expect(run('@(Uri.EscapeDataString("a b/c") + Uri.UnescapeDataString("%41"))')).toBe('a%20b%2FcA');
  });
});

describe('System.DateTime and TimeSpan', () => {
  afterEach(() => setClock());

  it('formats', () => {
    setClock(() => Date.UTC(2026, 2, 5, 14, 7, 9, 42));
    expect(run('@(DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ss.fffK"))')).toBe('2026-03-05T14:07:09.042Z');
    expect(run('@(DateTime.UtcNow.ToString("s"))')).toBe('2026-03-05T14:07:09');
    expect(run('@(DateTime.UtcNow.ToString("R"))')).toBe('Thu, 05 Mar 2026 14:07:09 GMT');
    expect(run('@(DateTime.UtcNow.ToString("dddd, MMM d, h:mm tt"))')).toBe('Thursday, Mar 5, 2:07 PM');
    expect(run('@(DateTime.UtcNow.ToString())')).toBe('3/5/2026 2:07:09 PM');
    expect(run('@(DateTime.UtcNow.DayOfWeek.ToString() + DateTime.UtcNow.Kind)')).toBe('ThursdayUtc');
  });

  it('arithmetic and TimeSpan', () => {
    setClock(() => Date.UTC(2024, 0, 31));
    expect(run('@(DateTime.UtcNow.AddMonths(1).Day)')).toBe(29); // 2024 is a leap year
    expect(run('@((DateTime.UtcNow.AddHours(26).AddMinutes(3).AddSeconds(4) - DateTime.UtcNow).ToString())')).toBe('1.02:03:04');
    expect(run('@(TimeSpan.FromMinutes(90).TotalHours)')).toBe(1.5);
    expect(run('@(DateTime.UtcNow + TimeSpan.FromDays(1) > DateTime.UtcNow)')).toBe(true);
    expect(run('@(DateTime.UtcNow.AddDays(1).Subtract(TimeSpan.FromDays(1)) == DateTime.UtcNow)')).toBe(true);
    expect(failure('@(DateTime.MaxValue.AddDays(1))').exceptionType).toBe('ArgumentOutOfRangeException');
  });

  it('Parse: Z or an offset gives a Local time for the same instant; otherwise Unspecified', () => {
    const d = run('@(DateTime.Parse("2026-05-01T10:00:00Z"))') as CsDateTime;
    expect(d.kind).toBe('Local');
    expect(d.toDate().toISOString()).toBe('2026-05-01T10:00:00.000Z');
    expect(run('@(DateTime.Parse("2026-05-01 10:00").ToString("o"))')).toBe('2026-05-01T10:00:00.0000000');
    expect(failure('@(DateTime.Parse("yesterday"))').exceptionType).toBe('FormatException');
  });
});

describe('CsDictionary', () => {
  it('is case-sensitive by default and case-insensitive when asked; keeps the first spelling of a key', () => {
    const d = new CsDictionary([['Key', 1]]);
    expect(d.get('key')).toBeUndefined();
    const h = new CsDictionary([['Content-Type', 'a']], { ignoreCase: true });
    h.set('CONTENT-TYPE', 'b');
    expect([...h.entries()]).toEqual([['Content-Type', 'b']]);
  });

  it('Keys, Values, Count, enumeration as KeyValuePair, TryGetValue is not offered', () => {
    const ctx = fakeContext({ variables: { a: 1, b: 2 } });
    expect(run('@(string.Join(",", context.Variables.Keys) + context.Variables.Values.Count() + context.Variables.Count)', ctx)).toBe('a,b22');
    expect(run('@(context.Variables.First().Key + context.Variables.Last().Value)', ctx)).toBe('a2');
    expect(failure('@(context.Variables.Foo)').detail).toBe("'IReadOnlyDictionary<String, Object>' does not contain a definition for 'Foo'");
    expect(failure('@(context.Variables[null])').exceptionType).toBe('ArgumentNullException');
  });
});
