// Text mutations for the document fuzz tests (policy XML, config YAML/JSON): delete, duplicate or move a slice,
// insert a token that matters to the format, flip a character. Offsets are taken modulo the current length.
import fc from 'fast-check';

export type TextMutation =
  | { kind: 'delete'; at: number; len: number }
  | { kind: 'insert'; at: number; text: string }
  | { kind: 'duplicate'; at: number; len: number }
  | { kind: 'replaceChar'; at: number; ch: string }
  | { kind: 'truncate'; at: number };

export function textMutationArb(tokens: readonly string[]): fc.Arbitrary<TextMutation> {
  return fc.oneof(
    fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 40 }) }),
    fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), text: fc.oneof(fc.constantFrom(...tokens), fc.string({ maxLength: 6 })) }),
    fc.record({ kind: fc.constant('duplicate' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 60 }) }),
    fc.record({ kind: fc.constant('replaceChar' as const), at: fc.nat(), ch: fc.oneof(fc.constantFrom(...tokens.filter((t) => t.length === 1)), fc.string({ minLength: 1, maxLength: 1, unit: 'binary' })) }),
    fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  );
}

export function mutateText(base: string, mutations: readonly TextMutation[]): string {
  let s = base;
  for (const m of mutations) {
    const at = s.length === 0 ? 0 : m.at % (s.length + 1);
    switch (m.kind) {
      case 'delete': s = s.slice(0, at) + s.slice(at + m.len); break;
      case 'insert': s = s.slice(0, at) + m.text + s.slice(at); break;
      case 'duplicate': s = s.slice(0, at) + s.slice(at, at + m.len) + s.slice(at); break;
      case 'replaceChar': s = s.slice(0, at) + m.ch + s.slice(at + 1); break;
      case 'truncate': s = s.slice(0, at); break;
    }
  }
  return s;
}

export function mutatedTextArb(bases: readonly string[], tokens: readonly string[]): fc.Arbitrary<string> {
  return fc
    .tuple(fc.nat({ max: bases.length - 1 }), fc.array(textMutationArb(tokens), { minLength: 1, maxLength: 4 }))
    .map(([i, ms]) => mutateText(bases[i]!, ms));
}
