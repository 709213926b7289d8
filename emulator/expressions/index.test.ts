import { afterEach, describe, expect, it } from 'vitest';
import {
  compileExpression,
  CsDateTime,
  ExpressionRuntimeError,
  ExpressionSyntaxError,
  isExpression,
  setClock,
} from './index';
import { fakeCertificate, fakeContext, FakeHost } from './test-hosts';

const where = { file: 'policies/api.xml', line: 12, column: 20 };
const run = (text: string, context = fakeContext()): unknown => compileExpression(text, where).evaluate({ context });

// The three checks from the APIM mTLS documentation, verbatim (apim-behaviour.md §5).
const ISSUER_SUBJECT =
  '@(context.Request.Certificate == null || !context.Request.Certificate.Verify() || context.Request.Certificate.Issuer != "trusted-issuer" || context.Request.Certificate.SubjectName.Name != "expected-subject-name")';
const THUMBPRINT =
  '@(context.Request.Certificate == null || !context.Request.Certificate.Verify() || context.Request.Certificate.Thumbprint != "DESIRED-THUMBPRINT-IN-UPPER-CASE")';
const UPLOADED =
  '@(context.Request.Certificate == null || !context.Request.Certificate.Verify() || !context.Deployment.Certificates.Any(c => c.Value.Thumbprint == context.Request.Certificate.Thumbprint))';

describe('the documented certificate checks (true = reject with 403)', () => {
  const good = { thumbprint: 'DESIRED-THUMBPRINT-IN-UPPER-CASE', issuer: 'trusted-issuer', subject: 'expected-subject-name' };

  it('issuer/subject: accepts the expected pair, rejects missing, unverifiable, wrong issuer, wrong subject', () => {
    expect(run(ISSUER_SUBJECT, fakeContext({ certificate: fakeCertificate(good) }))).toBe(false);
    expect(run(ISSUER_SUBJECT, fakeContext({ certificate: null }))).toBe(true);
    expect(run(ISSUER_SUBJECT, fakeContext({ certificate: fakeCertificate({ ...good, verifies: false }) }))).toBe(true);
    expect(run(ISSUER_SUBJECT, fakeContext({ certificate: fakeCertificate({ ...good, issuer: 'Trusted-Issuer' }) }))).toBe(true);
    expect(run(ISSUER_SUBJECT, fakeContext({ certificate: fakeCertificate({ ...good, subject: 'other' }) }))).toBe(true);
  });

  it('thumbprint: == is ordinal and case-sensitive, so a lower-case thumbprint is rejected', () => {
    expect(run(THUMBPRINT, fakeContext({ certificate: fakeCertificate(good) }))).toBe(false);
    expect(run(THUMBPRINT, fakeContext({ certificate: fakeCertificate({ thumbprint: good.thumbprint.toLowerCase() }) }))).toBe(true);
    expect(run(THUMBPRINT, fakeContext({ certificate: null }))).toBe(true);
    expect(run(THUMBPRINT, fakeContext({ certificate: fakeCertificate({ ...good, verifies: false }) }))).toBe(true);
  });

  it('uploaded: accepts a certificate whose thumbprint is among the uploaded ones', () => {
    const uploaded = { ca: fakeCertificate({ thumbprint: 'AAAA' }), client: fakeCertificate({ thumbprint: 'BBBB' }) };
    expect(run(UPLOADED, fakeContext({ certificate: fakeCertificate({ thumbprint: 'BBBB' }), uploaded }))).toBe(false);
    expect(run(UPLOADED, fakeContext({ certificate: fakeCertificate({ thumbprint: 'CCCC' }), uploaded }))).toBe(true);
    expect(run(UPLOADED, fakeContext({ certificate: fakeCertificate({ thumbprint: 'BBBB' }), uploaded: {} }))).toBe(true);
    expect(run(UPLOADED, fakeContext({ certificate: null, uploaded }))).toBe(true);
  });

  it('short-circuits: with no certificate nothing after "== null" runs', () => {
    const ctx = fakeContext({ certificate: null });
    run(UPLOADED, ctx);
    expect(ctx.reads.get('Deployment')).toBeUndefined();
    expect(ctx.request.reads.get('Certificate')).toBe(1);
  });

  it('all three read the client certificate; a header check does not', () => {
    for (const t of [ISSUER_SUBJECT, THUMBPRINT, UPLOADED]) expect(compileExpression(t, where).readsClientCertificate).toBe(true);
    expect(compileExpression('@(context.Request.Headers.GetValueOrDefault("X-Cert", ""))', where).readsClientCertificate).toBe(false);
    expect(compileExpression('@(context.Deployment.Certificates.Count > 0)', where).readsClientCertificate).toBe(false);
  });
});

