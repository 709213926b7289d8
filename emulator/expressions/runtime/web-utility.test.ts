// System.Net.WebUtility in policy expressions: the rules of .NET's WebUtility (reference source: IsUrlSafeChar keeps
// letters, digits and - _ . ! * ( ); UrlDecode turns '+' into a space and leaves invalid escapes as written).
import { describe, expect, it } from 'vitest';
import { compileExpression } from '../index';
import { fakeContext } from '../test-hosts';

const run = (text: string): unknown => compileExpression(text, { file: 'p.xml', line: 1, column: 1 }).evaluate({ context: fakeContext() });

describe('WebUtility', () => {
  it('UrlDecode: "+" is a space, %XX are UTF-8 bytes, an invalid escape stays', () => {
    expect(run('@(System.Net.WebUtility.UrlDecode("a+b%20c%zz%C3%A9"))')).toBe('a b c%zzé');
    expect(run('@(WebUtility.UrlDecode(null) == null)')).toBe(true);
  });
  it('UrlEncode keeps - _ . ! * ( ), writes spaces as "+" and %-encodes the rest in upper case', () => {
    expect(run('@(System.Net.WebUtility.UrlEncode("a b-_.!*()~\'/é"))')).toBe('a+b-_.!*()%7E%27%2F%C3%A9');
  });
  it('System.Net alone is a namespace, not a value', () => {
    expect(() => compileExpression('@(System.Net)', { file: 'p.xml', line: 1, column: 1 })).toThrow();
  });
});
