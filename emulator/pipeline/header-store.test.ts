// HeaderStore.over (copy-on-write over the front's header record) must read and write exactly as fromRecord would,
// and never change the record it reads from.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HeaderStore } from './header-store';

const snapshot = (s: HeaderStore) => ({ size: s.size, entries: [...s.entries()].map((e) => [e.name, [...e.values]]), record: s.toRecord() });

describe('HeaderStore.over', () => {
  it('reads like fromRecord and leaves the source alone when a policy edits', () => {
    const source = { host: ['a'], 'x-many': ['1', '2'] };
    const frozen = JSON.stringify(source);
    const lazy = HeaderStore.over(source);
    const eager = HeaderStore.fromRecord(source);
    for (const name of ['Host', 'X-MANY', 'x-none']) {
      expect(lazy.get(name)).toEqual(eager.get(name));
      expect(lazy.has(name)).toBe(eager.has(name));
    }
    expect(lazy.size).toBe(eager.size);
    for (const s of [lazy, eager]) {
      s.append('X-Many', '3');
      s.set('X-New', ['n']);
      s.delete('host');
    }
    expect(snapshot(lazy)).toEqual(snapshot(eager));
    expect(JSON.stringify(source)).toBe(frozen);
  });

  it('falls back to a copy for names that are not lower case and for empty value lists', () => {
    expect(snapshot(HeaderStore.over({ 'X-Mixed': ['v'] } as Record<string, string[]>))).toEqual(snapshot(HeaderStore.fromRecord({ 'X-Mixed': ['v'] })));
    expect(HeaderStore.over({ empty: [] }).has('empty')).toBe(false);
  });

  it('agrees with fromRecord on random records and random edits', () => {
    const name = fc.constantFrom('a', 'b', 'content-type', 'x-y');
    const edit = fc.oneof(
      fc.record({ op: fc.constant('append' as const), name, value: fc.string() }),
      fc.record({ op: fc.constant('set' as const), name, value: fc.string() }),
      fc.record({ op: fc.constant('delete' as const), name, value: fc.constant('') }),
    );
    fc.assert(fc.property(fc.dictionary(name, fc.array(fc.string(), { minLength: 1, maxLength: 3 })), fc.array(edit, { maxLength: 4 }), (record, edits) => {
      const lazy = HeaderStore.over(record);
      const eager = HeaderStore.fromRecord(record);
      for (const e of edits) {
        for (const s of [lazy, eager]) {
          if (e.op === 'append') s.append(e.name.toUpperCase(), e.value);
          else if (e.op === 'set') s.set(e.name, [e.value]);
          else s.delete(e.name);
        }
        expect(lazy.get(e.name)).toEqual(eager.get(e.name));
      }
      expect(snapshot(lazy)).toEqual(snapshot(eager));
    }));
  });
});

describe('HeaderStore over a backend answer (wire shape: a string or a list per name)', () => {
  const wireOf = (s: HeaderStore) => JSON.stringify(s.toWire());
  it('reads, edits and hands on exactly like fromRecord, and hands an unedited all-string record on as it is', () => {
    const answer = Object.freeze({ 'content-type': 'application/json', 'set-cookie': ['a=1', 'b=2'], 'x-one': ['only'] });
    const lazy = HeaderStore.over(answer);
    const eager = HeaderStore.fromRecord(answer);
    for (const name of ['Content-Type', 'SET-COOKIE', 'x-one', 'missing']) expect(lazy.get(name)).toEqual(eager.get(name));
    expect(lazy.toRecord()).toEqual(eager.toRecord());
    expect(wireOf(lazy)).toBe(wireOf(eager));
    expect(lazy.toWire()).toEqual({ 'content-type': 'application/json', 'set-cookie': ['a=1', 'b=2'], 'x-one': 'only' });
    const strings = Object.freeze({ 'content-type': 'text/plain' });
    expect(HeaderStore.over(strings).toWire()).toBe(strings);
    lazy.set('X-Added', ['v']);
    eager.set('X-Added', ['v']);
    expect(snapshot(lazy)).toEqual(snapshot(eager));
    expect(wireOf(lazy)).toBe(wireOf(eager));
  });

  it('agrees with fromRecord on random wire records and random edits', () => {
    const name = fc.constantFrom('a', 'b', 'content-type', 'X-Y');
    const value = fc.oneof(fc.string(), fc.array(fc.string(), { maxLength: 3 }));
    fc.assert(fc.property(fc.dictionary(name, value), fc.option(fc.record({ name, value: fc.string() })), (record, edit) => {
      const lazy = HeaderStore.over(record);
      const eager = HeaderStore.fromRecord(record);
      if (edit) for (const s of [lazy, eager]) s.append(edit.name, edit.value);
      expect(snapshot(lazy)).toEqual(snapshot(eager));
      expect(wireOf(lazy)).toBe(wireOf(eager));
    }));
  });
});