describe('readsClientCertificate', () => {
  const reads = (t: string): boolean => compileExpression(t, where).readsClientCertificate;
  it('sees the certificate through ?., blocks, lambdas and interpolation', () => {
    expect(reads('@(context.Request?.Certificate?.Thumbprint)')).toBe(true);
    expect(reads('@(context?.Request.Certificate != null)')).toBe(true);
    expect(reads('@{ var t = context.Request.Certificate.Thumbprint; return t; }')).toBe(true);
    expect(reads('@($"{context.Request.Certificate}")')).toBe(true);
    expect(reads('@(new[] {"a"}.Any(x => context.Request.Certificate != null))')).toBe(true);
  });
  it('is conservative when context or context.Request escapes into a variable', () => {
    expect(reads('@{ var r = context.Request; return r.Method; }')).toBe(true);
    expect(reads('@{ var c = context; return c.Variables.Count; }')).toBe(true);
  });
  it('is false for other members of the request', () => {
    expect(reads('@(context.Request.Method == "POST" && context.Request.Headers.ContainsKey("Certificate"))')).toBe(false);
    expect(reads('@(context.Variables.GetValueOrDefault<string>("Certificate"))')).toBe(false);
  });
});

describe('strings, headers and variables', () => {
  it('== is case-sensitive; Equals with OrdinalIgnoreCase is not', () => {
    expect(run('@("abc" == "ABC")')).toBe(false);
    expect(run('@("abc".Equals("ABC"))')).toBe(false);
    expect(run('@("abc".Equals("ABC", StringComparison.OrdinalIgnoreCase))')).toBe(true);
    expect(run('@(String.Equals("abc", "ABC", StringComparison.OrdinalIgnoreCase))')).toBe(true);
    expect(run('@(string.Equals("abc", "ABC", StringComparison.Ordinal))')).toBe(false);
    expect(run('@(null == null)')).toBe(true);
  });

  it('headers: case-insensitive names, GetValueOrDefault joins values with ",", the indexer gives string[]', () => {
    const ctx = fakeContext({ headers: { 'X-Client-Cert': ['abc'], Accept: ['a/b', 'c/d'] } });
    expect(run('@(context.Request.Headers.GetValueOrDefault("x-client-cert", "none"))', ctx)).toBe('abc');
    expect(run('@(context.Request.Headers.GetValueOrDefault("accept", ""))', ctx)).toBe('a/b,c/d');
    expect(run('@(context.Request.Headers.GetValueOrDefault("missing", "none"))', ctx)).toBe('none');
    expect(run('@(context.Request.Headers.GetValueOrDefault("missing"))', ctx)).toBeNull();
    expect(run('@(context.Request.Headers["ACCEPT"][1])', ctx)).toBe('c/d');
    expect(run('@(context.Request.Headers.ContainsKey("Accept") && !context.Request.Headers.ContainsKey("Other"))', ctx)).toBe(true);
  });

  it('variables: generic GetValueOrDefault converts or defaults, the indexer throws on a missing key', () => {
    const ctx = fakeContext({ variables: { count: 41, name: 'alice', flag: true } });
    expect(run('@(context.Variables.GetValueOrDefault<int>("count") + 1)', ctx)).toBe(42);
    expect(run('@(context.Variables.GetValueOrDefault<int>("nope"))', ctx)).toBe(0);
    expect(run('@(context.Variables.GetValueOrDefault<bool>("nope"))', ctx)).toBe(false);
    expect(run('@(context.Variables.GetValueOrDefault<string>("nope"))', ctx)).toBeNull();
    expect(run('@((string)context.Variables["name"] + "!")', ctx)).toBe('alice!');
    expect(run('@(context.Variables.ContainsKey("flag") ? "y" : "n")', ctx)).toBe('y');
    expect(() => run('@(context.Variables["nope"])', ctx)).toThrow(/KeyNotFound|not present/);
    expect(() => run('@(context.Variables.GetValueOrDefault<int>("name"))', ctx)).toThrow(ExpressionRuntimeError);
  });

  it('string members', () => {
    expect(run('@("  a,b ,c ".Trim().Split(\',\').Select(s => s.Trim().ToUpper()).ToArray())')).toEqual(['A', 'B', 'C']);
    expect(run('@("CN=client, O=Org".StartsWith("cn=", StringComparison.OrdinalIgnoreCase))')).toBe(true);
    expect(run('@("CN=client, O=Org".StartsWith("cn="))')).toBe(false);
    expect(run('@("abcabc".Replace("b", "X").Substring(1, 3) + "xyz".IndexOf("z") + "q".Length)')).toBe('Xca21');
    expect(run('@(string.IsNullOrEmpty("") && string.IsNullOrWhiteSpace("  ") && !string.IsNullOrEmpty("x"))')).toBe(true);
    expect(run('@(string.Join("|", new[] { "a", "b" }) + string.Join("-", "x", "y"))')).toBe('a|bx-y');
    expect(run('@($"{1}+{"two"}={3.5}, {{literal}} {true}")')).toBe('1+two=3.5, {literal} True');
    expect(run('@(@"C:\\path" + "\\t".Length)')).toBe('C:\\path1');
  });
});

