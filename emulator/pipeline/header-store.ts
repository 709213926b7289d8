// A message's headers as the pipeline mutates them: case-insensitive names, repeated values kept in order, the
// first-seen spelling of a name kept for the wire.

type Source = Readonly<Record<string, string | readonly string[]>>;
type Entry = { name: string; values: string[] };

export class HeaderStore {
  /** Made on the first write (or the first copy of a source): most stores are read, or only handed on. */
  private map: Map<string, Entry> | undefined;
  /**
   * Copy-on-write (see over()): the record the store was made from, read in place until the first change. Most
   * requests' headers are only read (or not touched) by the policies and then handed on, so building the Map and
   * copying it back out per request was work for nothing.
   */
  private source: Source | undefined;
  /** Some value of `source` is a plain string (a backend's wire-shaped headers), not a list. */
  private sourceHasStrings = false;
  /** Some value of `source` is a list. */
  private sourceHasLists = false;

  static fromRecord(headers: Source): HeaderStore {
    const store = new HeaderStore();
    for (const [name, v] of Object.entries(headers)) {
      for (const value of typeof v === 'string' ? [v] : v) store.append(name, value);
    }
    return store;
  }

  /**
   * The same as fromRecord(headers) for a record that will not change while the store lives (the front's request
   * headers, a backend's answer), without copying it unless a policy edits the headers. Falls back to fromRecord
   * when a name is not lower case or a value is neither a string nor a non-empty array, where reading in place
   * would differ.
   */
  static over(headers: Source): HeaderStore {
    let strings = false;
    let lists = false;
    for (const name in headers) {
      const values = headers[name];
      if (typeof values === 'string') strings = true;
      else if (!Array.isArray(values) || values.length === 0) return HeaderStore.fromRecord(headers);
      else lists = true;
      if (name !== name.toLowerCase()) return HeaderStore.fromRecord(headers);
    }
    const store = new HeaderStore();
    store.source = headers;
    store.sourceHasStrings = strings;
    store.sourceHasLists = lists;
    return store;
  }

  /** Turns a copy-on-write store into its own Map, exactly as fromRecord would have built it. */
  private own(): Map<string, Entry> {
    const map = (this.map ??= new Map());
    const source = this.source;
    if (!source) return map;
    this.source = undefined;
    for (const name in source) {
      const v = source[name]!;
      if (typeof v === 'string') this.append(name, v);
      else for (const value of v) this.append(name, value);
    }
    return map;
  }

  get(name: string): readonly string[] | undefined {
    if (this.source) {
      const key = name.toLowerCase();
      if (!Object.hasOwn(this.source, key)) return undefined;
      const v = this.source[key]!;
      return typeof v === 'string' ? [v] : v;
    }
    return this.map?.get(name.toLowerCase())?.values;
  }

  has(name: string): boolean {
    if (this.source) return Object.hasOwn(this.source, name.toLowerCase());
    return this.map?.has(name.toLowerCase()) ?? false;
  }

  set(name: string, values: readonly string[]): void {
    this.own().set(name.toLowerCase(), { name, values: [...values] });
  }

  append(name: string, value: string): void {
    const map = this.own();
    const entry = map.get(name.toLowerCase());
    if (entry) entry.values.push(value);
    else map.set(name.toLowerCase(), { name, values: [value] });
  }

  delete(name: string): void {
    this.own().delete(name.toLowerCase());
  }

  get size(): number {
    if (this.source) return Object.keys(this.source).length;
    return this.map?.size ?? 0;
  }

  /** [name as first written, values] pairs. */
  entries(): IterableIterator<{ name: string; values: string[] }> {
    return this.own().values();
  }

  /** Lower-case names, every value kept: the contract's header shape. */
  toRecord(): Readonly<Record<string, readonly string[]>> {
    const source = this.source;
    // Unchanged since over(): a record of lists already has this shape (it is read-only to callers).
    if (source && !this.sourceHasStrings) return source as Readonly<Record<string, readonly string[]>>;
    const out: Record<string, string[]> = {};
    if (source) {
      for (const name in source) {
        const v = source[name]!;
        out[name] = typeof v === 'string' ? [v] : [...v];
      }
      return out;
    }
    if (this.map) for (const [key, entry] of this.map) out[key] = [...entry.values];
    return out;
  }

  /** The wire shape (a GatewayResponse's headers): names as first written, one value as a string, several as a list. */
  toWire(): Readonly<Record<string, string | readonly string[]>> {
    const source = this.source;
    // Unchanged wire-shaped headers (a backend's answer): the record itself, read-only to callers.
    if (source && !this.sourceHasLists) return source;
    const out: Record<string, string | readonly string[]> = {};
    if (source) {
      for (const name in source) {
        const v = source[name]!;
        out[name] = typeof v === 'string' ? v : v.length === 1 ? v[0]! : [...v];
      }
      return out;
    }
    if (this.map) for (const { name, values } of this.map.values()) out[name] = values.length === 1 ? values[0]! : [...values];
    return out;
  }
}
