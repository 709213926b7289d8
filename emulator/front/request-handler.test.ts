// requestUrl parses "https://host" + target in one go when that cannot differ from the two-argument form; this checks
// it against the two-argument form (the definition) on awkward and random targets and hosts.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { requestUrl } from './request-handler';

const reference = (target: string, host: string): string => {
  try {
    return new URL(target, `https://${host}`).href;
  } catch {
    return 'invalid';
  }
};
const fast = (target: string, host: string): string => {
  try {
    return requestUrl(target, host).href;
  } catch {
    return 'invalid';
  }
};

describe('requestUrl', () => {
  const hosts = ['localhost', 'localhost:8443', '127.0.0.1:1', '[::1]:44', 'LOCALHOST', 'x:', 'a:99999', 'evil/path', 'user@host', 'h\\x', ''];
  it('equals new URL(target, https://host) on awkward targets', () => {
    const targets = ['/', '/a/b?x=1#f', '//evil.com/x', '/\\evil.com/x', '/\t/x', '/%2e%2e/x', '/a/../../b', '/a b', '/?', '/é', '*', 'https://other/x', '/\n/x', '/x\r'];
    for (const host of hosts) for (const target of targets) expect(fast(target, host), `${JSON.stringify(target)} on ${JSON.stringify(host)}`).toBe(reference(target, host));
  });

  it('equals it on random targets', () => {
    const char = fc.constantFrom('/', '\\', '\t', '\n', '\r', ' ', '.', '%', '2', 'e', '?', '#', 'a', ':', '@', '[', 'é', '\u0000', '\u001f');
    fc.assert(fc.property(fc.array(char, { maxLength: 8 }), fc.constantFrom(...hosts), (chars, host) => {
      const target = `/${chars.join('')}`;
      expect(fast(target, host)).toBe(reference(target, host));
    }), { numRuns: 5000 });
  });
});