describe('numbers, LINQ and blocks', () => {
  it('C# integer division when both sides are integers', () => {
    expect(run('@(7 / 2)')).toBe(3);
    expect(run('@(7.0 / 2)')).toBe(3.5);
    expect(run('@(-7 / 2)')).toBe(-3);
    expect(run('@(7 % 3 * 2 + 1)')).toBe(3);
    expect(() => run('@(1 / 0)')).toThrow(/divide by zero/);
  });

  it('LINQ operators over arrays and dictionaries', () => {
    const ctx = fakeContext({ variables: { a: 1, b: 2, c: 3 } });
    expect(run('@(context.Variables.Where(kv => (int)kv.Value > 1).Select(kv => kv.Key).ToList())', ctx)).toEqual(['b', 'c']);
    expect(run('@(context.Variables.Count(kv => kv.Key != "a"))', ctx)).toBe(2);
    expect(run('@(context.Variables.All(kv => kv.Key.Length == 1))', ctx)).toBe(true);
    expect(run('@(new[] {3, 1, 2}.OrderBy(x => x).First() + new[] {3, 1, 2}.Last() + new[] {1, 2}.Sum())')).toBe(1 + 2 + 3);
    expect(run('@(new[] {"a", "b"}.FirstOrDefault(x => x == "z") ?? "none")')).toBe('none');
    expect(run('@(new[] {"a", "b"}.Contains("B"))')).toBe(false);
    expect(() => run('@(new string[] {}.First())')).toThrow(/no elements/);
  });

  it('statement blocks: declarations, if/else, foreach, return', () => {
    const text = `@{
      var total = 0;
      string label = "n";
      foreach (var kv in context.Variables) {
        if (kv.Key.StartsWith("x")) { continue_ = 1; }
      }
      return label;
    }`;
    expect(() => compileExpression(text, where)).toThrow(ExpressionSyntaxError); // continue_ was never declared
    const ok = `@{
      var total = 0;
      foreach (var kv in context.Variables) {
        if (kv.Key.StartsWith("x")) { total += (int)kv.Value; } else total -= 1;
      }
      if (total > 10) { return "big:" + total; }
      return "small:" + total;
    }`;
    expect(run(ok, fakeContext({ variables: { x1: 7, x2: 8, y: 0 } }))).toBe('big:14');
    expect(run(ok, fakeContext({ variables: { y: 0 } }))).toBe('small:-1');
  });

  it('a block must return on every path', () => {
    expect(() => compileExpression('@{ if (true) { return 1; } }', where)).toThrow(/'return' with a value/);
  });
});

describe('DateTime', () => {
  afterEach(() => setClock());

  it('Now/UtcNow follow the injectable clock; comparisons, AddX, Subtract, ToString("o")', () => {
    setClock(() => Date.UTC(2026, 0, 31, 23, 30, 0, 250));
    expect(run('@(DateTime.UtcNow.ToString("o"))')).toBe('2026-01-31T23:30:00.2500000Z');
    expect(run('@(DateTime.UtcNow.AddMinutes(45).Day)')).toBe(1);
    expect(run('@(DateTime.UtcNow.AddMonths(1).ToString("yyyy-MM-dd"))')).toBe('2026-02-28');
    expect(run('@(DateTime.UtcNow < DateTime.UtcNow.AddSeconds(1) && DateTime.UtcNow >= DateTime.UtcNow)')).toBe(true);
    expect(run('@(DateTime.UtcNow.AddHours(2).Subtract(DateTime.UtcNow).TotalMinutes)')).toBe(120);
    expect(run('@((DateTime.UtcNow - DateTime.UtcNow.AddDays(-1)).TotalHours / 5)')).toBe(4.8);
  });

  it('compares a host-provided certificate date (Local kind) with UtcNow by wall clock, as .NET does', () => {
    setClock(() => Date.UTC(2026, 5, 1));
    const notAfter = new CsDateTime(new Date(Date.UTC(2026, 5, 2)), 'Utc');
    const cert = new FakeHost('X509Certificate2', { NotAfter: notAfter });
    const ctx = fakeContext({ certificate: cert });
    expect(run('@(context.Request.Certificate.NotAfter > DateTime.UtcNow)', ctx)).toBe(true);
    expect(run('@(context.Request.Certificate.NotAfter < DateTime.UtcNow.AddDays(2))', ctx)).toBe(true);
    expect(run('@(context.Request.Certificate.NotAfter == new DateTime[] { context.Request.Certificate.NotAfter }[0])', ctx)).toBe(true);
  });

  it('a per-evaluation clock overrides the module clock', () => {
    const e = compileExpression('@(DateTime.UtcNow.Year)', where);
    expect(e.evaluate({ context: fakeContext(), now: () => Date.UTC(1999, 11, 31) })).toBe(1999);
  });
});

describe('errors', () => {
  it('a syntax error in a multi-line block points at the offending token in the policy file', () => {
    const text = '@{\n  var x = 1;\n  return x +* 2;\n}';
    try {
      compileExpression(text, where);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ExpressionSyntaxError);
      const s = e as ExpressionSyntaxError;
      // line 3 of the text is line 14 of the file; "*" follows "  return x +" on that line.
      const column = '  return x +'.length + 1;
      expect([s.file, s.line, s.column]).toEqual(['policies/api.xml', 14, column]);
      expect(s.message).toBe(`policies/api.xml:14:${column}: expected an expression, found '*'`);
    }
  });

  it('an error on the first line counts from the column where the text starts', () => {
    try {
      compileExpression('@(context.Request.Method == )', where);
      expect.unreachable();
    } catch (e) {
      expect((e as ExpressionSyntaxError).column).toBe(20 + '@(context.Request.Method == '.length);
      expect((e as ExpressionSyntaxError).line).toBe(12);
    }
  });

  it('unterminated strings, unknown members of static types, and unknown names fail at load', () => {
    expect(() => compileExpression('@("abc)', where)).toThrow(/expected '"' closing the string/);
    expect(() => compileExpression('@(string.IsNullOrBlank("x"))', where)).toThrow(/a method of String/);
    expect(() => compileExpression('@(foo.Bar)', where)).toThrow(/unknown name 'foo'/);
    expect(() => compileExpression('@(DateTime.Tomorrow)', where)).toThrow(/a member of DateTime/);
  });

  it('a null dereference is an ExpressionRuntimeError with APIM\'s reason and the location of the member', () => {
    const text = '@(\n  context.Request.Certificate.Thumbprint == "X")';
    try {
      compileExpression(text, where).evaluate({ context: fakeContext({ certificate: null }) });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ExpressionRuntimeError);
      const r = e as ExpressionRuntimeError;
      expect(r.reason).toBe('ExpressionValueEvaluationFailure');
      expect(r.exceptionType).toBe('NullReferenceException');
      expect(r.message).toBe('Expression evaluation failed. Object reference not set to an instance of an object.');
      expect(r.location).toEqual({ file: 'policies/api.xml', line: 13, column: 3 + 'context.Request.Certificate.'.length });
    }
  });

  it('an unknown member of a host object names the type and the member', () => {
    expect(() => run('@(context.Request.Certificate.Thumbprnt)', fakeContext({ certificate: fakeCertificate({ thumbprint: 'A' }) }))).toThrow(
      "'X509Certificate2' does not contain a definition for 'Thumbprnt'",
    );
    expect(() => run('@(context.Request.Certificate.Verfy())', fakeContext({ certificate: fakeCertificate({ thumbprint: 'A' }) }))).toThrow(
      "'X509Certificate2' does not contain a definition for 'Verfy'",
    );
  });

  it('casts that .NET refuses fail at run time', () => {
    const ctx = fakeContext({ variables: { n: 5 } });
    expect(() => run('@((string)context.Variables["n"])', ctx)).toThrow(/Unable to cast object of type 'Int32' to type 'string'/);
    expect(run('@(context.Variables["n"] as string ?? "not a string")', ctx)).toBe('not a string');
    expect(run('@(context.Variables["n"] is int)', ctx)).toBe(true);
  });

  it('a host that throws becomes an ExpressionRuntimeError', () => {
    const cert = new FakeHost('X509Certificate2', {}, { Verify: () => { throw new Error('chain engine failed'); } });
    expect(() => run('@(context.Request.Certificate.Verify())', fakeContext({ certificate: cert }))).toThrow(/chain engine failed/);
  });
});

describe('isExpression', () => {
  it('recognises @( and @{ after whitespace only', () => {
    expect(isExpression('  @(1)')).toBe(true);
    expect(isExpression('\n@{ return 1; }')).toBe(true);
    expect(isExpression('text @(1)')).toBe(false);
    expect(isExpression('@"x"')).toBe(false);
  });
});
